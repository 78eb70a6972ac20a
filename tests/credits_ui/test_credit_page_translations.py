"""The credit forms' refusals read in Chinese, on the pages and in the API, and the ledger's reasons too.

That every refusal of the platform has both languages is checked once for all domains
(tests/test_refusals.py); the pages' own strings in tests/test_translations.py.
"""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path
from typing import Any

from sqlalchemy import select
from supply_flows import ACTOR, SupplyBuilder, field_error, post_form

from neutralpoint.credits import reasons, services
from neutralpoint.credits.models import LedgerEntry
from neutralpoint.database.engine import Database
from neutralpoint.web.i18n import translations
from neutralpoint_admin.platform.forms import LOT_FIELDS

ROOT = Path(__file__).resolve().parents[2]


def _lot_form(prefix: str, **overrides: str) -> dict[str, str]:
    form = dict.fromkeys(LOT_FIELDS, "") | {
        "serial_first": f"{prefix}000001",
        "serial_last": f"{prefix}000010",
        "quantity_tonnes": "10",
        "vintage_year": "2022",
        "acquired_on": "2024-06-01",
        "unit_cost": "30.00",
        "cost_currency": "CNY",
    }
    return form | overrides


async def test_messages_with_values_read_in_chinese_on_the_pages(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    project = await supply.project()
    existing = await supply.lot(project, 10)
    path = f"/platform/projects/{project.id}/lots/new?lang=zh-Hans"
    mismatch = await post_form(admin_client, path, _lot_form(f"CN-ZH-{unique}-", quantity_tonnes="11"))
    assert field_error(mismatch.text, "quantity_tonnes") == "序列号范围包含 10 吨，但填写的数量为 11 吨。"
    prefix = existing.serial_first[: -len("000001")]
    overlap = await post_form(admin_client, path, _lot_form(prefix))
    assert field_error(overlap.text, "serial_first") == (
        f"这些序列号与批次 {existing.serial_first} – {existing.serial_last}（年份 2022）重叠。"
    )
    vintage = await post_form(admin_client, path, _lot_form(f"CN-ZH-{unique}-", vintage_year="1980"))
    assert field_error(vintage.text, "vintage_year") == "不能小于 1990。"

    project_page = f"/platform/projects/{project.id}?lang=zh-Hans"
    too_long = await post_form(
        admin_client, project_page, {"name_en": "x" * 201, "name_zh": "林", "latitude": "95", "longitude": "104"}
    )
    assert field_error(too_long.text, "name_en") == "最多 200 个字符（英文）。"
    assert field_error(too_long.text, "latitude") == "请输入 -90 到 90 之间的十进制度数。"


async def test_messages_with_values_read_in_chinese_in_the_api(
    admin_client: Any, supply: SupplyBuilder, unique: str
) -> None:
    project = await supply.project()
    lot_in = {
        "project_id": str(project.id),
        "vintage_year": 2023,
        "serial_first": f"CDCER-{unique}-000001",
        "serial_last": f"CDCER-{unique}-000010",
        "quantity_tonnes": 11,
        "unit_cost_minor": 3000,
        "cost_currency": "CNY",
        "acquired_on": "2024-06-01",
    }
    refused = await admin_client.post("/api/v1/credits/lots", json=lot_in)
    assert refused.status_code == 400
    assert refused.json()["errors"]["quantity_tonnes"]["message"] == {
        "en": "The serial range holds 10 tonnes but the quantity says 11.",
        "zh-Hans": "序列号范围包含 10 吨，但填写的数量为 11 吨。",
    }
    latitude = await admin_client.patch(f"/api/v1/credits/projects/{project.id}", json={"latitude": "91"})
    assert latitude.json()["errors"]["latitude"]["message"] == {
        "en": "Enter decimal degrees between -90 and 90.",
        "zh-Hans": "请输入 -90 到 90 之间的十进制度数。",
    }


def test_the_reasons_the_platform_writes_are_translated() -> None:
    catalogue = translations("zh-Hans")
    missing = [m for m in reasons.MSGIDS if catalogue.gettext(m) == m]
    assert not missing, missing


def _reasons_given(node: ast.AST) -> list[ast.expr | None]:
    """The ``reason=`` of a call, or the default of a function's ``reason`` parameter."""
    if isinstance(node, ast.Call):
        return [k.value for k in node.keywords if k.arg == "reason"]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        with_default = args.args[len(args.args) - len(args.defaults) :]
        positional = dict(zip([a.arg for a in with_default], args.defaults, strict=True))
        keyword = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults, strict=True))
        return [{**positional, **keyword}.get("reason")]
    return []


def test_every_reason_the_platform_writes_comes_from_the_reasons_module() -> None:
    """A reason written as a literal elsewhere would be stored, but never translated on the pages."""
    literals = []
    for path in sorted((ROOT / "platform/credits").glob("*.py")):
        if path.name == "reasons.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            literals += [
                f"{path.name}:{value.lineno}"
                for value in _reasons_given(node)
                if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and value.value)
            ]
    assert not literals, literals


async def test_the_lot_ledger_reads_in_chinese(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    venue = await supply.venue()
    project = await supply.project()
    lot = await supply.lot(project, 3)
    allocation = await supply.allocation(lot, 2_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_000_000)
    [request] = [r for r in await services.batch_retirements(db, actor=ACTOR) if r.project_id == project.id]
    async with db.platform_session() as session:
        await services.record_retirement_reference(session, request.id, reference="CDCER-R-0042", actor=ACTOR)
    withdrawn = await post_form(
        admin_client, f"/platform/allocations/{allocation.id}/withdraw", {"reason": "offered by mistake"}
    )
    assert withdrawn.status_code == 303

    page = await admin_client.get(f"/platform/lots/{lot.id}?lang=zh-Hans")
    assert page.status_code == 200
    assert "<th>订单号</th>" in page.text
    ledger = page.text[page.text.index('id="ledger"') :]
    rows = [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", ledger, re.S)
    ]
    shown = [(row[2], row[5]) for row in reversed(rows) if row]
    assert shown == [
        ("购入", "购入批次"),
        ("配额", "提供给场所"),
        ("预留", "开始购买"),
        ("分配序列号", "已分配序列号片段"),
        ("注销", "已在登记簿注销：CDCER-R-0042"),
        ("配额", "offered by mistake"),
    ]
    english = await admin_client.get(f"/platform/lots/{lot.id}?lang=en")
    assert "<td>allocate</td>" in english.text
    assert "<td>retired at the registry: CDCER-R-0042</td>" in english.text

    async with db.platform_session() as session:
        stored = (
            await session.execute(
                select(LedgerEntry.reason).where(LedgerEntry.lot_id == lot.id).order_by(LedgerEntry.seq)
            )
        ).scalars()
        assert list(stored) == [
            "lot acquired",
            "offered to venues",
            "purchase started",
            "serial piece assigned",
            "retired at the registry: CDCER-R-0042",
            "offered by mistake",
        ]
        assert (await services.verify_chains(session)).ok
