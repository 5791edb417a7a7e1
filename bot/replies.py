"""How a handler answers: by writing a reply notice to the outbox in the update's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from models import OutboxKind
from services import outbox
from services.outbox import Recipient


class Replier:
    """Bound to one update's chat and session; `await reply("menu.main")` queues a message."""

    def __init__(self, session: AsyncSession, clock: Clock, recipient: Recipient) -> None:
        self._session = session
        self._clock = clock
        self.recipient = recipient

    def now(self) -> datetime:
        """The update's clock, as its messages are stamped (UTC)."""
        return self._clock.now()

    async def __call__(self, notice: str, /, **data: Any) -> None:
        await outbox.enqueue(
            self._session,
            to=self.recipient,
            notice=notice,
            data=data,
            now=self._clock.now(),
            kind=OutboxKind.reply,
        )

    async def edit(self, message_id: int, notice: str, /, **data: Any) -> None:
        """Replace a message the bot sent earlier in this chat (e.g. to drop its buttons)."""
        await outbox.enqueue(
            self._session,
            to=self.recipient,
            notice=notice,
            data=data,
            now=self._clock.now(),
            kind=OutboxKind.reply,
            op="edit",
            target_message_id=message_id,
        )

    async def tracked(
        self,
        notice: str,
        data: dict[str, Any],
        *,
        ref_key: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> None:
        """Queue a message remembered under `ref_key` (to edit later), maybe as a reply
        (in forum topic `thread_id`, when the message answered is in one)."""
        await outbox.enqueue(
            self._session,
            to=self.recipient,
            notice=notice,
            data=data,
            now=self._clock.now(),
            kind=OutboxKind.reply,
            ref_key=ref_key,
            target_message_id=reply_to,
            thread_id=thread_id,
        )

    async def edit_ref(self, ref_key: str, notice: str, data: dict[str, Any]) -> None:
        """Replace the message remembered under `ref_key` (sent earlier by `tracked`)."""
        await outbox.enqueue(
            self._session,
            to=self.recipient,
            notice=notice,
            data=data,
            now=self._clock.now(),
            kind=OutboxKind.reply,
            op="edit",
            target_ref=ref_key,
        )
