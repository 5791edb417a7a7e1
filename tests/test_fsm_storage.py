"""A conversation's state is kept in the database, inside the update's transaction: it commits
and rolls back with what the update did (bot/fsm.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select

from bot.context import current_session
from bot.fsm import DatabaseStorage, record_key
from core.clock import FixedClock
from models import FsmRecord
from models.db import Database

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)
NOW = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


async def _stored(db: Database) -> tuple[str | None, dict[str, object]] | None:
    async with db.sessions() as session:
        record = await session.scalar(select(FsmRecord).where(FsmRecord.key == record_key(KEY)))
        return (record.state, record.data) if record else None


async def _in_update(
    db: Database, *, commit: bool, work: Callable[[], Awaitable[object]]
) -> object:
    session = db.sessions()
    token = current_session.set(session)
    try:
        result = await work()
        # Written already: nothing is left for the unit of work to flush at commit.
        assert not session.new and not session.dirty
        if commit:
            await session.commit()
        else:
            await session.rollback()
        return result
    finally:
        current_session.reset(token)
        await session.close()


async def test_the_state_commits_and_rolls_back_with_the_update(db: Database) -> None:
    storage = DatabaseStorage(db, FixedClock(NOW))

    async def start_form() -> object:
        await storage.set_state(KEY, "Report:place")
        await storage.set_data(KEY, {"kind": "repair", "photos": ["a"]})
        # Read back in the same transaction, as the next handler step would.
        return await storage.get_state(KEY), await storage.get_data(KEY)

    assert await _in_update(db, commit=False, work=start_form) == (
        "Report:place",
        {"kind": "repair", "photos": ["a"]},
    )
    assert await _stored(db) is None  # rolled back with the update: no row at all

    await _in_update(db, commit=True, work=start_form)
    assert await _stored(db) == ("Report:place", {"kind": "repair", "photos": ["a"]})

    async def next_step() -> object:
        data = await storage.get_data(KEY)
        data["photos"].append("b")  # a handler changing what it got changes nothing stored
        await storage.set_data(KEY, {**data, "place": "2楼楼梯口"})
        await storage.set_state(KEY, "Report:describe")
        return await storage.get_state(KEY)

    assert await _in_update(db, commit=False, work=next_step) == "Report:describe"
    assert await _stored(db) == ("Report:place", {"kind": "repair", "photos": ["a"]})

    await _in_update(db, commit=True, work=next_step)
    assert await _stored(db) == (
        "Report:describe",
        {"kind": "repair", "photos": ["a", "b"], "place": "2楼楼梯口"},
    )

    async def finish() -> object:
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {})
        return await storage.get_data(KEY)

    assert await _in_update(db, commit=True, work=finish) == {}
    assert await _stored(db) == (None, {})


async def test_outside_an_update_the_storage_commits_on_its_own(db: Database) -> None:
    storage = DatabaseStorage(db, FixedClock(NOW))
    await storage.set_state(KEY, "Joining:choosing_home")  # e.g. a scheduler job, no update
    await storage.set_data(KEY, {"homes": [1, 2]})
    assert await _stored(db) == ("Joining:choosing_home", {"homes": [1, 2]})
    assert await storage.get_state(KEY) == "Joining:choosing_home"


async def test_clearing_a_conversation_there_never_was_writes_nothing(db: Database) -> None:
    storage = DatabaseStorage(db, FixedClock(NOW))

    async def clear() -> object:
        await storage.set_state(KEY, None)  # what FSMContext.clear() does
        await storage.set_data(KEY, {})
        return await storage.get_state(KEY), await storage.get_data(KEY)

    assert await _in_update(db, commit=True, work=clear) == (None, {})
    assert await _stored(db) is None
