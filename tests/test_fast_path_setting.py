"""``NEUTRALPOINT_FAST_PATH``: the whole fast path, none of it, or chosen pieces."""

from __future__ import annotations

import pytest

from neutralpoint.fastpath import PIECES, FastPath
from neutralpoint.settings import Settings, SettingsError

BASE = {"NEUTRALPOINT_ENV": "test", "SECRET_KEY": "x" * 40, "DATA_DIR": "/tmp/np-fast-path-setting"}


def test_on_by_default_and_off_entirely() -> None:
    assert Settings.from_env(BASE).fast_path == FastPath()
    assert FastPath.parse("off") == FastPath.off()
    assert FastPath.off().describe() == "off"
    assert FastPath().describe() == "on"


def test_pieces_kept_or_left_out() -> None:
    kept = FastPath.parse("entry-cache, edge")
    assert (kept.entry_cache, kept.edge, kept.entry_page, kept.group_commit) == (True, True, False, False)
    assert kept.describe() == "entry-cache,edge"
    without = FastPath.parse("-edge,-writer")
    assert (without.edge, without.writer, without.entry_cache, without.group_commit) == (False, False, True, True)
    for piece in PIECES:
        assert FastPath.parse(FastPath.parse(f"-{piece}").describe()) == FastPath.parse(f"-{piece}")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("edgy", "unknown piece 'edgy'; the pieces are entry-cache, entry-page"),
        ("edge,-writer", "either the pieces to keep or those to leave out"),
    ],
)
def test_a_bad_value_names_the_setting(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match="NEUTRALPOINT_FAST_PATH") as refused:
        Settings.from_env({**BASE, "NEUTRALPOINT_FAST_PATH": value})
    assert message in str(refused.value)
