"""Announcements: compose, preview, send now or later (after quiet hours), cancel, follow.

Recipients are outbox rows (`broadcast_id` set, dedupe key `broadcast:<id>:<identity>`), so
a broadcast's progress and report are counts over the outbox, and releasing it twice adds
nobody twice. What residents see of them is services.notice_board; the reports staff get
are services.broadcast_reports; its progress while it goes out, services.broadcast_progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, String, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Broadcast,
    BroadcastStatus,
    Community,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Staff,
    StaffRole,
)
from services import audience as audiences
from services import audit
from services.broadcast_progress import Progress, progress, show_progress
from services.errors import DomainError, NotAllowed, NotFound
from services.permissions import in_scope
from services.quiet_hours import release_time

MAY_BROADCAST = frozenset({StaffRole.admin, StaffRole.manager})
URGENT_PRIORITY = 25  # ahead of ordinary announcements and reminders, behind replies and alerts
TITLE_MAX, BODY_MAX, CAPTION_BODY_MAX = 100, 3500, 800

# Templates: their texts live with the renderers (translated per reader); here, their fields.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "water_cut": ("date", "start", "end", "area", "reason"),
    "power_cut": ("date", "start", "end", "area", "reason"),
    "fire_drill": ("date", "time", "place"),
    "fee_notice": ("fee", "period", "due_date", "how"),
}
URGENT_TEMPLATES = frozenset({"water_cut", "power_cut"})


@dataclass
class QuietHours:
    zone: ZoneInfo
    start: time
    end: time


@dataclass
class Draft:
    """What a manager composed, before it is confirmed."""

    community_id: int
    audience: dict[str, Any]
    title: str = ""
    body: str = ""
    template: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    photo_file_id: str | None = None
    document_file_id: str | None = None
    urgent: bool = False
    ack_required: bool = False
    send_at: datetime | None = None  # None: now
    expires_at: datetime | None = None


def check_staff(staff: Staff | None, community_id: int) -> Staff:
    """Only managers (and admins) of the estate announce."""
    if (
        staff is None
        or not staff.active
        or staff.role not in MAY_BROADCAST
        or not in_scope(staff, community_id=community_id)
    ):
        raise NotAllowed("staff.not_allowed")
    return staff


def validate(draft: Draft, *, now: datetime) -> None:
    """Refuse a draft people could not read or that makes no sense in time."""
    if draft.template is not None:
        wanted = TEMPLATES.get(draft.template)
        if wanted is None:
            raise DomainError("broadcast.unknown_template")
        missing = [name for name in wanted if not str(draft.fields.get(name, "")).strip()]
        if missing:
            raise DomainError("broadcast.template_fields", fields=", ".join(missing))
    else:
        if not 0 < len(draft.title.strip()) <= TITLE_MAX:
            raise DomainError("broadcast.title_length", max=TITLE_MAX)
        limit = CAPTION_BODY_MAX if draft.photo_file_id or draft.document_file_id else BODY_MAX
        if not 0 < len(draft.body.strip()) <= limit:
            raise DomainError("broadcast.body_length", max=limit)
    if draft.send_at is not None and draft.send_at < now - timedelta(minutes=1):
        raise DomainError("broadcast.send_in_past")
    start = draft.send_at or now
    if draft.expires_at is not None and draft.expires_at <= start:
        raise DomainError("broadcast.expires_before_send")
    audiences.from_spec(draft.audience)  # raises on a bad spec


async def preview_count(session: AsyncSession, draft: Draft) -> int:
    """How many people would receive it now."""
    return await audiences.count(session, audiences.from_spec(draft.audience))


async def create(
    session: AsyncSession,
    *,
    draft: Draft,
    staff: Staff | None,
    creator_chat_id: str | None,
    now: datetime,
    quiet: QuietHours,
) -> Broadcast:
    """Store the announcement; release it at once when it is due (quiet hours permitting)."""
    check_staff(staff, draft.community_id)
    assert staff is not None
    validate(draft, now=now)
    broadcast = Broadcast(
        community_id=draft.community_id,
        title=draft.title.strip(),
        body=draft.body.strip(),
        template=draft.template,
        fields={k: str(v).strip() for k, v in draft.fields.items()},
        photo_file_id=draft.photo_file_id,
        document_file_id=draft.document_file_id,
        audience=draft.audience,
        urgent=draft.urgent,
        ack_required=draft.ack_required,
        send_at=draft.send_at or now,
        expires_at=draft.expires_at,
        status=BroadcastStatus.scheduled,
        created_by=staff.id,
        creator_chat_id=creator_chat_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    audit.record(
        session,
        now=now,
        action="broadcast.create",
        actor_kind="staff",
        actor_id=staff.id,
        subject_type="broadcast",
        subject_id=broadcast.id,
        urgent=draft.urgent,
    )
    if broadcast.send_at <= now:
        await release(session, broadcast=broadcast, now=now, quiet=quiet)
    return broadcast


def content(broadcast: Broadcast, community: Community) -> dict[str, Any]:
    """What every recipient's message is rendered from."""
    return {
        "broadcast_id": broadcast.id,
        "community": community.name,
        "title": broadcast.title,
        "body": broadcast.body,
        "template": broadcast.template,
        "fields": broadcast.fields,
        "photo": broadcast.photo_file_id,
        "document": broadcast.document_file_id,
        "urgent": broadcast.urgent,
        "ack": broadcast.ack_required,
    }


