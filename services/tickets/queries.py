"""Reading tickets: a household's list, one ticket's history, a staff member's queue.

Both lists are keyset-paged on indexed columns, so they stay fast with millions of tickets
(see bench/tickets/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    CLOSED_TO_MESSAGES,
    OPEN_STATUSES,
    MessageRef,
    Staff,
    StaffRole,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketMedia,
    TicketStatus,
)
from models.prepared import Prepared
from services import audit
from services.errors import NotAllowed
from services.identities import Person
from services.permissions import in_scope
from services.tickets.lifecycle import load


async def for_household(
    session: AsyncSession, *, household_id: int, limit: int = 10, before_id: int | None = None
) -> list[Ticket]:
    """The household's tickets, newest first (keyset page before `before_id`)."""
    query = select(Ticket).where(Ticket.household_id == household_id)
    if before_id is not None:
        query = query.where(Ticket.id < before_id)
    return list(await session.scalars(query.order_by(Ticket.id.desc()).limit(limit)))


class OpenTicket(NamedTuple):
    id: int
    number: str
    kind: TicketKind
    category: str
    status: TicketStatus


OPEN_SHOWN = 3  # a home rarely has more open at once; the newest are the ones meant

# Asked of every problem a resident types (is it one the home reported already?): prepared,
# as SQLAlchemy's own execution path costs several times the query (models/prepared.py).
_OPEN_FOR_MESSAGES = Prepared(
    select(Ticket.id, Ticket.number, Ticket.kind, Ticket.category, Ticket.status)
    .where(
        Ticket.household_id == bindparam("household_id"),
        text(
            "tickets.status NOT IN (" + ", ".join(f"'{s.value}'" for s in CLOSED_TO_MESSAGES) + ")"
        ),
    )
    .order_by(Ticket.id.desc())
    .limit(OPEN_SHOWN)
)


async def open_for_household(session: AsyncSession, *, household_id: int) -> list[OpenTicket]:
    """The household's newest tickets that still take messages (everything but closed,
    cancelled or rejected: a finished one awaiting its stars too), newest first."""
    rows = await _OPEN_FOR_MESSAGES.run(session, {"household_id": household_id})
    return [OpenTicket(*row) for row in rows]


@dataclass
class TicketPage:
    ticket: Ticket
    events: list[TicketEvent]
    media: list[TicketMedia]


async def history(
    session: AsyncSession, *, ticket_id: int, person: Person, now: datetime
) -> TicketPage:
    """One ticket with its public history, for a member of its household or staff in scope.
    A refused look is audited (someone forging a button for another home's ticket)."""
    ticket = await load(session, ticket_id)
    member = any(r.household_id == ticket.household_id for r in person.residencies)
    staff_ok = person.staff is not None and in_scope(
        person.staff, community_id=ticket.community_id, building_id=ticket.building_id
    )
    if not (member or staff_ok):
        audit.record(
            session,
            now=now,
            action="ticket.view",
            actor_kind="staff" if person.staff is not None else "resident",
            actor_id=person.identity.id,
            subject_type="ticket",
            subject_id=ticket.id,
            outcome="refused",
        )
        raise NotAllowed("ticket.not_allowed")
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    if not staff_ok:
        query = query.where(TicketEvent.internal.is_(False))
    events = list(await session.scalars(query.order_by(TicketEvent.id)))
    media = list(
        await session.scalars(
            select(TicketMedia).where(TicketMedia.ticket_id == ticket.id).order_by(TicketMedia.id)
        )
    )
    return TicketPage(ticket=ticket, events=events, media=media)


