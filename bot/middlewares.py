"""Update middlewares: one transaction per update, dedupe, who is writing, language, flood limit.

Order (outer, on every update), after aiogram's own error and user-context middlewares (its
FSM middleware is replaced by the two FSM ones here, around the transaction):
  FsmLockMiddleware   – the chat's FSM context, and its event-isolation lock, held until the
                        update's transaction has ended (so the next update of the chat reads
                        what this one committed)
  DatabaseMiddleware  – session + transaction; records update_id so a redelivery runs once
  PersonMiddleware    – the sender's identity, household memberships, staff record, language,
                        and the chat's conversation state (`raw_state`, for aiogram's state
                        filters): one statement on every update
  FloodMiddleware     – drops a person's updates beyond the per-minute limit
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import current_session
from bot.fsm import DatabaseStorage, record_key
from bot.i18n import Catalogue, resolve_locale
from bot.replies import Replier
from core.clock import Clock
from models import FsmRecord, ProcessedUpdate
from models.db import Database
from models.prepared import Entities, Prepared
from services import identities
from services.outbox import Recipient

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class FsmLockMiddleware(BaseMiddleware):
    """aiogram's FSM context for the update, under the chat's event-isolation lock.

    aiogram's own FSMContextMiddleware takes the lock inside our transaction and releases it
    before the commit; taken outside, the next update of the same chat starts its transaction
    (and reads the state) only after this one's has ended. The state itself is read later,
    inside the transaction (PersonMiddleware).
    """

    def __init__(self, fsm: FSMContextMiddleware) -> None:
        self._fsm = fsm

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = self._fsm.resolve_event_context(data["bot"], data)
        data["fsm_storage"] = self._fsm.storage
        if context is None:
            return await handler(event, data)
        async with self._fsm.events_isolation.lock(key=context.key):
            data["state"] = context
            return await handler(event, data)


_PROCESSED = Prepared(
    insert(ProcessedUpdate.__table__),  # type: ignore[arg-type]
    column_keys=("bot_id", "update_id", "at"),
)


class DatabaseMiddleware(BaseMiddleware):
    """Open the update's session; skip an update_id already handled; commit on success."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        row = {"bot_id": data["bot"].id, "update_id": event.update_id, "at": self._clock.now()}
        session = self._db.sessions()
        token = current_session.set(session)
        try:
            if not await _record_update(session, row):
                return None
            data["session"] = session
            result = await handler(event, data)
            # Not closed after the commit: the commit gave the connection back, and nothing
            # else needs releasing. (A close costs another trip into SQLAlchemy's greenlet and,
            # through `async with`, a task of its own: on every update.)
            await session.commit()
            return result
        except BaseException:
            # Rolls back whatever is open and gives the connection back, even when cancelled.
            await asyncio.shield(session.close())
            raise
        finally:
            current_session.reset(token)


async def _record_update(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Record the update as processed: the first write of its transaction. False for one
    already processed: a duplicate waits here for the first to commit (unique key), then
    finds it and stops. Rolled back with a failed handler, so a redelivery of an update that
    crashed is tried again. (A plain INSERT: the row is never read back, so the unit of work
    has nothing to track.)"""
    for attempt in (1, 2):
        try:
            await _PROCESSED.run(session, row)
            return True
        except IntegrityError:
            await session.rollback()
            log.info("duplicate update skipped", extra={"fields": {"update_id": row["update_id"]}})
            return False
        except DBAPIError as error:
            # A pooled connection the server had closed (models/db.py pings only those idle a
            # while). Nothing has happened yet: run again on a new connection, SQLAlchemy
            # having dropped the dead ones.
            if attempt == 2 or not error.connection_invalidated:
                raise
            await session.rollback()
            log.warning("database connection lost; the update runs on a new one")
    raise AssertionError("unreachable")


# The sender (as services.identities.PERSON) and the chat's FSM record in the same statement
# (an outer join on its key: one row or none).
_PERSON_AND_STATE = Entities(
    Prepared(
        identities.person_query()
        .add_columns(FsmRecord)
        .outerjoin(FsmRecord, FsmRecord.key == bindparam("fsm_key"))
    ),
    (*identities.PERSON_ENTITIES, FsmRecord),
)


class PersonMiddleware(BaseMiddleware):
    """Load the sender (identity, households, staff role), their language and the chat's state."""

    def __init__(
        self,
        catalogue: Catalogue,
        clock: Clock,
        default_locale: str,
        storage: object | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._clock = clock
        self._default = default_locale
        # The conversation state is read with the person when it is kept in this database.
        self._fsm = storage if isinstance(storage, DatabaseStorage) else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        session = data["session"]
        context: FSMContext | None = data.get("state")
        if user is None or user.is_bot:
            if context is not None:
                data["raw_state"] = await context.get_state()
            return await handler(event, data)
        external_id = str(user.id)
        if context is None or self._fsm is None:
            rows = await identities.PERSON.run(
                session, {"channel": "telegram", "external_id": external_id}
            )
        else:
            rows = await _PERSON_AND_STATE.run(
                session,
                {
                    "channel": "telegram",
                    "external_id": external_id,
                    "fsm_key": record_key(context.key),
                },
            )
            if rows:  # no row at all (a first contact): the state is read on its own
                DatabaseStorage.remember(session, context.key, rows[0][identities.PERSON_COLUMNS])
        person = await identities.person_or_new(
            session,
            identities.person_from_rows(rows),
            channel="telegram",
            external_id=external_id,
            now=self._clock.now(),
            display_name=user.full_name,
            platform_language=user.language_code,
        )
        if context is not None:  # for aiogram's state filters; read above when kept here
            data["raw_state"] = await context.get_state()
        identity = person.identity
        locale = resolve_locale(identity.language, identity.platform_language, self._default)
        data["person"] = person
        data["locale"] = locale
        data["_"] = self._catalogue.get(locale)
        chat_id = str(chat.id) if chat is not None else str(user.id)
        is_private = chat is None or chat.type == "private"
        data["reply"] = Replier(
            session,
            self._clock,
            Recipient(chat_id=chat_id, identity_id=identity.id if is_private else None),
        )
        return await handler(event, data)


class FloodMiddleware(BaseMiddleware):
    """A per-person sliding window; beyond it updates are dropped, with one warning per window."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self._limit = per_minute
        self._window = window
        self._seen: defaultdict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        stamps = self._seen[user.id]
        while stamps and now - stamps[0] > self._window:
            stamps.popleft()
        if len(stamps) >= self._limit:
            if now - self._warned.get(user.id, -self._window) > self._window and "reply" in data:
                self._warned[user.id] = now
                await data["reply"]("common.too_fast")
            if isinstance(event, Update) and event.callback_query is not None:
                await event.callback_query.answer()  # every press is answered, even dropped ones
            log.warning("flood limit", extra={"fields": {"user": user.id}})
            return None
        stamps.append(now)
        if len(self._seen) > 10_000:  # forget quiet people so memory stays bounded
            for key in [k for k, v in self._seen.items() if not v or now - v[-1] > self._window]:
                del self._seen[key]
        return await handler(event, data)
