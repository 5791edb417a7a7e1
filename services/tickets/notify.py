"""What a ticket's people are told, as outbox notices: the resident, staff groups, the assignee.

A group's alert is one message per group, edited in place as the ticket moves (message ref
`ticket:<id>:alert:<group>`); an anonymous complaint's alert never carries the resident's
name, unit or room. In a forum group the ticket gets a topic of its own (services/tickets/
topics.py): the alert, its photos and the resident's follow-ups go inside it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Building,
    ChatIdentity,
    Household,
    OutboxKind,
    Resident,
    ResidentRole,
    Staff,
    StaffGroup,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketMedia,
    Urgency,
)
from services import matcher, outbox
from services.outbox import Recipient
from services.tickets import rules, topics
from services.tickets.machine import staff_actions

GROUP_PURPOSES = {
    TicketKind.repair: ("dispatch", "repairs"),
    TicketKind.complaint: ("dispatch", "complaints"),
}


async def groups_for(session: AsyncSession, ticket: Ticket) -> list[StaffGroup]:
    """Staff groups whose purpose, estate, buildings and categories cover this ticket."""
    rows = await session.scalars(
        select(StaffGroup).where(
            StaffGroup.active.is_(True), StaffGroup.purpose.in_(GROUP_PURPOSES[ticket.kind])
        )
    )
    return [
        g
        for g in rows
        if g.community_id in (None, ticket.community_id)
        and (not g.building_ids or ticket.building_id in g.building_ids)
        and (not g.categories or ticket.category in g.categories)
    ]


def _phone_of(resident: Resident | None, household: Household | None) -> str | None:
    """Where staff can call the reporter back: the number they shared, else the roster's
    owner phone when the reporter is that owner (never someone else's number)."""
    if resident is None:
        return None
    if resident.phone:
        return resident.phone
    if resident.role == ResidentRole.owner and household is not None:
        return household.owner_phone
    return None


async def alert_data(session: AsyncSession, ticket: Ticket, *, now: datetime) -> dict[str, Any]:
    """Everything a staff alert shows; the reporter stays hidden on anonymous complaints."""
    # Explicit gets, not relationship attributes: this runs for tickets loaded many ways.
    household = await session.get(Household, ticket.household_id) if ticket.household_id else None
    building = await session.get(Building, ticket.building_id) if ticket.building_id else None
    reporter = phone = None
    if not ticket.anonymous and ticket.reporter_id is not None:
        resident = await session.scalar(
            select(Resident).where(
                Resident.identity_id == ticket.reporter_id,
                Resident.household_id == ticket.household_id,
            )
        )
        identity = await session.get(ChatIdentity, ticket.reporter_id)
        reporter = (resident.name if resident else None) or (
            identity.display_name if identity else None
        )
        phone = _phone_of(resident, household)
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    last = await session.scalar(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.internal.is_(False))
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    last_actor = None
    if last is not None and last.actor_staff_id is not None:
        actor = await session.get(Staff, last.actor_staff_id)
        last_actor = actor.name if actor else None
    # The resident's photos and the work's, counted apart: "2 photos" on a finished job
    # must not read as two of the problem.
    photos = dict(
        (
            await session.execute(
                select(TicketMedia.by, func.count())
                .where(TicketMedia.ticket_id == ticket.id, TicketMedia.kind == "photo")
                .group_by(TicketMedia.by)
            )
        ).all()
    )
    duplicate = await session.get(Ticket, ticket.duplicate_of) if ticket.duplicate_of else None
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "kind": ticket.kind.value,
        "category": ticket.category,
        "status": ticket.status.value,
        "urgency": ticket.urgency.value,
        "anonymous": ticket.anonymous,
        "building": building.name if building else "",
        "unit": "" if ticket.anonymous or household is None else household.unit,
        "room": "" if ticket.anonymous or household is None else household.room,
        "reporter": reporter or "",
        "phone": phone or "",  # E.164; staff views show it (masked in groups)
        "location": ticket.location,
        "place": ticket.place or "",
        "description": ticket.description,
        # No visit time for a public place (nobody need be in); "any" for a home without one.
        "visit_window": rules.visit_shown(
            ticket.kind, ticket.location, ticket.urgency, ticket.visit_window
        ),
        "photos": int(photos.get("resident", 0)),
        "work_photos": int(photos.get("staff", 0)),
        "assignee": assignee.name if assignee else "",
        "last_action": last.action if last else "",
        "last_actor": last_actor or "",
        "reason": ticket.reject_reason or "",
        "work_note": ticket.work_note or "",
        "rating": ticket.rating,
        "duplicate_of": duplicate.number if duplicate else "",
        "overdue": bool(
            ticket.accept_by
            and ticket.accepted_at is None
            and ticket.accept_by < now
            and ticket.status.value in ("new", "reopened")
        ),
        "actions": [a.value for a in staff_actions(ticket.status)],
        "created_at": ticket.created_at.isoformat(),
    }


