"""The whole loop in the sandbox, over HTTP: offers, an order, payment, fulfilment."""

from __future__ import annotations

import re

from shop_world import GRAMS, World

from neutralpoint.jobs.queue import JobQueue


async def test_result_twin_prices_each_offer_for_the_footprint(world: World) -> None:
    shop = await world.shop()
    estimate_id = await world.footprint(shop)
    response = await world.client.get(f"/api/v1/public/venues/{shop.slug}/results/{estimate_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["estimate"]["total_grams"] == GRAMS
    assert body["test_mode"] is True
    # Offers to every venue, made by other tests in this database, may come first.
    [offer] = [o for o in body["offers"] if o["allocation_id"] == str(shop.allocation_id)]
    # 117,092 g at CNY 120.00 a tonne is 1405.104 fen, rounded up to CNY 14.06.
    assert offer["exact_price_minor"] == 1406
    assert offer["price_minor"] == 1406
    assert offer["below_minimum"] is False
    assert offer["project"]["registry"] == "CDCER"
    assert offer["vintage_year"] == 2023


async def test_pay_in_the_sandbox_and_get_serial_pieces(world: World, jobs: JobQueue) -> None:
    shop = await world.shop()
    estimate_id = await world.footprint(shop)
    created = await world.order(shop, estimate_id, buyer_name="Li Wei", buyer_email="li@example.org")
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "awaiting_payment"
    assert order["grams"] == GRAMS
    assert order["amount_minor"] == 1406
    assert sum(order["split"].values()) == 1406
    assert order["reference"].startswith("NP-")
    paid = await world.sandbox_pay(shop, order["reference"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] in ("paid", "fulfilled")
    await jobs.drain()
    done = await world.get(shop, order["reference"])
    assert done["status"] == "fulfilled"
    assert sum(p["grams"] for p in done["pieces"]) == GRAMS
    assert done["fulfilment_id"]
    causes = [(t["from_status"], t["to_status"], t["cause"]) for t in done["transitions"]]
    assert causes == [
        (None, "draft", "order_created"),
        ("draft", "awaiting_payment", "payment_created"),
        ("awaiting_payment", "paid", "sandbox_payment"),
        ("paid", "fulfilled", "credits_assigned"),
    ]
    again = await world.sandbox_pay(shop, order["reference"])
    assert again.status_code == 409
    assert set(again.json()["errors"]["reference"]["message"]) == {"en", "zh-Hans"}


async def test_result_page_offers_and_the_order_page(world: World, jobs: JobQueue) -> None:
    shop = await world.shop()
    estimate_id = await world.footprint(shop)
    page = await world.client.get(f"/v/{shop.slug}/r/{estimate_id}")
    assert page.status_code == 200
    assert "Longquan forest" in page.text
    assert "Test mode" in page.text
    # The forms carry the page's own token, as a browser would send it.
    token = re.search(r'<input type="hidden" name="_csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    posted = await world.client.post(
        f"/v/{shop.slug}/r/{estimate_id}/orders",
        data={"allocation_id": str(shop.allocation_id), "basis": "estimate", "_csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    order_url = posted.headers["location"]
    checkout = await world.client.get(order_url)
    assert checkout.status_code == 200
    assert "Test mode" in checkout.text
    paid = await world.client.post(
        order_url + "/pay",
        data={"buyer_name": "Ana", "buyer_email": "", "outcome": "succeed", "_csrf_token": token},
        follow_redirects=False,
    )
    assert paid.status_code == 303, paid.text
    await jobs.drain()
    final = await world.client.get(order_url)
    assert "You are carbon neutral" in final.text
    assert "CN-CDCER-" in final.text


async def test_the_order_page_says_a_small_mass_is_charged_the_minimum(world: World) -> None:
    """1 kg at CNY 120.00 a tonne costs CNY 0.12, below the minimum charge of CNY 4.00: the
    order is charged the minimum, and its page and JSON twin say so, as the result page did."""
    shop = await world.shop()
    created = await world.order(shop, basis="mass", grams=1_000)
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["amount_minor"], order["charged_minimum"], order["exact_price_minor"]) == (400, True, 12)
    reference = order["reference"]
    assert (await world.get(shop, reference))["charged_minimum"] is True
    page = await world.client.get(f"/v/{shop.slug}/orders/{reference}?lang=en")
    assert page.status_code == 200
    assert "The smallest payment is CN¥4.00: these grams alone would cost CN¥0.12." in page.text
    page = await world.client.get(f"/v/{shop.slug}/orders/{reference}?lang=zh-Hans")
    assert 'id="charged-minimum">最低付款金额为' in page.text

    estimate_id = await world.footprint(shop)
    whole = (await world.order(shop, estimate_id)).json()
    assert (whole["charged_minimum"], whole["exact_price_minor"]) == (False, None)
    page = await world.client.get(f"/v/{shop.slug}/orders/{whole['reference']}?lang=en")
    assert 'id="charged-minimum"' not in page.text
