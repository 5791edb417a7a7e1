"""Conversation state in our database (the default), so a restart mid-conversation loses nothing."""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import current_session
from core.clock import Clock
from models import FsmRecord
from models.db import Database, tx_cache


def record_key(key: StorageKey) -> str:
    """The `fsm_state` primary key of an aiogram storage key."""
    return ":".join(
        str(part)
        for part in (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id or "",
            key.business_connection_id or "",
            key.destiny,
        )
    )


class DatabaseStorage(BaseStorage):
    """aiogram FSM storage on the `fsm_state` table, inside the update's transaction when any."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def _with_session(self, work: Any) -> Any:
        session = current_session.get()
        if session is not None:
            return await work(session)
        async with self._db.sessions() as own:
            result = await work(own)
            await own.commit()
            return result

    @staticmethod
    def remember(session: AsyncSession, key: StorageKey, record: FsmRecord | None) -> None:
        """The chat's record (or None: it has none) as read in this transaction already.

        The update's middleware reads it together with the sender (one statement per update,
        see bot/middlewares.py); get/set then need no statement of their own. Valid until the
        transaction ends: the chat's event-isolation lock is held meanwhile."""
        tx_cache(session)[("fsm", record_key(key))] = record

    async def _find(self, session: AsyncSession, key: StorageKey) -> FsmRecord | None:
        cache, cache_key = tx_cache(session), ("fsm", record_key(key))
        if cache_key in cache:
            return cache[cache_key]  # type: ignore[no-any-return]
        record = await session.get(FsmRecord, cache_key[1])
        tx_cache(session)[cache_key] = record
        return record

    async def _record(self, session: AsyncSession, key: StorageKey) -> FsmRecord:
        record = await self._find(session, key)
        if record is None:
            record = FsmRecord(
                key=record_key(key), state=None, data={}, updated_at=self._clock.now()
            )
            session.add(record)
            self.remember(session, key, record)
        return record

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state

        async def work(session: AsyncSession) -> None:
            record = await self._record(session, key)
            record.state, record.updated_at = value, self._clock.now()

        await self._with_session(work)

    async def get_state(self, key: StorageKey) -> str | None:
        async def work(session: AsyncSession) -> str | None:
            record = await self._find(session, key)
            return record.state if record else None

        return await self._with_session(work)  # type: ignore[no-any-return]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async def work(session: AsyncSession) -> None:
            record = await self._record(session, key)
            # A deep copy, as aiogram's MemoryStorage: the caller may go on changing `data`.
            record.data, record.updated_at = copy.deepcopy(dict(data)), self._clock.now()

        await self._with_session(work)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async def work(session: AsyncSession) -> dict[str, Any]:
            record = await self._find(session, key)
            # A deep copy, as aiogram's MemoryStorage: a handler that changes what it got (say,
            # appends to a list in it) and sets it back must not change the loaded record in
            # place, or the unit of work sees no change and writes nothing.
            return copy.deepcopy(record.data) if record else {}

        return await self._with_session(work)  # type: ignore[no-any-return]

    async def close(self) -> None:
        return None


class ChatLocks(BaseEventIsolation):
    """Event isolation in this process: one lock per chat, kept while someone holds or awaits it.

    aiogram's SimpleEventIsolation keeps every chat's lock for as long as the process runs
    (a lock per resident who ever wrote), and enters it through a generator-based context
    manager on every update. Here the lock itself is the context manager, and it is forgotten
    once nobody refers to it: a chat whose lock is held or awaited has the same one.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[StorageKey, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def lock(self, key: StorageKey) -> asyncio.Lock:  # type: ignore[override]
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def held(self) -> int:
        """How many chats have a lock now. (Not `__len__`: aiogram's Dispatcher takes an empty
        isolation, being false, for none given, and isolates nothing.)"""
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()