def queue_query(staff: Staff) -> Select[Ticket]:
    """Open tickets in the staff member's scope, oldest first; technicians see theirs and the unassigned."""
    # The statuses go into the SQL as literals: asyncpg prepares statements, and only a plan
    # for the literal list can use the partial indexes over open tickets.
    open_statuses: Any = bindparam(
        "open_statuses", [s.value for s in OPEN_STATUSES], expanding=True, literal_execute=True
    )
    query = select(Ticket).where(Ticket.status.in_(open_statuses))
    if staff.community_id is not None and staff.role != StaffRole.admin:
        query = query.where(Ticket.community_id == staff.community_id)
    if staff.building_ids and staff.role != StaffRole.admin:
        query = query.where(Ticket.building_id.in_(staff.building_ids))
    if staff.role == StaffRole.technician:
        query = query.where((Ticket.assignee_id == staff.id) | Ticket.assignee_id.is_(None)).where(
            Ticket.kind == TicketKind.repair
        )
    return query


async def queue(
    session: AsyncSession,
    *,
    staff: Staff,
    limit: int = 10,
    after: tuple[datetime, int] | None = None,
) -> list[Ticket]:
    """A page of the queue; `after` is the (created_at, id) of the last ticket shown."""
    query = queue_query(staff)
    if after is not None:
        created_at, ticket_id = after
        # A row comparison, which PostgreSQL turns into an index condition.
        query = query.where(
            tuple_(Ticket.created_at, Ticket.id)
            > tuple_(
                literal(created_at, Ticket.created_at.type), literal(ticket_id, Ticket.id.type)
            )
        )
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(limit)))


def overdue(ticket: Ticket, now: datetime) -> bool:
    """Not accepted by its accept-by time, or not finished by its finish-by time."""
    if ticket.accepted_at is None and ticket.accept_by is not None and ticket.accept_by < now:
        return True
    return ticket.done_at is None and ticket.finish_by is not None and ticket.finish_by < now


async def staff_in_scope(
    session: AsyncSession, *, ticket: Ticket, roles: tuple[StaffRole, ...]
) -> list[Staff]:
    """Who could be assigned: active staff of these roles whose scope covers the ticket."""
    rows = await session.scalars(
        select(Staff).where(Staff.active.is_(True), Staff.role.in_(roles)).order_by(Staff.name)
    )
    return [
        s
        for s in rows
        if in_scope(s, community_id=ticket.community_id, building_id=ticket.building_id)
    ]


async def ticket_for_alert(
    session: AsyncSession, chat_id: str | int, message_id: int, *, channel: str = "telegram"
) -> int | None:
    """The ticket a chat message belongs to: its staff alert, or a notice posted under it.

    Reads the message references the sender keeps (`ticket:<id>:alert:<group>`, and the
    other `ticket:<id>:…` keys), so a staff reply to an alert finds its ticket.
    """
    found = await _ticket_ref(session, chat_id, message_id, channel)
    return found[0] if found else None


# Keys of messages in a resident's own chat; every other ticket message is a staff one.
_RESIDENT_SIDE = frozenset({"told", "rating-invitation"})


async def replied_ticket(
    session: AsyncSession, chat_id: str | int, message_id: int, *, channel: str = "telegram"
) -> tuple[int, bool] | None:
    """The ticket a private-chat message belongs to, and whether it was sent to staff (True:
    the assignee's card, a resident's words passed on) or to the resident (False: staff's
    words, the rating's thanks): in that capacity a reply to it is written."""
    found = await _ticket_ref(session, chat_id, message_id, channel)
    return None if found is None else (found[0], found[1] not in _RESIDENT_SIDE)


async def _ticket_ref(
    session: AsyncSession, chat_id: str | int, message_id: int, channel: str
) -> tuple[int, str] | None:
    """(ticket id, what the message was: "alert", "told", …) from its `ticket:<id>:…` key."""
    key = await session.scalar(
        select(MessageRef.key)
        .where(
            MessageRef.channel == channel,
            MessageRef.chat_id == str(chat_id),
            MessageRef.message_id == message_id,
            MessageRef.key.like("ticket:%"),
        )
        .limit(1)
    )
    parts = (key or "").split(":")
    if len(parts) < 3 or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


async def staff_names(session: AsyncSession, staff_ids: set[int]) -> dict[int, str]:
    """Names of staff members by id (for showing who did what in a ticket's history)."""
    if not staff_ids:
        return {}
    rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))
    return {staff_id: name for staff_id, name in rows}
