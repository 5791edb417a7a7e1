"""A sender claims at most a batch of outbox rows, and never rows another sender holds
(services/outbox.claim): the batch is the most a crash can send twice, and on PostgreSQL
several processes share the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from models import OutboxMessage, OutboxStatus
from models.db import Database
from services import outbox
from services.outbox import Recipient

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
ROWS = 300
BATCH = 50


async def _queue(db: Database) -> None:
    async with db.sessions() as session:
        for n in range(ROWS):
            await outbox.enqueue(
                session, to=Recipient(chat_id=str(800_000 + n)), notice="help", now=NOW
            )
        await session.commit()


async def _count(db: Database, status: OutboxStatus) -> int:
    async with db.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
        )
        return int(found or 0)


async def test_a_claim_takes_one_batch_while_another_sender_holds_one(db: Database) -> None:
    await _queue(db)
    first = db.sessions()
    try:
        held, _ = await outbox.claim(first, now=NOW, worker="first", limit=BATCH)
        assert len(held) == BATCH
        if db.is_sqlite:  # one writer at a time there: the first commits before the second
            await first.commit()
        async with db.sessions() as second:
            taken, _ = await outbox.claim(second, now=NOW, worker="second", limit=BATCH)
            await second.commit()
        await first.commit()
    finally:
        await first.close()
    assert len(taken) == BATCH  # not every row it could see and lock
    assert not {r.id for r in held} & {r.id for r in taken}
    assert await _count(db, OutboxStatus.sending) == 2 * BATCH
    assert await _count(db, OutboxStatus.pending) == ROWS - 2 * BATCH
