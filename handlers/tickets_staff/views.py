"""What the staff screens show, gathered from the ticket services as plain notice data."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.formatting import local_time
from handlers.tickets_staff.base import View
from models import Staff
from services.errors import NotAllowed
from services.identities import Person
from services.tickets import lifecycle, notify, queries

PAGE = 8  # tickets per /queue page
NOTE_MAX = 200  # characters of a note shown in the history


async def alert(session: AsyncSession, *, ticket_id: int, now: datetime) -> dict[str, Any]:
    """The alert data of one ticket (what the services put in a group alert)."""
    ticket = await lifecycle.load(session, ticket_id)
    return await notify.alert_data(session, ticket, now=now)


async def detail(
    session: AsyncSession, *, ticket_id: int, person: Person, now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """The ticket with its whole history, internal notes included, for staff in scope."""
    if person.staff is None:
        raise NotAllowed("staff.not_allowed")
    page = await queries.history(session, ticket_id=ticket_id, person=person, now=now)
    data = await notify.alert_data(session, page.ticket, now=now)
    ids = {e.actor_staff_id for e in page.events if e.actor_staff_id}
    ids |= {int(e.details["assignee"]) for e in page.events if (e.details or {}).get("assignee")}
    names = await queries.staff_names(session, ids)
    data["history"] = [
        {
            "at": local_time(event.at, zone).strftime("%m-%d %H:%M"),
            "who": names.get(event.actor_staff_id) if event.actor_staff_id else None,
            "kind": event.actor_kind,
            "action": event.action,
            "to": names.get(int((event.details or {}).get("assignee") or 0)),
            "note": (event.note or "")[:NOTE_MAX],
            "internal": event.internal,
        }
        for event in page.events
    ]
    data["photo_ids"] = [m.file_id for m in page.media if m.kind == "photo"][:10]
    return data


async def redraw(
    session: AsyncSession,
    *,
    ticket_id: int,
    view: View,
    person: Person,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[str, dict[str, Any]]:
    """(notice, data) that draws the ticket again as the message showing it was drawn.

    Only staff in the ticket's scope see it: this answers buttons, which anyone can forge.
    """
    if view == View.detail:
        return "ticket.detail", await detail(
            session, ticket_id=ticket_id, person=person, now=now, zone=zone
        )
    if person.staff is None:
        raise NotAllowed("staff.not_allowed")
    page = await queries.history(
        session, ticket_id=ticket_id, person=person, now=now
    )  # scope check
    data = await notify.alert_data(session, page.ticket, now=now)
    return ("ticket.alert" if view == View.group else "ticket.card"), data


async def queue_page(
    session: AsyncSession, *, staff: Staff, now: datetime, after_id: int | None = None
) -> dict[str, Any]:
    """One page of the staff member's open tickets, oldest first, overdue ones marked."""
    after = None
    if after_id is not None:
        last = await lifecycle.load(session, after_id)
        after = (last.created_at, last.id)
    tickets = await queries.queue(session, staff=staff, limit=PAGE + 1, after=after)
    shown = tickets[:PAGE]
    return {
        "first": after_id is None,
        "items": [
            {
                "ticket_id": t.id,
                "number": t.number,
                "kind": t.kind.value,
                "category": t.category,
                "status": t.status.value,
                "urgency": t.urgency.value,
                "overdue": queries.overdue(t, now),
                "hours": int((now - t.created_at).total_seconds() // 3600),
            }
            for t in shown
        ],
        "more_after": shown[-1].id if len(tickets) > PAGE else None,
    }
