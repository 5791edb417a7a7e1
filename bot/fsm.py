"""Conversation state in our database (the default), so a restart mid-conversation loses nothing."""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.context import current_session
from core.clock import Clock, as_utc
from models import FsmRecord
from models.db import Database, tx_cache
from models.prepared import Prepared


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


_TABLE = FsmRecord.__table__
_INSERT = Prepared(
    insert(_TABLE),  # type: ignore[arg-type]
    column_keys=("key", "state", "data", "updated_at"),
)
_UPDATE = Prepared(
    update(_TABLE)  # type: ignore[arg-type]
    .where(_TABLE.c.key == bindparam("key_"))
    .values(
        state=bindparam("state_", type_=_TABLE.c.state.type),
        data=bindparam("data_", type_=_TABLE.c.data.type),
        updated_at=bindparam("updated_at_", type_=_TABLE.c.updated_at.type),
    )
)


def _row(record: FsmRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "state": record.state,
        "data": record.data,
        "updated_at": record.updated_at,
    }


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

    async def _write(self, key: StorageKey, changes: dict[str, Any]) -> None:
        """Write the chat's state and/or data now, in the update's transaction.

        A statement of our own (models.prepared) rather than a change to the loaded record
        for the unit of work to flush at commit: that flush took ~0.4 ms of CPU per step of a
        conversation, measured in-process, several times the statement. The record read in
        this transaction is brought up to date as loaded, so reads see the new values and the
        unit of work has nothing left to write."""

        async def work(session: AsyncSession) -> None:
            record = await self._find(session, key)
            now = self._clock.now()
            if record is None and not any(changes.values()):
                return  # clearing a conversation there never was (/cancel at rest): no row
            if record is None:
                # Never added to the session: the row is inserted here, the object only
                # answers this transaction's reads.
                fresh = {"state": None, "data": {}, **changes}
                record = FsmRecord(key=record_key(key), updated_at=now, **fresh)
                await _INSERT.run(session, _row(record))
                self.remember(session, key, record)
                return
            for name, value in (*changes.items(), ("updated_at", now)):
                set_committed_value(record, name, value)
            await _UPDATE.run(session, {f"{k}_": v for k, v in _row(record).items()})

        await self._with_session(work)

    async def touched_at(self, key: StorageKey) -> datetime | None:
        """When the chat's conversation last changed; None if it never had one."""

        async def work(session: AsyncSession) -> datetime | None:
            record = await self._find(session, key)
            return as_utc(record.updated_at) if record else None

        return await self._with_session(work)  # type: ignore[no-any-return]

    async def touch(self, key: StorageKey) -> None:
        """Mark the chat's conversation as changed now, leaving its state and data as they are."""
        await self._write(key, {})

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, {"state": state.state if isinstance(state, State) else state})

    async def get_state(self, key: StorageKey) -> str | None:
        async def work(session: AsyncSession) -> str | None:
            record = await self._find(session, key)
            return record.state if record else None

        return await self._with_session(work)  # type: ignore[no-any-return]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # A deep copy, as aiogram's MemoryStorage: the caller may go on changing `data`.
        await self._write(key, {"data": copy.deepcopy(dict(data))})

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


class TimedRedisStorage(RedisStorage):
    """aiogram's Redis storage (several processes), which also keeps when each chat's
    conversation last moved, as the database storage does in its row: handlers/leaving.py
    ends a conversation left for `fsm.idle_minutes`. (Redis's own expiry would end its buttons
    too; the database storage keeps those working.)"""

    def __init__(self, redis: Redis, *, clock: Clock, **kwargs: Any) -> None:
        super().__init__(redis, **kwargs)
        self._clock = clock

    def _touched_key(self, key: StorageKey) -> str:
        return self.key_builder.build(key, "touched")  # type: ignore[arg-type]

    async def touch(self, key: StorageKey) -> None:
        await self.redis.set(self._touched_key(key), self._clock.now().isoformat())

    async def touched_at(self, key: StorageKey) -> datetime | None:
        value = await self.redis.get(self._touched_key(key))
        return datetime.fromisoformat(value.decode()) if value else None

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await super().set_state(key, state)
        if state is None:  # over: nothing left to time, and no key left behind per chat
            await self.redis.delete(self._touched_key(key))
        else:
            await self.touch(key)


@runtime_checkable
class Timed(Protocol):
    """A storage that knows when each conversation last moved (both of ours)."""

    async def touch(self, key: StorageKey) -> None: ...

    async def touched_at(self, key: StorageKey) -> datetime | None: ...


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