async def alert_groups(
    session: AsyncSession, ticket: Ticket, *, now: datetime, first: bool
) -> None:
    """Post (first) or update in place the ticket's alert in every matching staff group."""
    data = await alert_data(session, ticket, now=now)
    photo_ids = list(
        await session.scalars(
            select(TicketMedia.file_id)
            .where(
                TicketMedia.ticket_id == ticket.id,
                TicketMedia.kind == "photo",
                TicketMedia.by == "resident",
            )
            .order_by(TicketMedia.id)
        )
    )
    for group in await groups_for(session, ticket):
        to = Recipient(chat_id=group.chat_id, channel=group.channel)
        key = f"ticket:{ticket.id}:alert:{group.id}"
        if first:
            # In a forum, everything about the ticket goes into its own topic.
            thread = (
                await topics.open_topic(session, ticket, group, now=now)
                if group.is_forum
                else None
            )
            if photo_ids:
                await outbox.enqueue(
                    session,
                    to=to,
                    notice="ticket.photos",
                    now=now,
                    kind=OutboxKind.alert,
                    data={"number": ticket.number, "photos": photo_ids[:10]},
                    thread_ref=thread,
                )
            await outbox.enqueue(
                session,
                to=to,
                notice="ticket.alert",
                now=now,
                kind=OutboxKind.alert,
                data=data,
                ref_key=key,
                thread_ref=thread,
            )
        else:
            await outbox.enqueue(
                session,
                to=to,
                notice="ticket.alert",
                now=now,
                kind=OutboxKind.alert,
                data=data,
                op="edit",
                target_ref=key,
            )
    if not first:
        await topics.follow(session, ticket, now=now)


def told_key(ticket_id: int) -> str:
    """A staff message in the resident's chat, remembered so that their reply to it (a
    Telegram reply) is found to be about the ticket (queries.replied_ticket)."""
    return f"ticket:{ticket_id}:told:{secrets.token_hex(6)}"


def rating_invitation(ticket_id: int) -> str:
    """The key of the message that thanked for the stars and invited a few words: edited
    once the words come, so its Skip button goes."""
    return f"ticket:{ticket_id}:rating-invitation"


async def tell_resident(
    session: AsyncSession,
    ticket: Ticket,
    notice: str,
    *,
    now: datetime,
    ref_key: str | None = None,
    **extra: Any,
) -> None:
    """A notice to the person who filed the ticket (in their language, at send time),
    remembered under `ref_key`, by default a `told_key`: whatever the office tells them
    about a ticket (its receipt, "done", staff's words), their Telegram reply to it is
    about that ticket and reaches its staff, not the matcher."""
    if ticket.reporter_id is None:
        return
    identity = await session.get(ChatIdentity, ticket.reporter_id)
    if identity is None:
        return
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    data = {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "kind": ticket.kind.value,
        "category": ticket.category,
        "status": ticket.status.value,
        "assignee": assignee.name if assignee else "",
        "reason": ticket.reject_reason or "",
        "work_note": ticket.work_note or "",
        **extra,
    }
    await outbox.enqueue(
        session,
        to=Recipient(
            chat_id=identity.external_id, identity_id=identity.id, channel=identity.channel
        ),
        notice=notice,
        now=now,
        kind=OutboxKind.reply,
        data=data,
        ref_key=ref_key or told_key(ticket.id),
    )


async def tell_assignee(session: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """The assigned staff member gets the ticket in private chat, with their buttons."""
    found = await _assignee(session, ticket)
    if found is None:
        return
    staff, recipient = found
    data = await alert_data(session, ticket, now=now)
    await outbox.enqueue(
        session,
        to=recipient,
        notice="ticket.assigned",
        now=now,
        kind=OutboxKind.alert,
        data=data,
        ref_key=f"ticket:{ticket.id}:assignee:{staff.id}:{ticket.updated_at.timestamp():.0f}",
    )


async def _assignee(session: AsyncSession, ticket: Ticket) -> tuple[Staff, Recipient] | None:
    """The ticket's assignee and their private chat, if it has one."""
    staff = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    if staff is None:
        return None
    identity = await session.scalar(
        select(ChatIdentity).where(
            ChatIdentity.channel == staff.channel, ChatIdentity.external_id == staff.external_id
        )
    )
    return staff, Recipient(
        chat_id=staff.external_id,
        channel=staff.channel,
        identity_id=identity.id if identity else None,
    )


async def relay_to_staff(
    session: AsyncSession, ticket: Ticket, *, now: datetime, text: str, media: list[dict[str, str]]
) -> None:
    """A resident's follow-up, posted in each group as a reply to the ticket's alert, or
    into the ticket's topic where it has one, and to the assignee in private chat (who may
    not be in those groups), with a button to answer."""
    said = {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "text": text,
        "media": media,
        "anonymous": ticket.anonymous,
        # "水漫出来了" on a ticket filed as ordinary: staff must not read it as small news.
        "danger": ticket.urgency != Urgency.urgent and matcher.urgent_hint(text),
    }
    assignee = await _assignee(session, ticket)
    if assignee is not None:
        await outbox.enqueue(
            session,
            to=assignee[1],
            notice="ticket.resident_message",
            now=now,
            kind=OutboxKind.alert,
            data={**said, "private": True},
            # Remembered too: the assignee's reply to it reaches the resident.
            ref_key=f"ticket:{ticket.id}:said:dm:{assignee[0].id}:{secrets.token_hex(6)}",
        )
    in_topic = await topics.topic_refs(session, ticket.id)
    for group in await groups_for(session, ticket):
        thread = in_topic.get(group.id)
        await outbox.enqueue(
            session,
            to=Recipient(chat_id=group.chat_id, channel=group.channel),
            notice="ticket.resident_message",
            now=now,
            kind=OutboxKind.alert,
            target_ref=None if thread else f"ticket:{ticket.id}:alert:{group.id}",
            thread_ref=thread,
            # Remembered too, so a staff reply to it reaches the same ticket.
            ref_key=f"ticket:{ticket.id}:said:{group.id}:{secrets.token_hex(6)}",
            data=said,
        )
