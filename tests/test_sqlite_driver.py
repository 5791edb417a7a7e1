"""The embedded SQLite database while another process holds its write lock (a `linli import`
beside the running bot): the bot waits for the lock without freezing, then carries on."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from models import Community
from models.db import Database
from models.migrate import upgrade_async


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'linli.sqlite3'}"
    await upgrade_async(url)
    database = Database(url)
    yield database
    await database.dispose()


def hold_write_lock(
    path: str, seconds: float, locked: threading.Event, released: threading.Event
) -> None:
    """Another process's writer: takes the write lock, writes, holds it, commits."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO communities (name, timezone, created_at) "
            "VALUES ('别的小区', 'Asia/Shanghai', '2026-12-01 00:00:00')"
        )
        locked.set()
        threading.Event().wait(seconds)
        released.set()  # just before: what ran until now ran while the lock was held
        other.execute("COMMIT")
    finally:
        other.close()


async def test_a_transaction_waits_for_another_writer_without_blocking_the_loop(
    sqlite_db: Database,
) -> None:
    path = sqlite_db.url.database
    assert path is not None
    locked, released = threading.Event(), threading.Event()
    writer = threading.Thread(target=hold_write_lock, args=(path, 0.6, locked, released))
    writer.start()
    try:
        assert await asyncio.to_thread(locked.wait, 5)
        ticks = 0  # the loop's turns while the other writer still held the lock

        async def tick() -> None:
            nonlocal ticks
            while not released.is_set():
                await asyncio.sleep(0.01)
                ticks += not released.is_set()

        ticker = asyncio.create_task(tick())
        async with sqlite_db.sessions() as session:
            # Begins only once the other writer has committed, so it sees that writer's row.
            count = await session.scalar(select(func.count()).select_from(Community))
            await session.commit()
        ticker.cancel()
    finally:
        await asyncio.to_thread(writer.join)
    assert count == 1
    # The event loop kept running while the transaction waited (the bot kept answering):
    # blocked, it would not have turned once before the lock was let go. (Not a count of
    # turns: how many fit in the wait depends on how busy the machine is.)
    assert ticks >= 1


async def test_a_writer_that_never_lets_go_gives_a_clear_error(sqlite_db: Database) -> None:
    path = sqlite_db.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        connection = await sqlite_db.engine.raw_connection()
        try:
            driver = connection.driver_connection
            assert driver is not None
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await driver.begin_immediate(wait=0.2)
        finally:
            connection.close()
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_statements_and_rollback_behave_as_with_aiosqlite(sqlite_db: Database) -> None:
    async with sqlite_db.sessions() as session:
        await session.execute(
            text(
                "INSERT INTO communities (name, timezone, created_at) "
                "VALUES ('回滚小区', 'Asia/Shanghai', '2026-12-01 00:00:00')"
            )
        )
        await session.rollback()
    async with sqlite_db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Community)) == 0
        rows = (await session.execute(text("SELECT 1 UNION ALL SELECT 2"))).scalars().all()
        assert rows == [1, 2]