async def release(
    session: AsyncSession, *, broadcast: Broadcast, now: datetime, quiet: QuietHours
) -> int:
    """Write one outbox row per recipient (insert-if-absent); returns how many were added."""
    if broadcast.status != BroadcastStatus.scheduled:
        return 0
    community = await session.get(Community, broadcast.community_id)
    assert community is not None
    zone = ZoneInfo(community.timezone) if community.timezone else quiet.zone
    go_at = max(broadcast.send_at, now)
    if not broadcast.urgent:
        go_at = release_time(go_at, zone, quiet.start, quiet.end)
    people = audiences.from_spec(broadcast.audience).recipients().subquery()
    columns = OutboxMessage.__table__.c
    rows = select(
        people.c.channel,
        people.c.external_id,
        people.c.id,
        literal("send"),
        literal("broadcast.notice"),
        literal(content(broadcast, community), type_=JSON),
        literal(OutboxKind.bulk.value),
        literal(URGENT_PRIORITY if broadcast.urgent else 30),
        literal(f"broadcast:{broadcast.id}:") + cast(people.c.id, String),
        literal(go_at, type_=columns.not_before.type),
        literal(OutboxStatus.pending.value),
        literal(0),
        literal(now, type_=columns.created_at.type),
        literal(broadcast.id),
    ).where(people.c.id.is_not(None))  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .from_select(
            [
                "channel",
                "chat_id",
                "identity_id",
                "op",
                "notice",
                "data",
                "kind",
                "priority",
                "dedupe_key",
                "not_before",
                "status",
                "attempts",
                "created_at",
                "broadcast_id",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(statement)
    session.info["outbox_dirty"] = True
    broadcast.status, broadcast.released_at = BroadcastStatus.sending, now
    broadcast.recipients = int(
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id)
        )
        or 0
    )
    await show_progress(
        session, broadcast, await progress(session, broadcast.id), now=now, first=True
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release_due(session: AsyncSession, *, now: datetime, quiet: QuietHours) -> int:
    """The scheduler's job: release every scheduled broadcast whose time has come."""
    due = await session.scalars(
        select(Broadcast)
        .where(Broadcast.status == BroadcastStatus.scheduled, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at)
        .limit(100)
    )
    released = 0
    for broadcast in due:
        await release(session, broadcast=broadcast, now=now, quiet=quiet)
        released += 1
    return released


async def cancel(
    session: AsyncSession, *, broadcast_id: int, staff: Staff | None, now: datetime
) -> Progress:
    """Stop a scheduled or sending broadcast: whatever has not gone out stays unsent."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast.missing")
    check_staff(staff, broadcast.community_id)
    assert staff is not None
    if broadcast.status not in (BroadcastStatus.scheduled, BroadcastStatus.sending):
        raise DomainError("broadcast.not_cancellable", status=broadcast.status.value)
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.broadcast_id == broadcast.id,
            OutboxMessage.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.cancelled)
    )
    broadcast.status, broadcast.cancelled_at = BroadcastStatus.cancelled, now
    audit.record(
        session,
        now=now,
        action="broadcast.cancel",
        actor_kind="staff",
        actor_id=staff.id,
        subject_type="broadcast",
        subject_id=broadcast.id,
    )
    current = await progress(session, broadcast.id)
    await show_progress(session, broadcast, current, now=now)
    return current


# --- staff: access and listing -------------------------------------------------------------


async def owned(session: AsyncSession, broadcast_id: int, staff: Staff | None) -> Broadcast:
    """The broadcast, if this staff member's scope covers its estate."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast.missing")
    if (
        staff is None
        or not staff.active
        or not in_scope(staff, community_id=broadcast.community_id)
    ):
        raise NotAllowed("staff.not_allowed")
    return broadcast


async def recent(session: AsyncSession, *, staff: Staff, limit: int = 10) -> list[Broadcast]:
    """Broadcasts in the staff member's estates, newest first."""
    query = select(Broadcast).order_by(Broadcast.created_at.desc()).limit(limit)
    if staff.community_id is not None and staff.role != StaffRole.admin:
        query = query.where(Broadcast.community_id == staff.community_id)
    return list(await session.scalars(query))
