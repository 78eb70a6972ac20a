"""What the credits services check themselves: the evidence files of lots, and the clock.

Every other field goes through the shared rules (``neutralpoint.input_rules``) and is
refused the one way (``neutralpoint.refusals``).
"""

from __future__ import annotations

from datetime import datetime

from neutralpoint.credits.schemas import EvidenceFile
from neutralpoint.database.base import utcnow
from neutralpoint.refusals import problem, refuse

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def now_or_given(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def checked_evidence(
    value: EvidenceFile | None, field: str, max_bytes: int = MAX_EVIDENCE_BYTES
) -> EvidenceFile | None:
    if value is None:
        return None
    if not value.content:
        raise refuse(field, problem("file_empty", "The file is empty.", "文件为空。"))
    if len(value.content) > max_bytes:
        raise refuse(
            field,
            problem(
                "file_too_large",
                "The file is larger than {megabytes} MB.",
                "文件大于 {megabytes} MB。",
                megabytes=max_bytes // (1024 * 1024),
            ),
        )
    content_type = (value.content_type or "").strip().lower()
    if "/" not in content_type or len(content_type) > 100:
        raise refuse(field, problem("file_type", "The file has no usable content type.", "该文件没有可用的内容类型。"))
    filename = (value.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "evidence"
    return EvidenceFile(content=value.content, content_type=content_type, filename=filename)
