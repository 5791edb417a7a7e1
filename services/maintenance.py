"""Housekeeping: forget what is only needed for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from models import CodeAttempt, MessageRef, OutboxMessage, OutboxStatus, ProcessedUpdate

UPDATE_MEMORY = timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours
ATTEMPT_MEMORY = timedelta(days=30)
SENT_MEMORY = timedelta(days=90)
# Messages remembered only so that a Telegram reply to them finds their ticket: what the
# office told a resident, and a resident's words passed on to staff (one per message, unlike
# an alert, which is edited for as long as its ticket lives). A reply to one older than this
# is read afresh, as any typed words.
REPLIED_MEMORY = timedelta(days=90)
REPLY_ONLY_KEYS = ("ticket:%:told:%", "ticket:%:said:%")


async def prune(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Delete old dedupe ids, code attempts, long-sent outbox rows and the old messages kept
    only for replies; return counts."""
    results = {
        "processed_updates": await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.at < now - UPDATE_MEMORY)
        ),
        "code_attempts": await session.execute(
            delete(CodeAttempt).where(CodeAttempt.at < now - ATTEMPT_MEMORY)
        ),
        "outbox_sent": await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.sent,
                OutboxMessage.sent_at < now - SENT_MEMORY,
            )
        ),
        "reply_refs": await session.execute(
            delete(MessageRef).where(
                or_(*(MessageRef.key.like(pattern) for pattern in REPLY_ONLY_KEYS)),
                MessageRef.updated_at < now - REPLIED_MEMORY,
            )
        ),
    }
    return {name: result.rowcount for name, result in results.items()}  # type: ignore[attr-defined]
