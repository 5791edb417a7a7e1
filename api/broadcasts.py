"""/api/v1/broadcasts: announcements over HTTP, for programs and the future web console."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ClockDep, CurrentStaff, SessionDep, SettingsDep
from models import Broadcast
from services import broadcast_progress, broadcast_reports, broadcasts
from services.broadcasts import Draft, QuietHours
from services.errors import DomainError, NotAllowed, NotFound
from services.quiet_hours import release_time

router = APIRouter(prefix="/api/v1/broadcasts", tags=["broadcasts"])


class AudienceIn(BaseModel):
    kind: Literal["estate", "buildings", "staff"]
    building_ids: list[int] = Field(default_factory=list)


class BroadcastIn(BaseModel):
    community_id: int | None = Field(None, description="default: the caller's estate")
    audience: AudienceIn
    title: str = ""
    body: str = ""
    template: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    urgent: bool = False
    ack_required: bool = False
    send_at: datetime | None = Field(None, description="ISO-8601 with zone; default now")
    expires_at: datetime | None = None


class ProgressOut(BaseModel):
    total: int
    sent: int
    blocked: int
    failed: int
    pending: int
    cancelled: int


class BroadcastOut(BaseModel):
    id: int
    community_id: int
    title: str
    template: str | None
    status: str
    urgent: bool
    ack_required: bool
    send_at: datetime
    expires_at: datetime | None
    recipients: int
    progress: ProgressOut


class PreviewOut(BaseModel):
    recipients: int
    goes_out_at: datetime = Field(description="after quiet hours for a non-urgent announcement")


def _problem(exc: DomainError) -> HTTPException:
    status = 403 if isinstance(exc, NotAllowed) else 404 if isinstance(exc, NotFound) else 422
    return HTTPException(status, {"error": exc.key, **{k: v for k, v in exc.data.items()}})


def _draft(body: BroadcastIn, staff_community: int | None) -> Draft:
    community_id = body.community_id or staff_community
    if community_id is None:
        raise HTTPException(422, {"error": "community_id is required for company-wide staff"})
    audience: dict[str, Any] = {"kind": body.audience.kind, "community_id": community_id}
    if body.audience.kind == "buildings":
        audience["building_ids"] = body.audience.building_ids
    return Draft(
        community_id=community_id,
        audience=audience,
        title=body.title,
        body=body.body,
        template=body.template,
        fields=body.fields,
        urgent=body.urgent,
        ack_required=body.ack_required,
        send_at=body.send_at,
        expires_at=body.expires_at,
    )


def _quiet(settings: SettingsDep) -> QuietHours:
    return QuietHours(
        zone=settings.zone, start=settings.quiet_hours.start, end=settings.quiet_hours.end
    )


async def _out(session: SessionDep, broadcast: Broadcast) -> BroadcastOut:
    progress = await broadcast_progress.progress(session, broadcast.id)
    return BroadcastOut(
        id=broadcast.id,
        community_id=broadcast.community_id,
        title=broadcast.title,
        template=broadcast.template,
        status=broadcast.status.value,
        urgent=broadcast.urgent,
        ack_required=broadcast.ack_required,
        send_at=broadcast.send_at,
        expires_at=broadcast.expires_at,
        recipients=broadcast.recipients,
        progress=ProgressOut(**progress.as_dict()),
    )


@router.post("/preview")
async def preview(
    body: BroadcastIn,
    staff: CurrentStaff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PreviewOut:
    """How many people it would reach now, and when it would go out."""
    draft = _draft(body, staff.community_id)
    try:
        broadcasts.check_staff(staff, draft.community_id)
        broadcasts.validate(draft, now=clock.now())
    except DomainError as exc:
        raise _problem(exc) from None
    quiet = _quiet(settings)
    at = max(draft.send_at or clock.now(), clock.now())
    goes = at if draft.urgent else release_time(at, quiet.zone, quiet.start, quiet.end)
    return PreviewOut(recipients=await broadcasts.preview_count(session, draft), goes_out_at=goes)


@router.post("", status_code=201)
async def create(
    body: BroadcastIn,
    staff: CurrentStaff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> BroadcastOut:
    """Send now, or schedule with `send_at`."""
    try:
        broadcast = await broadcasts.create(
            session,
            draft=_draft(body, staff.community_id),
            staff=staff,
            creator_chat_id=None,
            now=clock.now(),
            quiet=_quiet(settings),
        )
    except DomainError as exc:
        raise _problem(exc) from None
    await session.commit()
    return await _out(session, broadcast)


@router.get("")
async def listing(staff: CurrentStaff, session: SessionDep) -> list[BroadcastOut]:
    """The newest announcements in the caller's estates."""
    return [
        await _out(session, b) for b in await broadcasts.recent(session, staff=staff, limit=50)
    ]


async def _visible(session: SessionDep, staff: CurrentStaff, broadcast_id: int) -> Broadcast:
    try:
        return await broadcasts.owned(session, broadcast_id, staff)
    except DomainError as exc:
        raise _problem(exc) from None


@router.get("/{broadcast_id}")
async def detail(broadcast_id: int, staff: CurrentStaff, session: SessionDep) -> BroadcastOut:
    return await _out(session, await _visible(session, staff, broadcast_id))


@router.post("/{broadcast_id}/cancel")
async def cancel(
    broadcast_id: int, staff: CurrentStaff, session: SessionDep, clock: ClockDep
) -> BroadcastOut:
    """Stop what has not gone out yet."""
    try:
        await broadcasts.cancel(session, broadcast_id=broadcast_id, staff=staff, now=clock.now())
    except DomainError as exc:
        raise _problem(exc) from None
    await session.commit()
    return await _out(session, await _visible(session, staff, broadcast_id))


@router.get("/{broadcast_id}/report.csv")
async def report(broadcast_id: int, staff: CurrentStaff, session: SessionDep) -> Response:
    """One line per recipient: address, name, delivery status, error, sent and acknowledged times."""
    try:
        rows = await broadcast_reports.delivery_report(
            session, broadcast_id=broadcast_id, staff=staff
        )
    except DomainError as exc:
        raise _problem(exc) from None
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=[
            "building",
            "unit",
            "room",
            "name",
            "status",
            "error",
            "sent_at",
            "acknowledged_at",
        ],
    )
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="broadcast-{broadcast_id}.csv"'},
    )


@router.get("/{broadcast_id}/acks")
async def acks(
    broadcast_id: int, staff: CurrentStaff, session: SessionDep
) -> list[dict[str, Any]]:
    """Per building: how many confirmed, and the homes that did not."""
    try:
        report = await broadcast_reports.ack_report(
            session, broadcast_id=broadcast_id, staff=staff
        )
    except DomainError as exc:
        raise _problem(exc) from None
    return [
        {
            "building": r.building,
            "acknowledged": r.acknowledged,
            "total": r.total,
            "missing": r.missing,
        }
        for r in report
    ]
