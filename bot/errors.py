"""When a handler fails: log it (redacted), tell the person, and answer their button press."""

from __future__ import annotations

import logging

from aiogram.types import ErrorEvent

from bot.routing import Routes
from core.clock import Clock
from models import OutboxKind
from models.db import Database
from services import outbox
from services.outbox import Recipient

log = logging.getLogger(__name__)
router = Routes()


@router.errors()
async def on_error(event: ErrorEvent, db: Database, clock: Clock) -> bool:
    """The update's transaction was rolled back; apologise in a fresh one."""
    update = event.update
    log.error(
        "handler failed",
        exc_info=event.exception,
        extra={"fields": {"update_id": update.update_id, "type": update.event_type}},
    )
    chat = None
    if update.message is not None:
        chat = update.message.chat
    elif update.callback_query is not None and update.callback_query.message is not None:
        chat = update.callback_query.message.chat
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except Exception:  # already answered, or too old: nothing more to do
            log.debug("callback answer after error failed")
    if chat is not None and chat.type == "private":
        async with db.sessions() as session:
            await outbox.enqueue(
                session,
                to=Recipient(chat_id=str(chat.id)),
                notice="common.error",
                now=clock.now(),
                kind=OutboxKind.reply,
            )
            await session.commit()
    return True
