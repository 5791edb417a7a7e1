"""Conversation state in Redis (`fsm.redis_url`, for several processes): a form survives a
restart there, a menu button leaves it, it lapses as in the database, and nothing of it is
kept in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

from models import FsmRecord
from models.db import Database
from tests.e2e.conftest import Server, product_settings, seed, start_product
from tests.e2e.harness import ShiftedClock, Sim
from tests.e2e.residents import ZHANG, bind_zhang
from tests.e2e.test_leaving_forms import to_the_place_step

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
async def redis_url(worker_id: str) -> AsyncIterator[str]:
    """A Redis database of this test worker's own, empty (the local server's 1–8)."""
    number = 1 + (0 if worker_id == "master" else int(worker_id.removeprefix("gw")) % 8)
    url = f"{REDIS}/{number}"
    client = aioredis.from_url(url)
    try:
        await client.flushdb()
        yield url
        await client.flushdb()
    finally:
        await client.aclose()


async def _states_in_database(db: Database) -> int:
    async with db.sessions() as session:
        where = FsmRecord.state.is_not(None)
        return int(await session.scalar(select(func.count()).select_from(FsmRecord).where(where)))


async def test_a_form_kept_in_redis_survives_a_restart_leaves_and_lapses(
    database_url: str,
    sim: Sim,
    db: Database,
    simulator: Server,
    redis_url: str,
    clock: ShiftedClock,
) -> None:
    settings = product_settings(database_url, simulator.url, fsm={"redis_url": redis_url})
    demo = await seed(database_url, sim, db, clock.now())
    product = await start_product(settings, sim, db, demo, clock=clock)
    try:
        await bind_zhang(sim)
        await to_the_place_step(sim)
        client = aioredis.from_url(redis_url)
        try:
            assert await client.keys("fsm:*")  # the form is in Redis…
        finally:
            await client.aclose()
        assert await _states_in_database(db) == 0  # …and not in the database
    finally:
        await product.stop()

    product = await start_product(settings, sim, db, demo, clock=clock)
    try:
        await sim.send(ZHANG, "3单元楼道5楼")  # the answer to the question asked before
        await sim.wait_text(ZHANG, "发生了什么")
        await sim.send(ZHANG, "📋 我的工单")
        await sim.wait_text(ZHANG, "您之前没填完的报修没有提交")
        await sim.wait_text(ZHANG, "您家还没有报修或投诉")
        before = len(await sim.bot_messages(ZHANG))
        await sim.send(ZHANG, "楼道灯一闪一闪的")  # not the description of the dropped form
        await sim.wait_count(ZHANG, before + 1)
        assert "照片能帮工作人员" not in str(await sim.bot_messages(ZHANG))

        # A form left longer than fsm.idle_minutes is over for the next words.
        await to_the_place_step(sim, "/complaint")
        clock.advance(minutes=settings.fsm.idle_minutes + 1)
        await sim.send(ZHANG, "地下车库入口")
        await sim.wait_text(ZHANG, "您之前没填完的投诉没有提交")
    finally:
        await product.stop()
