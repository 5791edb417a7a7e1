"""Event isolation (bot/fsm.ChatLocks): a chat's updates run one at a time, other chats' meanwhile,
and a chat nobody is writing in holds no lock."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from aiogram.fsm.storage.base import StorageKey

from bot.app import build_dispatcher
from bot.fsm import ChatLocks
from bot.i18n import Catalogue
from core.clock import SystemClock
from core.settings import load_settings
from models.db import Database


def key(chat: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat, user_id=chat)


async def test_a_chats_updates_wait_for_each_other_and_other_chats_do_not() -> None:
    locks = ChatLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def update(chat: int, name: str, hold: bool = False) -> None:
        async with locks.lock(key(chat)):
            order.append(f"{name} in")
            if hold:
                await release.wait()
            order.append(f"{name} out")

    first = asyncio.create_task(update(10001, "first", hold=True))
    await asyncio.sleep(0)
    second = asyncio.create_task(update(10001, "second"))
    other = asyncio.create_task(update(10002, "other"))
    await asyncio.sleep(0.01)
    assert order == ["first in", "other in", "other out"]  # the second waits for the first
    release.set()
    await asyncio.gather(first, second, other)
    assert order[3:] == ["first out", "second in", "second out"]


async def test_a_quiet_chat_keeps_no_lock() -> None:
    locks = ChatLocks()
    for chat in range(100):
        async with locks.lock(key(chat)):
            assert locks.lock(key(chat)) is locks.lock(key(chat))
    gc.collect()
    assert locks.held() == 0


async def test_the_bot_isolates_its_updates_with_it(tmp_path: Path) -> None:
    # aiogram replaces an isolation that is false (e.g. an empty one with a length) by none.
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'linli.sqlite3'}")
    try:
        dp = build_dispatcher(
            settings=load_settings(None), db=db, catalogue=Catalogue(), clock=SystemClock()
        )
        assert dp.fsm is not None and isinstance(dp.fsm.events_isolation, ChatLocks)
    finally:
        await db.dispose()
