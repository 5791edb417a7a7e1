"""Moving a ticket along: every transition checked, recorded, and announced; messages added
to it. Filing one is services.tickets.filing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.settings import TicketSettings
from models import (
    CLOSED_TO_MESSAGES,
    Building,
    Household,
    Staff,
    Ticket,
    TicketStatus,
)
from services import audit
from services.errors import DomainError, NotAllowed, NotFound
from services.identities import Person
from services.permissions import in_scope
from services.tickets import history, notify, rules
from services.tickets.machine import (
    ASSIGNEE_ONLY,
    DESK,
    RESIDENT_ACTIONS,
    STAFF_ROLES,
    Action,
    next_status,
)
from services.tickets.media import MediaIn, work_photo
from services.tickets.media import attach as attach_media


async def load(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await session.scalar(
        select(Ticket)
        .options(
            selectinload(Ticket.household)
            .selectinload(Household.building)
            .selectinload(Building.community),
            selectinload(Ticket.building),
        )
        .where(Ticket.id == ticket_id)
    )
    if ticket is None:
        raise NotFound("ticket.missing")
    return ticket


def _resident_may(person: Person, ticket: Ticket) -> bool:
    """A member of the ticket's household (a resident sees only their own household's tickets)."""
    return any(r.household_id == ticket.household_id for r in person.residencies)


def _staff_may(staff: Staff | None, ticket: Ticket, action: Action) -> bool:
    if staff is None or not staff.active or staff.role not in STAFF_ROLES.get(action, frozenset()):
        return False
    if not in_scope(staff, community_id=ticket.community_id, building_id=ticket.building_id):
        return False
    if action in ASSIGNEE_ONLY and staff.role not in DESK:
        return ticket.assignee_id == staff.id
    if action == Action.grab:
        return ticket.assignee_id is None
    return True


async def check(
    session: AsyncSession, *, ticket_id: int, action: Action, person: Person, now: datetime
) -> Ticket:
    """The ticket, when `person` may take `action` on it now; refusals are audited and raise.

    `act` begins with this; handlers call it before asking for more (whom to assign, why
    reject, photos of the work), so nobody is asked for what they may not do.
    """
    resident_action = action in RESIDENT_ACTIONS
    try:
        ticket = await load(session, ticket_id)
    except NotFound:  # a forged or stale button: refused and audited like any other
        audit.record(
            session,
            now=now,
            action=f"ticket.{action.value}",
            actor_kind="resident" if resident_action else "staff",
            actor_id=person.identity.id,
            subject_type="ticket",
            subject_id=ticket_id,
            outcome="refused",
        )
        raise
    allowed = (
        _resident_may(person, ticket)
        if resident_action
        else _staff_may(person.staff, ticket, action)
    )
    if not allowed:
        audit.record(
            session,
            now=now,
            action=f"ticket.{action.value}",
            actor_kind="resident" if resident_action else "staff",
            actor_id=person.identity.id,
            subject_type="ticket",
            subject_id=ticket.id,
            outcome="refused",
        )
        raise NotAllowed(
            "ticket.not_allowed" if resident_action or person.staff else "staff.not_allowed"
        )
    if next_status(ticket.status, action) is None:
        raise DomainError("ticket.illegal", number=ticket.number, status=ticket.status.value)
    return ticket


async def act(
    session: AsyncSession,
    *,
    ticket_id: int,
    action: Action,
    person: Person,
    now: datetime,
    settings: TicketSettings,
    assignee_id: int | None = None,
    reason: str | None = None,
    rating: int | None = None,
    comment: str | None = None,
    media: list[MediaIn] | None = None,
    work_note: str | None = None,
    ask_for_comment: bool = False,
) -> Ticket:
    """Apply one action. Refusals are audited and raise; illegal moves say why.

    `work_note` (with Action.finish): what was done, in the staff member's words; the
    resident is told it with "done".

    `ask_for_comment` (with Action.rate): the reporter's thank-you also invites a few words,
    in the same message, for a chat that will take them next.
    """
    resident_action = action in RESIDENT_ACTIONS
    ticket = await check(session, ticket_id=ticket_id, action=action, person=person, now=now)
    target = next_status(ticket.status, action)
    assert target is not None  # check() refused it otherwise
    before = ticket.status
    await _apply(
        session,
        ticket,
        action,
        target,
        now=now,
        settings=settings,
        assignee_id=assignee_id,
        reason=reason,
        rating=rating,
        comment=comment,
        work_note=work_note,
        person=person,
    )
    attach_media(
        session, ticket.id, media or [], by="resident" if resident_action else "staff", now=now
    )
    history.record(
        session,
        ticket,
        now=now,
        action=action.value,
        before=before,
        actor_kind="resident" if resident_action else "staff",
        staff_id=None if resident_action else person.staff.id if person.staff else None,
        identity_id=person.identity.id,
        note=reason or comment or (ticket.work_note if action == Action.finish else None),
        details={"assignee": ticket.assignee_id}
        if action in (Action.assign, Action.grab)
        else None,
    )
    audit.record(
        session,
        now=now,
        action=f"ticket.{action.value}",
        actor_kind="resident" if resident_action else "staff",
        actor_id=person.identity.id,
        subject_type="ticket",
        subject_id=ticket.id,
    )
    await session.flush()
    await _announce(session, ticket, action, now=now, invite=ask_for_comment)
    return ticket


async def _apply(
    session: AsyncSession,
    ticket: Ticket,
    action: Action,
    target: TicketStatus,
    *,
    now: datetime,
    settings: TicketSettings,
    assignee_id: int | None,
    reason: str | None,
    rating: int | None,
    comment: str | None,
    work_note: str | None,
    person: Person,
) -> None:
    if action == Action.assign:
        assignee = await session.get(Staff, assignee_id) if assignee_id else None
        if (
            assignee is None
            or not assignee.active
            or not in_scope(
                assignee, community_id=ticket.community_id, building_id=ticket.building_id
            )
        ):
            raise DomainError("ticket.bad_assignee")
        ticket.assignee_id = assignee.id
    elif action == Action.grab:
        assert person.staff is not None
        ticket.assignee_id = person.staff.id
    elif action == Action.reject:
        if not (reason or "").strip():
            raise DomainError("ticket.reason_needed")
        if len(reason.strip()) > rules.REJECT_REASON_MAX:  # type: ignore[union-attr]
            raise DomainError("ticket.too_long", max=rules.REJECT_REASON_MAX)
        ticket.reject_reason = reason.strip()  # type: ignore[union-attr]
    elif action == Action.rate:
        if rating is None or not 1 <= rating <= 5:
            raise DomainError("ticket.bad_rating")
        if len((comment or "").strip()) > rules.COMMENT_MAX:
            raise DomainError("ticket.too_long", max=rules.COMMENT_MAX)
        ticket.rating, ticket.rating_comment = rating, (comment or "").strip() or None
    elif action == Action.reopen:
        done_at = ticket.done_at or ticket.updated_at
        if now - done_at > timedelta(days=settings.reopen_days):
            raise DomainError("ticket.reopen_too_late", days=settings.reopen_days)
        ticket.reopen_count += 1
        ticket.rating = None
        ticket.accept_by, ticket.finish_by = rules.deadlines(settings, ticket.urgency, now)
        ticket.accepted_at = ticket.escalated_at = None
    if action == Action.accept or (
        action in (Action.assign, Action.grab) and ticket.accepted_at is None
    ):
        ticket.accepted_at = now
    if action == Action.start:
        ticket.started_at = now
    if action == Action.finish:
        note = (work_note or "").strip()
        if len(note) > rules.WORK_NOTE_MAX:
            raise DomainError("ticket.work_note_too_long", limit=rules.WORK_NOTE_MAX)
        ticket.done_at, ticket.work_note = now, note or None
    if target in (TicketStatus.closed, TicketStatus.rejected, TicketStatus.cancelled):
        ticket.closed_at = now
    ticket.status, ticket.updated_at = target, now


RESIDENT_NOTICE = {
    Action.accept: "ticket.accepted",
    Action.assign: "ticket.assigned_to_someone",
    Action.grab: "ticket.assigned_to_someone",
    Action.start: "ticket.started",
    Action.finish: "ticket.done",
    Action.reject: "ticket.rejected",
    Action.cancel: "ticket.cancelled",
    Action.rate: "ticket.rated",
    Action.reopen: "ticket.reopened",
    Action.close: "ticket.autoclosed",
}


async def _announce(
    session: AsyncSession, ticket: Ticket, action: Action, *, now: datetime, invite: bool
) -> None:
    """Tell the resident (and, with `invite`, ask them for a few words on their rating in
    the same message), update every staff alert, and brief a new assignee."""
    if invite:
        await notify.tell_resident(
            session,
            ticket,
            RESIDENT_NOTICE[action],
            now=now,
            ref_key=notify.rating_invitation(ticket.id),
            ask_comment=True,
            stars=ticket.rating,
        )
    elif action == Action.finish:  # with a photo of the work, when there is one
        photo = await work_photo(session, ticket)
        await notify.tell_resident(session, ticket, RESIDENT_NOTICE[action], now=now, photo=photo)
    else:
        await notify.tell_resident(session, ticket, RESIDENT_NOTICE[action], now=now)
    await notify.alert_groups(session, ticket, now=now, first=False)
    if action in (Action.assign, Action.grab):
        await notify.tell_assignee(session, ticket, now=now)


async def may_write(
    session: AsyncSession, *, ticket_id: int, person: Person, now: datetime, as_staff: bool
) -> Ticket:
    """The ticket, if `person` may write about it in that capacity (staff: active and in
    scope; a resident: their household's ticket); otherwise the refusal is audited and raised.
    Asked before a question is put to them, and again when their words arrive."""
    ticket = await load(session, ticket_id)
    if as_staff:
        allowed = (
            person.staff is not None
            and person.staff.active
            and in_scope(
                person.staff, community_id=ticket.community_id, building_id=ticket.building_id
            )
        )
    else:
        allowed = _resident_may(person, ticket)
    if not allowed:
        audit.record(
            session,
            now=now,
            action="ticket.message",
            actor_kind="staff" if as_staff else "resident",
            actor_id=person.identity.id,
            subject_type="ticket",
            subject_id=ticket.id,
            outcome="refused",
        )
        raise NotAllowed("ticket.not_allowed")
    return ticket


async def add_message(
    session: AsyncSession,
    *,
    ticket_id: int,
    person: Person,
    now: datetime,
    text: str = "",
    media: list[MediaIn] | None = None,
    internal: bool = False,
    as_staff: bool,
) -> Ticket:
    """A resident's follow-up, or a staff reply (to the resident unless internal).

    The caller says in which capacity the person writes (their own ticket in private chat,
    or the staff group's): a steward who lives in the estate is a resident about their own
    home's leaking tap, not staff talking to themselves."""
    ticket = await may_write(
        session, ticket_id=ticket_id, person=person, now=now, as_staff=as_staff
    )
    from_resident = not as_staff
    if ticket.status in CLOSED_TO_MESSAGES and from_resident:
        raise DomainError("ticket.closed", number=ticket.number)
    if not text.strip() and not media:
        raise DomainError("ticket.empty")
    if len(text) > rules.MESSAGE_MAX:
        raise DomainError("ticket.too_long", max=rules.MESSAGE_MAX)
    attach_media(
        session, ticket.id, media or [], by="resident" if from_resident else "staff", now=now
    )
    history.record(
        session,
        ticket,
        now=now,
        action="message",
        before=ticket.status,
        actor_kind="resident" if from_resident else "staff",
        staff_id=person.staff.id if person.staff and not from_resident else None,
        identity_id=person.identity.id,
        note=text.strip() or None,
        internal=internal and not from_resident,
        details={"media": [m.file_id for m in media or []]},
    )
    ticket.updated_at = now
    await session.flush()
    data: dict[str, Any] = {
        "text": text.strip(),
        "media": [{"kind": m.kind, "file_id": m.file_id} for m in media or []],
    }
    if from_resident:
        await notify.relay_to_staff(session, ticket, now=now, **data)
    elif not internal:
        staff_name = person.staff.name if person.staff else ""
        await notify.tell_resident(
            session,
            ticket,
            "ticket.staff_message",
            now=now,
            staff=staff_name,
            **data,
        )
    return ticket
