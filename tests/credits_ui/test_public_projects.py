"""The public project page and its JSON twin: what anyone may read, and the tonnes this
platform retired for the project with the registry's reference, after a real sale, a
batch and a manually entered reference."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from supply_flows import SupplyBuilder, field_error, post_form

from neutralpoint.credits import services
from neutralpoint.database.engine import Database


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


async def test_retired_tonnes_and_reference_after_sale_batch_and_manual_reference(
    admin_client: Any, anonymous: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    venue = await supply.venue()
    project = await supply.project(latitude="30.6586", longitude="104.0648", methodology="CDCER-LY-001")
    lot = await supply.lot(project, 5)
    allocation = await supply.allocation(lot, 5_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_600_000)
    await supply.buy(venue.id, allocation.id, 900_000)

    before = await anonymous.get(f"/projects/{project.slug}")
    assert before.status_code == 200
    assert "No tonne of this project has been retired yet" in before.text

    batch = await post_form(admin_client, "/platform/retirements/batch", {})
    assert batch.status_code == 303
    async with db.platform_session() as session:
        waiting = await services.list_retirements(session, project_id=project.id)
    assert [(r.status, r.tonnes) for r in waiting] == [("awaiting_reference", 2)]
    request_id = waiting[0].id
    page = await admin_client.get("/platform/retirements")
    assert waiting[0].serials[0] in page.text

    refused = await post_form(
        admin_client,
        f"/platform/retirements/{request_id}/reference",
        {"reference": "", "registry_url": "ftp://nowhere"},
    )
    assert refused.status_code == 400
    assert field_error(refused.text, "reference") == "This field is required."
    assert field_error(refused.text, "registry_url") == "Enter a web address starting with https://."

    reference = f"CDCER-RET-{unique}"
    recorded = await post_form(
        admin_client,
        f"/platform/retirements/{request_id}/reference",
        {"reference": reference, "registry_url": f"https://registry.example.org/retirements/{unique}"},
        files={"evidence": ("statement.pdf", b"%PDF-1.4 retirement statement", "application/pdf")},
    )
    assert recorded.status_code == 303, recorded.text
    evidence = await admin_client.get(f"/platform/retirements/{request_id}/evidence")
    assert evidence.content == b"%PDF-1.4 retirement statement"

    public_page = await anonymous.get(f"/projects/{project.slug}")
    assert public_page.status_code == 200
    assert '<p class="retired">2 tonnes</p>' in public_page.text
    assert f'href="https://registry.example.org/retirements/{unique}"' in public_page.text
    assert reference in public_page.text
    assert waiting[0].serials[1] in public_page.text
    assert "https://www.openstreetmap.org/?mlat=30.6586&amp;mlon=104.0648" in public_page.text
    assert "Longquan forest" in public_page.text
    assert "13. Climate action" in public_page.text
    assert "Venue " not in public_page.text  # buyers and venues stay private

    chinese = await anonymous.get(f"/projects/{project.id}?lang=zh-Hans")
    assert chinese.status_code == 200
    assert '<p class="retired">2 吨</p>' in chinese.text
    assert "龙泉山林业碳汇" in chinese.text
    assert "成都“碳惠天府”碳减排量(CDCER)" in chinese.text

    twin = await anonymous.get(f"/api/v1/public/projects/{project.slug}")
    assert twin.status_code == 200
    body = twin.json()
    assert body["retired_tonnes"] == 2
    assert [(r["reference"], r["tonnes"]) for r in body["retirements"]] == [(reference, 2)]
    assert body["vintages"] == [2022]
    assert body["registry_name"]["en"] == "Carbon Benefits Chengdu emission reductions (CDCER)"
    listed = await anonymous.get("/api/v1/public/projects")
    mine = [p for p in listed.json() if p["slug"] == project.slug]
    assert [p["retired_tonnes"] for p in mine] == [2]
    listing = await anonymous.get("/projects?lang=en")
    assert f'href="/projects/{project.slug}"' in listing.text
    assert "2 tonnes retired by this platform" in listing.text


async def test_drafts_are_not_public_and_photos_are(
    admin_client: Any, anonymous: Any, db: Database, supply: SupplyBuilder
) -> None:
    draft = await supply.project(status="draft")
    assert (await anonymous.get(f"/projects/{draft.slug}")).status_code == 404
    assert (await anonymous.get(f"/api/v1/public/projects/{draft.slug}")).status_code == 404
    assert draft.slug not in (await anonymous.get("/projects")).text
    assert (await anonymous.get("/projects/no-such-project")).status_code == 404

    project = await supply.project()
    upload = await post_form(
        admin_client,
        f"/platform/projects/{project.id}/photos",
        {"caption_en": "Planted slopes in spring", "caption_zh": "春天的造林山坡"},
        files={"photo": ("slope.png", _png(), "image/png")},
    )
    assert upload.status_code == 303, upload.text
    wrong = await post_form(
        admin_client,
        f"/platform/projects/{project.id}/photos",
        {},
        files={"photo": ("notes.txt", b"not a picture", "text/plain")},
    )
    assert wrong.status_code == 400
    assert field_error(wrong.text, "photo") == "Upload a JPEG, PNG or WebP picture."
    # The platform's audit log has the photo (its caption, not its bytes); the refused one left none.
    log = (await admin_client.get("/api/v1/platform/audit-log", params={"entity": "project_photo"})).json()["entries"]
    photos = [e for e in log if e["after"] and e["after"].get("project_id") == str(project.id)]
    assert [e["action"] for e in photos] == ["create"]
    assert photos[0]["after"]["caption"]["zh-Hans"] == "春天的造林山坡"
    assert "content" not in photos[0]["after"]

    body = (await anonymous.get(f"/api/v1/public/projects/{project.slug}")).json()
    assert [p["caption"]["zh-Hans"] for p in body["photos"]] == ["春天的造林山坡"]
    picture = await anonymous.get(body["photos"][0]["url"])
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.content == _png()
    page = await anonymous.get(f"/projects/{project.slug}")
    assert f'src="{body["photos"][0]["url"]}"' in page.text


async def test_demo_projects_say_so(anonymous: Any, supply: SupplyBuilder) -> None:
    project = await supply.project(is_demo=True)
    page = await anonymous.get(f"/projects/{project.slug}")
    assert "Nothing here is a real project or a real registry record." in page.text
    assert (await anonymous.get(f"/api/v1/public/projects/{project.slug}")).json()["is_demo"] is True


async def test_a_project_s_region_reads_in_chinese_on_chinese_pages(anonymous: Any, supply: SupplyBuilder) -> None:
    """The region has a Chinese name beside the English one; without it Chinese pages show the English."""
    named = await supply.project(region="Yibin, Sichuan", region_zh_hans="四川省宜宾市")
    english_only = await supply.project(region="Sichuan")
    page = await anonymous.get(f"/projects/{named.slug}?lang=zh-Hans")
    assert "四川省宜宾市" in page.text
    assert "Yibin" not in page.text
    assert "Yibin, Sichuan" in (await anonymous.get(f"/projects/{named.slug}?lang=en")).text
    assert "Sichuan" in (await anonymous.get(f"/projects/{english_only.slug}?lang=zh-Hans")).text
    listed = (await anonymous.get("/projects?lang=zh-Hans")).text
    assert "四川省宜宾市" in listed
    twin = (await anonymous.get(f"/api/v1/public/projects/{named.slug}")).json()
    assert (twin["region"], twin["region_zh_hans"]) == ("Yibin, Sichuan", "四川省宜宾市")


def test_an_offer_s_place_names_the_region_in_the_reader_s_language() -> None:
    import uuid

    from neutralpoint.payments.offers import project_lines
    from neutralpoint.payments.schemas import ProjectFacts

    def place(region_zh_hans: str, lang: str) -> str:
        facts = ProjectFacts(
            id=uuid.uuid4(),
            slug="p",
            name={"en": "P"},
            country="CN",
            region="Dali, Yunnan",
            region_zh_hans=region_zh_hans,
            project_type="forestry",
            registry_code="CDCER",
            registry_project_id="X",
            photo_url=None,
            url="/projects/p",
        )

        class Offer:
            project = facts

        return project_lines(Offer(), lang)["place"]  # type: ignore[arg-type]

    assert place("云南省大理白族自治州", "zh-Hans") == "中国 云南省大理白族自治州"
    assert place("云南省大理白族自治州", "en") == "Dali, Yunnan, China"
    assert place("", "zh-Hans") == "中国 Dali, Yunnan"
