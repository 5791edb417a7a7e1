"""Join requests: a resident whose phone is not on the roster asks; staff in the dispatcher
group approve or reject with a button, and everyone sees the outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    BindingRequest,
    Building,
    ChatIdentity,
    Household,
    OutboxKind,
    RequestStatus,
    Resident,
    ResidentRole,
    Staff,
    StaffGroup,
)
from services import audit, outbox
from services.errors import DomainError, NotAllowed, NotFound
from services.identities import address_of
from services.onboarding.homes import load_household, recipient_of
from services.onboarding.members import bind
from services.outbox import Recipient
from services.permissions import Action, may


async def pending_address(session: AsyncSession, identity: ChatIdentity) -> dict[str, str] | None:
    """The address of the person's request still waiting for staff, if any."""
    request = await session.scalar(
        select(BindingRequest)
        .where(
            BindingRequest.identity_id == identity.id,
            BindingRequest.status == RequestStatus.pending,
        )
        .order_by(BindingRequest.id.desc())
        .limit(1)
    )
    if request is None:
        return None
    return address_of(await load_household(session, request.household_id))


async def request_binding(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    household_id: int,
    role: ResidentRole,
    phone: str | None,
    now: datetime,
) -> BindingRequest:
    """Ask staff to bind the sender to a household; replaces their earlier pending request."""
    household = await load_household(session, household_id)
    member = await session.scalar(
        select(Resident).where(
            Resident.household_id == household.id,
            Resident.identity_id == identity.id,
            Resident.active.is_(True),
        )
    )
    if member is not None:
        raise DomainError("binding.already_member", **address_of(household))
    earlier = await session.scalars(
        select(BindingRequest).where(
            BindingRequest.identity_id == identity.id,
            BindingRequest.status == RequestStatus.pending,
        )
    )
    for old in earlier:
        old.status, old.decided_at = RequestStatus.cancelled, now
        await _update_request_alerts(session, old, now=now, staff_name=None)
    request = BindingRequest(
        identity_id=identity.id,
        household_id=household.id,
        role=role,
        name=identity.display_name,
        phone=phone,
        status=RequestStatus.pending,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    audit.record(
        session,
        now=now,
        action="binding.requested",
        actor_kind="resident",
        actor_id=identity.id,
        subject_type="binding_request",
        subject_id=request.id,
    )
    groups = await _dispatch_groups(session, household)
    for group in groups:
        await outbox.enqueue(
            session,
            to=Recipient(chat_id=group.chat_id, channel=group.channel),
            notice="binding.request",
            now=now,
            kind=OutboxKind.alert,
            ref_key=f"binding-request:{request.id}:{group.id}",
            data=_request_data(request, household),
        )
    await outbox.enqueue(
        session,
        to=recipient_of(identity),
        notice="binding.request_sent",
        now=now,
        data={**address_of(household), "staff_reachable": bool(groups)},
    )
    return request


def _request_data(request: BindingRequest, household: Household) -> dict[str, object]:
    from core.phone import mask_phone

    return {
        **address_of(household),
        "request_id": request.id,
        "name": request.name or "",
        "phone": mask_phone(request.phone) if request.phone else "",
        "role": request.role.value,
        "status": request.status.value,
    }


async def _dispatch_groups(session: AsyncSession, household: Household) -> list[StaffGroup]:
    """Dispatcher groups whose scope covers this household's estate and building."""
    community_id = household.building.community_id
    groups = await session.scalars(
        select(StaffGroup).where(StaffGroup.purpose == "dispatch", StaffGroup.active.is_(True))
    )
    return [
        g
        for g in groups
        if g.community_id in (None, community_id)
        and (not g.building_ids or household.building_id in g.building_ids)
    ]


async def decide_request(
    session: AsyncSession,
    *,
    request_id: int,
    staff: Staff | None,
    actor: ChatIdentity,
    approve: bool,
    now: datetime,
) -> BindingRequest:
    """A staff member approves or rejects a request; anyone else is refused and audited."""
    request = await session.scalar(
        select(BindingRequest)
        .options(
            selectinload(BindingRequest.identity),
            selectinload(BindingRequest.household)
            .selectinload(Household.building)
            .selectinload(Building.community),
        )
        .where(BindingRequest.id == request_id)
    )
    if request is None:
        raise NotFound("binding.request_missing")
    if not may(staff, Action.approve_binding, request.household):
        audit.record(
            session,
            now=now,
            action="binding.decide",
            actor_kind="staff" if staff else "resident",
            actor_id=actor.id,
            subject_type="binding_request",
            subject_id=request.id,
            outcome="refused",
        )
        raise NotAllowed("staff.not_allowed")
    assert staff is not None
    if request.status != RequestStatus.pending:
        raise DomainError("binding.request_closed", status=request.status.value)
    request.status = RequestStatus.approved if approve else RequestStatus.rejected
    request.decided_at, request.decided_by = now, staff.id
    audit.record(
        session,
        now=now,
        action="binding.approve" if approve else "binding.reject",
        actor_kind="staff",
        actor_id=actor.id,
        subject_type="binding_request",
        subject_id=request.id,
    )
    await _update_request_alerts(session, request, now=now, staff_name=staff.name)
    if approve:
        try:
            await bind(
                session,
                identity=request.identity,
                household=request.household,
                role=request.role,
                via="approval",
                now=now,
                phone=request.phone,
            )
        except DomainError as exc:
            if exc.key != "binding.already_member":
                raise
    else:
        await outbox.enqueue(
            session,
            to=recipient_of(request.identity),
            notice="binding.rejected",
            now=now,
            # told to call the office: with its number, as they will not have it at hand
            data={
                **address_of(request.household),
                "hotline": request.household.building.community.hotline or "",
            },
        )
    return request


async def _update_request_alerts(
    session: AsyncSession, request: BindingRequest, *, now: datetime, staff_name: str | None
) -> None:
    """Edit the request's alert in every staff group to show the decision, without buttons."""
    household = await load_household(session, request.household_id)
    for group in await _dispatch_groups(session, household):
        await outbox.enqueue(
            session,
            to=Recipient(chat_id=group.chat_id, channel=group.channel),
            notice="binding.request",
            op="edit",
            target_ref=f"binding-request:{request.id}:{group.id}",
            now=now,
            kind=OutboxKind.alert,
            data={**_request_data(request, household), "decided_by": staff_name or ""},
        )
