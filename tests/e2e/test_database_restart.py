"""A PostgreSQL restart while residents chat: the next message is answered as if nothing
happened, not with an apology (bot/middlewares.DatabaseMiddleware runs the update again on a
new connection). PostgreSQL only: the embedded SQLite database has no server to lose."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from models import OutboxMessage, OutboxStatus
from models.db import Database
from tests.conftest import PG_URL
from tests.e2e.conftest import Product, Server, product_settings, seed, start_product
from tests.e2e.harness import Sim, settled, text_of
from tests.test_postgres_connections import close_server_connections

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LINLI_TEST_DATABASE_URL (PostgreSQL)")

WANG = 10003


@pytest.fixture
async def unpinged(
    database_url: str, sim: Sim, db: Database, simulator: Server
) -> AsyncIterator[Product]:
    """The product, with its idle-connection ping out of the way: every dead connection is
    met by a statement, as a busy one would be."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    info = await seed(database_url, sim, db)
    settings = product_settings(
        database_url,
        simulator.url,
        database={"ping_after_idle_seconds": 3600},
    )
    running = await start_product(settings, sim, db, info)
    yield running
    await running.stop()


async def test_a_message_right_after_a_database_restart_is_answered(unpinged: Product) -> None:
    sim = unpinged.sim
    await sim.send(WANG, "/help")
    [first] = await sim.wait_count(WANG, 1)

    async def sent() -> int:  # its outcome recorded: the sender has no transaction left open
        async with unpinged.db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.chat_id == str(WANG),
                        OutboxMessage.status == OutboxStatus.sent,
                    )
                )
                or 0
            )

    assert await settled(sent, 1) == 1
    # The update below is the first to meet a dead connection (the sender's heartbeat comes
    # every 2 s; should it come first, the pool is renewed before the update).
    assert await close_server_connections(unpinged.settings.database.url) >= 1

    await sim.send(WANG, "/help")
    replies = await sim.wait_count(WANG, 2)
    assert text_of(replies[1]) == text_of(first)
