"""PostgreSQL connections the server closed (a restart, an idle timeout) are replaced unseen.

Pooled connections that sat unused a while are pinged before use (models/db.py); a busy one
is not, and the update middleware runs an update again when its first statement finds the
connection dead (tests/e2e/test_database_restart.py).
PostgreSQL only: the embedded SQLite database has no server to lose.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models.db import Database
from tests.conftest import PG_URL, Templates, admin_dsn

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LINLI_TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
async def pg_url(templates: Templates) -> AsyncIterator[str]:
    url, name = await templates.postgresql()
    yield url
    await templates.drop_pg(name)


async def close_server_connections(url: str) -> int:
    """What a server restart does to our pool: every connection to the database is closed."""
    admin = await asyncpg.connect(admin_dsn(url))
    try:
        closed = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.1)  # the backends are gone once their sockets close
    return len(closed)


async def select_one(db: Database) -> int:
    async with db.sessions() as session:
        return int((await session.execute(text("SELECT 1"))).scalar_one())


async def test_an_idle_connection_the_server_closed_is_replaced_before_use(pg_url: str) -> None:
    db = Database(pg_url, ping_after_idle=0.05)
    try:
        assert await select_one(db) == 1
        assert await close_server_connections(pg_url) == 1
        await asyncio.sleep(0.1)  # idle past the ping threshold
        assert await select_one(db) == 1
    finally:
        await db.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged_and_fails_once(pg_url: str) -> None:
    # The price of skipping the ping on busy connections: the first statement on a dead one
    # fails, marked so the caller can tell (DatabaseMiddleware runs the update again), and
    # the pool has dropped it for the next transaction.
    db = Database(pg_url, ping_after_idle=3600)
    try:
        assert await select_one(db) == 1
        assert await close_server_connections(pg_url) == 1
        with pytest.raises(DBAPIError) as failed:
            await select_one(db)
        assert failed.value.connection_invalidated
        assert await select_one(db) == 1
    finally:
        await db.dispose()
