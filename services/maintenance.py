"""Housekeeping: forget what is only needed for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models import CodeAttempt, OutboxMessage, OutboxStatus, ProcessedUpdate

UPDATE_MEMORY = timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours
ATTEMPT_MEMORY = timedelta(days=30)
SENT_MEMORY = timedelta(days=90)


async def prune(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Delete old dedupe ids, code attempts and long-sent outbox rows; return counts."""
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
    }
    return {name: result.rowcount for name, result in results.items()}  # type: ignore[attr-defined]
