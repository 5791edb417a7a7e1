"""Update middlewares: one transaction per update, dedupe, who is writing, language, flood limit.

Order (outer, on every update), after aiogram's own error, user-context and FSM middlewares:
  DatabaseMiddleware  – session + transaction; records update_id so a redelivery runs once
  PersonMiddleware    – the sender's identity, household memberships, staff record, language
  FloodMiddleware     – drops a person's updates beyond the per-minute limit
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.exc import IntegrityError

from bot.context import current_session
from bot.i18n import Catalogue, resolve_locale
from bot.replies import Replier
from core.clock import Clock
from models import ProcessedUpdate
from models.db import Database
from services import identities
from services.outbox import Recipient

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseMiddleware(BaseMiddleware):
    """Open the update's session; skip an update_id already handled; commit on success."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot_id = data["bot"].id
        async with self._db.sessions() as session:
            # The first write of the transaction: a duplicate waits here for the first to
            # commit (unique key), then finds it and stops. Rolled back with a failed handler,
            # so a redelivery of an update that crashed is tried again.
            session.add(
                ProcessedUpdate(bot_id=bot_id, update_id=event.update_id, at=self._clock.now())
            )
            try:
                await session.flush()
            except IntegrityError:
                await session.rollback()
                log.info(
                    "duplicate update skipped", extra={"fields": {"update_id": event.update_id}}
                )
                return None
            token = current_session.set(session)
            try:
                data["session"] = session
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                current_session.reset(token)


class PersonMiddleware(BaseMiddleware):
    """Load the sender (identity, households, staff role) and their language."""

    def __init__(self, catalogue: Catalogue, clock: Clock, default_locale: str) -> None:
        self._catalogue = catalogue
        self._clock = clock
        self._default = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        session = data["session"]
        if user is None or user.is_bot:
            return await handler(event, data)
        identity = await identities.touch(
            session,
            external_id=str(user.id),
            display_name=user.full_name,
            platform_language=user.language_code,
            now=self._clock.now(),
        )
        person = await identities.load_person(session, identity)
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
