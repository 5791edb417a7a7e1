"""An announcement's progress while it goes out: counts over its outbox rows, the progress
line in its author's chat (sent once, then edited in place), and the scheduler's job that
refreshes those lines and marks finished announcements sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Broadcast, BroadcastStatus, OutboxKind, OutboxMessage, OutboxStatus
from services import outbox
from services.outbox import Recipient


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    pending: int = 0
    cancelled: int = 0

    @property
    def done(self) -> bool:
        return self.pending == 0

    def as_dict(self) -> dict[str, int]:
        return {
            k: getattr(self, k)
            for k in ("total", "sent", "blocked", "failed", "pending", "cancelled")
        }


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    counts = dict(
        (
            await session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.broadcast_id == broadcast_id)
                .group_by(OutboxMessage.status)
            )
        ).all()
    )
    result = Progress(
        sent=counts.get(OutboxStatus.sent, 0),
        blocked=counts.get(OutboxStatus.blocked, 0),
        failed=counts.get(OutboxStatus.dead, 0),
        pending=counts.get(OutboxStatus.pending, 0) + counts.get(OutboxStatus.sending, 0),
        cancelled=counts.get(OutboxStatus.cancelled, 0),
    )
    result.total = result.sent + result.blocked + result.failed + result.pending + result.cancelled
    return result


async def show_progress(
    session: AsyncSession,
    broadcast: Broadcast,
    current: Progress,
    *,
    now: datetime,
    first: bool = False,
) -> None:
    """Send (first) or update in place the progress line in the creator's chat."""
    if broadcast.creator_chat_id is None or current.as_dict() == broadcast.last_progress:
        return
    if not first and broadcast.released_at is None:  # never released: no progress line yet
        return
    broadcast.last_progress = current.as_dict()
    data = {
        **current.as_dict(),
        "broadcast_id": broadcast.id,
        "title": _title(broadcast),
        "status": broadcast.status.value,
        "ack": broadcast.ack_required,
    }
    key = f"broadcast:{broadcast.id}:progress"
    # The first line is a new message; later ones edit it in place.
    where: dict[str, Any] = (
        {"ref_key": key, "dedupe_key": key} if first else {"op": "edit", "target_ref": key}
    )
    await outbox.enqueue(
        session,
        to=Recipient(chat_id=broadcast.creator_chat_id),
        notice="broadcast.progress",
        now=now,
        kind=OutboxKind.alert,
        data=data,
        **where,
    )


def _title(broadcast: Broadcast) -> str:
    return broadcast.title or (broadcast.template or "")


async def refresh_progress(session: AsyncSession, *, now: datetime) -> int:
    """The scheduler's job: update progress messages; mark finished broadcasts sent."""
    sending = list(
        await session.scalars(select(Broadcast).where(Broadcast.status == BroadcastStatus.sending))
    )
    for broadcast in sending:
        current = await progress(session, broadcast.id)
        if current.done:
            broadcast.status, broadcast.finished_at = BroadcastStatus.sent, now
        await show_progress(session, broadcast, current, now=now)
    return len(sending)
