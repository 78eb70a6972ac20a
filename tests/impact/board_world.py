"""What the impact tests do through the real payments path: neutralize grams at an entry point."""

from __future__ import annotations

from shop_world import Shop, World

from neutralpoint.jobs.queue import JobQueue


async def neutralize(world: World, jobs: JobQueue, shop: Shop, grams: int, name: str = "") -> str:
    """A visitor's paid and fulfilled order of ``grams`` at the shop's entry point; its reference."""
    created = await world.order(shop, basis="mass", grams=grams, buyer_name=name, entry_point=shop.code)
    assert created.status_code == 201, created.text
    reference = str(created.json()["reference"])
    paid = await world.sandbox_pay(shop, reference)
    assert paid.status_code == 200, paid.text
    await jobs.drain()
    assert (await world.get(shop, reference))["status"] == "fulfilled"
    return reference
