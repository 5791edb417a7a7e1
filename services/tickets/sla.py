"""Service levels: escalate tickets nobody accepted in time, summarise the overdue each
morning, and close done tickets nobody rated. Each run is idempotent: escalation is
recorded on the ticket, the summary and closing are keyed by day and ticket."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import TicketSettings
from models import (
    OPEN_STATUSES,
    Community,
    OutboxKind,
    StaffGroup,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from services import outbox
from services.outbox import Recipient
from services.tickets import notify
from services.tickets.queries import overdue


async def _manager_groups(session: AsyncSession, community_id: int) -> list[StaffGroup]:
    groups = await session.scalars(
        select(StaffGroup).where(StaffGroup.active.is_(True), StaffGroup.purpose == "managers")
    )
    chosen = [g for g in groups if g.community_id in (None, community_id)]
    if chosen:
        return chosen
    # No managers' group yet: the dispatcher group still hears of it.
    groups = await session.scalars(
        select(StaffGroup).where(StaffGroup.active.is_(True), StaffGroup.purpose == "dispatch")
    )
    return [g for g in groups if g.community_id in (None, community_id)]


async def escalate(session: AsyncSession, *, now: datetime) -> int:
    """Tickets past their accept-by time, not yet escalated: tell the managers, once."""
    due = list(
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_([TicketStatus.new, TicketStatus.reopened]),
                Ticket.accept_by < now,
                Ticket.escalated_at.is_(None),
            )
            .order_by(Ticket.accept_by)
            .limit(500)
        )
    )
    for ticket in due:
        ticket.escalated_at = now
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                action="escalate",
                from_status=ticket.status.value,
                to_status=ticket.status.value,
                actor_kind="system",
                internal=True,
                details={},
            )
        )
        data = await notify.alert_data(session, ticket, now=now)
        minutes = int((now - ticket.created_at).total_seconds() // 60)
        for group in await _manager_groups(session, ticket.community_id):
            await outbox.enqueue(
                session,
                to=Recipient(chat_id=group.chat_id, channel=group.channel),
                notice="ticket.escalated",
                now=now,
                kind=OutboxKind.alert,
                data={**data, "waiting_minutes": minutes},
                dedupe_key=f"ticket:{ticket.id}:escalated:{ticket.reopen_count}:{group.id}",
            )
    return len(due)


async def daily_summary(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> int:
    """The morning list of overdue open tickets per estate, once per local day."""
    day = now.astimezone(zone).date().isoformat()
    sent = 0
    for community in await session.scalars(select(Community)):
        tickets = list(
            await session.scalars(
                select(Ticket)
                .where(Ticket.community_id == community.id, Ticket.status.in_(OPEN_STATUSES))
                .order_by(Ticket.created_at)
                .limit(2000)
            )
        )
        late = [t for t in tickets if overdue(t, now)]
        if not late:
            continue
        items = [
            {
                "number": t.number,
                "status": t.status.value,
                "category": t.category,
                "kind": t.kind.value,
                "urgency": t.urgency.value,
                "hours": int((now - t.created_at).total_seconds() // 3600),
            }
            for t in late[:40]
        ]
        for group in await _manager_groups(session, community.id):
            await outbox.enqueue(
                session,
                to=Recipient(chat_id=group.chat_id, channel=group.channel),
                notice="ticket.overdue_summary",
                now=now,
                kind=OutboxKind.alert,
                data={"community": community.name, "count": len(late), "items": items, "day": day},
                dedupe_key=f"tickets:overdue:{community.id}:{day}:{group.id}",
            )
            sent += 1
    return sent


async def autoclose(session: AsyncSession, *, now: datetime, settings: TicketSettings) -> int:
    """Done tickets nobody rated within `autoclose_days` close, and the resident is told."""
    due = list(
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.done,
                Ticket.done_at < now - timedelta(days=settings.autoclose_days),
            )
            .limit(1000)
        )
    )
    for ticket in due:
        ticket.status, ticket.closed_at, ticket.updated_at = TicketStatus.closed, now, now
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                action="close",
                from_status="done",
                to_status="closed",
                actor_kind="system",
                details={},
            )
        )
        await notify.tell_resident(session, ticket, "ticket.autoclosed", now=now)
        await notify.alert_groups(session, ticket, now=now, first=False)
    return len(due)
