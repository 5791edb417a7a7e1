"""What a resident sees of announcements: the list /notices shows (newest first, without
expired or cancelled ones), one shown again, and their “Got it”."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Broadcast,
    BroadcastAck,
    BroadcastStatus,
    ChatIdentity,
    Community,
    OutboxMessage,
    OutboxStatus,
)
from services.broadcasts import content
from services.errors import NotAllowed


async def notice_for(
    session: AsyncSession, *, broadcast: Broadcast, identity: ChatIdentity
) -> dict[str, Any]:
    """A received announcement shown again: its content, without “Got it” once confirmed."""
    community = await session.get(Community, broadcast.community_id)
    assert community is not None
    data = content(broadcast, community)
    if data["ack"] and broadcast.id in await acknowledged_ids(
        session, identity=identity, broadcast_ids=[broadcast.id]
    ):
        data["ack"] = False
    return data


async def acknowledged_ids(
    session: AsyncSession, *, identity: ChatIdentity, broadcast_ids: list[int]
) -> set[int]:
    """Which of these announcements this person has confirmed with “Got it”."""
    if not broadcast_ids:
        return set()
    rows = await session.scalars(
        select(BroadcastAck.broadcast_id).where(
            BroadcastAck.identity_id == identity.id, BroadcastAck.broadcast_id.in_(broadcast_ids)
        )
    )
    return set(rows)


async def acknowledge(
    session: AsyncSession, *, broadcast_id: int, identity: ChatIdentity, now: datetime
) -> bool:
    """Record “Got it”. Only a recipient can acknowledge; True the first time."""
    was_sent = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == f"broadcast:{broadcast_id}:{identity.id}"
        )
    )
    if was_sent is None:
        raise NotAllowed("broadcast.not_a_recipient")
    already = await session.scalar(
        select(BroadcastAck.id).where(
            BroadcastAck.broadcast_id == broadcast_id, BroadcastAck.identity_id == identity.id
        )
    )
    if already is not None:
        return False
    session.add(BroadcastAck(broadcast_id=broadcast_id, identity_id=identity.id, at=now))
    await session.flush()
    return True


async def notices_for(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    now: datetime,
    page: int = 0,
    per_page: int = 5,
) -> tuple[list[Broadcast], int]:
    """Announcements this person received, newest first, without expired or cancelled ones."""
    query = (
        select(Broadcast)
        .join(OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id)
        .where(
            OutboxMessage.identity_id == identity.id,
            OutboxMessage.status.in_(
                [OutboxStatus.sent, OutboxStatus.pending, OutboxStatus.sending]
            ),
            Broadcast.status != BroadcastStatus.cancelled,
            (Broadcast.expires_at.is_(None)) | (Broadcast.expires_at > now),
            OutboxMessage.not_before <= now,
        )
    )
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(
        query.order_by(Broadcast.send_at.desc(), Broadcast.id.desc())
        .offset(page * per_page)
        .limit(per_page)
    )
    return list(rows), total
