"""Filing a ticket: the resident's draft checked, numbered, recorded, announced (and, when
configured, assigned at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import DEFAULT_TIMEZONE, TicketSettings
from models import Building, Staff, StaffRole, Ticket, TicketKind, TicketStatus, Urgency
from services.errors import DomainError, NotAllowed
from services.households import estate_zone
from services.identities import Person
from services.staff import looks_after
from services.tickets import history, notify, rules, visits
from services.tickets.media import MediaIn
from services.tickets.media import attach as attach_media
from services.tickets.numbering import format_number, next_seq

DEFAULT_ZONE = ZoneInfo(DEFAULT_TIMEZONE)


@dataclass
class TicketDraft:
    """What the resident filled in (the chat wizard or, later, a form)."""

    kind: TicketKind
    category: str
    description: str = ""
    location: str = "home"  # home | public
    place: str | None = None
    urgency: Urgency = Urgency.normal
    visit_window: str | None = None
    anonymous: bool = False
    media: list[MediaIn] = field(default_factory=list)


def _normalise(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text.lower())


def validate(draft: TicketDraft, local_now: datetime) -> None:
    """Refuse what staff could not act on, with a reason the resident can read.
    `local_now`: the time in the estate's zone, for the visit time."""
    if draft.category not in rules.CATEGORIES[draft.kind]:
        raise DomainError("ticket.bad_category")
    if not draft.description.strip() and not draft.media:
        raise DomainError("ticket.empty")
    if len(draft.description) > rules.DESCRIPTION_MAX:
        raise DomainError("ticket.too_long", max=rules.DESCRIPTION_MAX)
    if sum(m.kind == "photo" for m in draft.media) > rules.MAX_PHOTOS:
        raise DomainError("ticket.too_many_photos", max=rules.MAX_PHOTOS)
    if sum(m.kind == "voice" for m in draft.media) > rules.MAX_VOICE:
        raise DomainError("ticket.too_many_voice", max=rules.MAX_VOICE)
    if draft.location not in ("home", "public") or (
        draft.location == "public" and not (draft.place or "").strip()
    ):
        raise DomainError("ticket.place_needed")
    if draft.place is not None and len(draft.place) > rules.PLACE_MAX:
        raise DomainError("ticket.too_long", max=rules.PLACE_MAX)
    if draft.visit_window is not None and not visits.acceptable(draft.visit_window, local_now):
        # a form left open past the time it asked for (or a forged choice)
        raise DomainError("ticket.bad_visit_window")
    if draft.anonymous and draft.kind != TicketKind.complaint:
        raise DomainError("ticket.anonymous_complaints_only")


async def create(
    session: AsyncSession,
    *,
    person: Person,
    draft: TicketDraft,
    now: datetime,
    settings: TicketSettings,
    default_zone: ZoneInfo = DEFAULT_ZONE,
) -> Ticket:
    """File a ticket for the person's household: number it, tell them, alert staff.
    `default_zone`: the configured zone, for an estate without one of its own."""
    resident = person.resident
    if resident is None:
        raise NotAllowed("ticket.no_household")
    household = resident.household
    building = household.building
    validate(draft, now.astimezone(estate_zone(building.community, default_zone)))
    filed_today = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.household_id == household.id, Ticket.created_at > now - timedelta(days=1))
    )
    if (filed_today or 0) >= settings.max_per_day:
        raise DomainError("ticket.daily_limit", max=settings.max_per_day)
    duplicate = await _likely_duplicate(session, household.id, draft, now, settings)
    seq = await next_seq(session, building.community_id)
    accept_by, finish_by = rules.deadlines(settings, draft.urgency, now)
    ticket = Ticket(
        community_id=building.community_id,
        seq=seq,
        number=format_number(draft.kind, seq),
        kind=draft.kind,
        category=draft.category,
        status=TicketStatus.new,
        urgency=draft.urgency,
        household_id=household.id,
        building_id=building.id,
        reporter_id=person.identity.id,
        anonymous=draft.anonymous,
        location=draft.location,
        place=(draft.place or "").strip() or None,
        description=draft.description.strip(),
        visit_window=(
            draft.visit_window
            if rules.asks_visit(draft.kind, draft.location, draft.urgency)
            else None
        ),
        duplicate_of=duplicate,
        created_at=now,
        updated_at=now,
        accept_by=accept_by,
        finish_by=finish_by,
        reopen_count=0,
    )
    session.add(ticket)
    await session.flush()
    attach_media(session, ticket.id, draft.media, by="resident", now=now)
    history.record(
        session,
        ticket,
        now=now,
        action="create",
        before=None,
        actor_kind="resident",
        identity_id=person.identity.id,
    )
    ticket.household, ticket.building = household, building
    await session.flush()
    await notify.tell_resident(
        session,
        ticket,
        "ticket.created",
        now=now,
        duplicate=bool(duplicate),
        urgent=ticket.urgency == Urgency.urgent,
        hotline=building.community.hotline,  # loaded with the person
    )
    if settings.auto_assign:
        await _auto_assign(session, ticket, now=now)
    await notify.alert_groups(session, ticket, now=now, first=True)
    if ticket.assignee_id:
        await notify.tell_assignee(session, ticket, now=now)
    return ticket


async def _likely_duplicate(
    session: AsyncSession,
    household_id: int,
    draft: TicketDraft,
    now: datetime,
    settings: TicketSettings,
) -> int | None:
    """The same household's same words within the window: flagged, not refused."""
    text = _normalise(draft.description)
    if not text:
        return None
    recent = await session.execute(
        select(Ticket.id, Ticket.description).where(
            Ticket.household_id == household_id,
            Ticket.created_at > now - timedelta(minutes=settings.duplicate_window_minutes),
        )
    )
    return next((tid for tid, description in recent if _normalise(description) == text), None)


async def _auto_assign(session: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """The steward responsible for the building, else a technician of the estate."""
    candidates = list(
        await session.scalars(
            select(Staff)
            .where(
                Staff.active.is_(True), Staff.role.in_([StaffRole.steward, StaffRole.technician])
            )
            .order_by(Staff.id)
        )
    )
    building = await session.get(Building, ticket.building_id)
    scoped = [s for s in candidates if building is not None and looks_after(s, building)]
    preferred = [
        s for s in scoped if s.role == StaffRole.technician and ticket.kind == TicketKind.repair
    ] or [s for s in scoped if s.role == StaffRole.steward]
    if not preferred:
        return
    before = ticket.status
    ticket.assignee_id, ticket.status, ticket.updated_at = (
        preferred[0].id,
        TicketStatus.assigned,
        now,
    )
    history.record(
        session,
        ticket,
        now=now,
        action="auto_assign",
        before=before,
        actor_kind="system",
        details={"assignee": preferred[0].id},
    )
