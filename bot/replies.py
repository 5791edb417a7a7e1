"""How a handler answers: by writing a reply notice to the outbox in the update's transaction."""

from __future__ import annotations

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
