"""What happened to each row of a sent batch, and how it is written back to the outbox.

The sender (bot/delivery.py) collects one `Outcome` per claimed row while it sends, then
writes them all in one transaction: the one that claims its next batch, or one of its own.
Each kind of outcome is one executemany UPDATE (services/outbox.py), whatever the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxStatus
from services import identities, outbox
from services import staff as staff_service
from services.outbox import Claimed


@dataclass(slots=True)
class Outcome:
    """What happened to one row; applied to the database after the batch."""

    row_id: int
    status: OutboxStatus
    error: str | None = None
    message_id: int | None = None
    not_before: datetime | None = None
    count_attempt: bool = True
    block_identity: int | None = None
    migrate_to: str | None = None
    at: datetime | None = None  # when Telegram accepted it (recording may come a batch later)


def wants_wake(outcomes: list[Outcome]) -> bool:
    """A group migrated: its rows are due again at once, under the new chat id."""
    return any(o.status == OutboxStatus.pending and o.migrate_to for o in outcomes)


async def write(
    session: AsyncSession, outcomes: list[Outcome], rows: dict[int, Claimed], now: datetime
) -> None:
    """Every outcome of a batch, in the caller's transaction."""
    sent: list[tuple[int, int | None, datetime]] = []
    retries: list[tuple[int, str, datetime, bool]] = []
    final: list[tuple[int, OutboxStatus, str]] = []
    for o in outcomes:
        if o.status == OutboxStatus.sent:
            sent.append((o.row_id, o.message_id, o.at or now))
        elif o.status == OutboxStatus.pending:
            if o.migrate_to:  # before the retry: it moves the row (and its chat's) to the new id
                await _migrate(session, rows[o.row_id], o.migrate_to)
            retries.append((o.row_id, o.error or "", o.not_before or now, o.count_attempt))
        else:
            final.append((o.row_id, o.status, o.error or ""))
    await outbox.mark_sent(session, sent)
    await outbox.mark_retry(session, retries)
    await outbox.mark_final(session, final)
    for o in outcomes:
        if o.status == OutboxStatus.sent:
            row = rows[o.row_id]
            if row.ref_key and o.message_id is not None:
                await outbox.remember_message(
                    session,
                    key=row.ref_key,
                    channel=row.channel,
                    chat_id=row.chat_id,
                    message_id=o.message_id,
                    now=now,
                )
        elif o.block_identity:  # 403: the person blocked the bot
            await identities.mark_blocked(session, identity_id=o.block_identity, now=now)


async def _migrate(session: AsyncSession, row: Claimed, new_chat_id: str) -> None:
    """Telegram says the group is now a supergroup with another id: follow it."""
    await staff_service.migrate_group(
        session, channel=row.channel, old_chat_id=row.chat_id, new_chat_id=new_chat_id
    )
    await outbox.retarget_chat(
        session, channel=row.channel, old_chat_id=row.chat_id, new_chat_id=new_chat_id
    )
