"""Residents joining their household: by binding code, by matching phone, or by staff approval.

Every outcome that someone must hear about is written to the outbox here, in the same
transaction as the change, so a committed binding is never silent and a rolled-back one
never announced.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    BindingRequest,
    Building,
    ChatIdentity,
    CodeAttempt,
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
from services.outbox import Recipient
from services.permissions import Action, may

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by elders
CODE_LENGTH = 8
_CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
ATTEMPT_WINDOW = timedelta(hours=1)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """'abcd-2345 ' -> 'ABCD2345'; None when it cannot be a binding code."""
    cleaned = re.sub(r"[\s\-_]", "", text).upper()
    return cleaned if _CODE_RE.match(cleaned) else None


def looks_like_code(text: str) -> bool:
    """A binding code, or a mistyped one (code-length letters and digits with a digit in it).

    Plain words are not taken as tries, so chatting never uses up someone's attempts.
    """
    cleaned = re.sub(r"[\s\-_]", "", text)
    if normalize_code(text) is not None:
        return True
    return (
        6 <= len(cleaned) <= 10
        and cleaned.isascii()
        and cleaned.isalnum()
        and any(c.isdigit() for c in cleaned)
    )


@dataclass(frozen=True)
class CodeMatch:
    """A code that names a household, shown to the person to confirm before binding."""

    household_id: int
    code: str
    address: dict[str, str]
    owner_taken: bool


def _household_query():  # type: ignore[no-untyped-def]
    return select(Household).options(
        selectinload(Household.building).selectinload(Building.community)
    )


async def _household(session: AsyncSession, household_id: int) -> Household:
    household = await session.scalar(_household_query().where(Household.id == household_id))
    if household is None:
        raise NotFound("binding.household_missing")
    return household


def _recipient(identity: ChatIdentity) -> Recipient:
    return Recipient(
        chat_id=identity.external_id, identity_id=identity.id, channel=identity.channel
    )


# --- binding codes -------------------------------------------------------------------------


async def _failures_in_window(
    session: AsyncSession, identity_id: int, now: datetime
) -> list[datetime]:
    rows = await session.scalars(
        select(CodeAttempt.at)
        .where(
            CodeAttempt.identity_id == identity_id,
            CodeAttempt.success.is_(False),
            CodeAttempt.at > now - ATTEMPT_WINDOW,
        )
        .order_by(CodeAttempt.at)
    )
    return list(rows)


def _locked_minutes(failures: list[datetime], now: datetime, limit: int) -> int | None:
    """Minutes until code entry reopens, or None when it is open."""
    if len(failures) < limit:
        return None
    reopens = failures[-limit] + ATTEMPT_WINDOW
    return max(1, int((reopens - now).total_seconds() // 60) + 1)


async def check_code(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    text: str,
    now: datetime,
    attempts_per_hour: int,
) -> CodeMatch:
    """Look a typed code up. Wrong tries are counted; too many in an hour lock code entry."""
    failures = await _failures_in_window(session, identity.id, now)
    locked = _locked_minutes(failures, now, attempts_per_hour)
    if locked is not None:
        raise DomainError("binding.code_locked", minutes=locked)
    code = normalize_code(text)
    household = None
    if code is not None:
        household = await session.scalar(_household_query().where(Household.binding_code == code))
    if household is None:
        session.add(CodeAttempt(identity_id=identity.id, at=now, success=False))
        audit.record(
            session,
            now=now,
            action="binding.code_wrong",
            actor_kind="resident",
            actor_id=identity.id,
            outcome="refused",
        )
        left = attempts_per_hour - len(failures) - 1
        if left <= 0:
            raise DomainError("binding.code_locked", minutes=60)
        raise DomainError("binding.code_wrong", left=left)
    session.add(CodeAttempt(identity_id=identity.id, at=now, success=True))
    assert code is not None
    return CodeMatch(
        household_id=household.id,
        code=code,
        address=address_of(household),
        owner_taken=await _has_active_owner(session, household.id),
    )


async def _has_active_owner(session: AsyncSession, household_id: int) -> bool:
    count = await session.scalar(
        select(func.count())
        .select_from(Resident)
        .where(
            Resident.household_id == household_id,
            Resident.active.is_(True),
            Resident.role == ResidentRole.owner,
        )
    )
    return bool(count)


async def bind_with_code(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    household_id: int,
    code: str,
    role: ResidentRole,
    now: datetime,
) -> Resident:
    """Bind after the person confirmed the address. The code must still be the household's."""
    household = await _household(session, household_id)
    if household.binding_code != code:
        raise DomainError("binding.code_expired")
    if role == ResidentRole.owner and await _has_active_owner(session, household.id):
        raise DomainError("binding.owner_taken")
    return await _bind(
        session, identity=identity, household=household, role=role, via="code", now=now
    )


async def _bind(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    household: Household,
    role: ResidentRole,
    via: str,
    now: datetime,
    name: str | None = None,
    phone: str | None = None,
) -> Resident:
    resident = await session.scalar(
        select(Resident).where(
            Resident.household_id == household.id, Resident.identity_id == identity.id
        )
    )
    if resident is not None and resident.active:
        raise DomainError("binding.already_member", **address_of(household))
    if resident is None:
        resident = Resident(
            household_id=household.id,
            identity_id=identity.id,
            bound_at=now,
            active=True,
            role=role,
            bound_via=via,
        )
        session.add(resident)
    resident.active, resident.removed_at, resident.bound_at = True, None, now
    resident.role, resident.bound_via = role, via
    resident.name = name or identity.display_name
    resident.phone = phone or resident.phone
    await session.flush()
    address = address_of(household)
    audit.record(
        session,
        now=now,
        action="binding.bound",
        actor_kind="resident",
        actor_id=identity.id,
        subject_type="household",
        subject_id=household.id,
        via=via,
        role=role.value,
    )
    await outbox.enqueue(
        session,
        to=_recipient(identity),
        notice="binding.bound",
        now=now,
        data={**address, "role": role.value},
    )
    await _tell_owners(session, household=household, joined=resident, now=now)
    return resident


async def _tell_owners(
    session: AsyncSession, *, household: Household, joined: Resident, now: datetime
) -> None:
    """The household's owners hear of every new member, with a way to remove them."""
    owners = await session.scalars(
        select(Resident)
        .options(selectinload(Resident.identity))
        .where(
            Resident.household_id == household.id,
            Resident.active.is_(True),
            Resident.role == ResidentRole.owner,
            Resident.id != joined.id,
        )
    )
    for owner in owners:
        await outbox.enqueue(
            session,
            to=_recipient(owner.identity),
            notice="household.member_joined",
            now=now,
            kind=OutboxKind.alert,
            data={
                **address_of(household),
                "name": joined.name or "",
                "role": joined.role.value,
                "resident_id": joined.id,
            },
        )


# --- phone numbers and staff approval ------------------------------------------------------


async def bind_by_phone(
    session: AsyncSession, *, identity: ChatIdentity, phone: str, now: datetime
) -> list[Resident]:
    """Bind the sender to every household whose roster owner has this (their own) number.

    Returns the new memberships; an empty list means no household has this number.
    """
    households = list(
        await session.scalars(_household_query().where(Household.owner_phone == phone))
    )
    bound: list[Resident] = []
    already = 0
    for household in households:
        try:
            bound.append(
                await _bind(
                    session,
                    identity=identity,
                    household=household,
                    role=ResidentRole.owner,
                    via="phone",
                    now=now,
                    name=household.owner_name,
                    phone=phone,
                )
            )
        except DomainError as exc:
            if exc.key != "binding.already_member":
                raise
            already += 1
    if households and not bound and already:
        raise DomainError("binding.already_member", **address_of(households[0]))
    return bound


async def buildings_of(session: AsyncSession, community_id: int | None = None) -> list[Building]:
    """Buildings to choose from when asking staff for approval, in display order."""
    query = (
        select(Building)
        .options(selectinload(Building.community))
        .order_by(Building.community_id, Building.sort_key, Building.id)
    )
    if community_id is not None:
        query = query.where(Building.community_id == community_id)
    return list(await session.scalars(query))


async def units_of(session: AsyncSession, building_id: int) -> list[str]:
    rows = await session.scalars(
        select(Household.unit).where(Household.building_id == building_id).distinct()
    )
    return sorted(rows, key=_natural)


async def rooms_of(session: AsyncSession, building_id: int, unit: str) -> list[Household]:
    rows = await session.scalars(
        select(Household).where(Household.building_id == building_id, Household.unit == unit)
    )
    return sorted(rows, key=lambda h: _natural(h.room))


def _natural(text: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", text)
    return (int(digits) if digits else 0, text)


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
    household = await _household(session, household_id)
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
        to=_recipient(identity),
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
            await _bind(
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
            to=_recipient(request.identity),
            notice="binding.rejected",
            now=now,
            data=address_of(request.household),
        )
    return request


async def _update_request_alerts(
    session: AsyncSession, request: BindingRequest, *, now: datetime, staff_name: str | None
) -> None:
    """Edit the request's alert in every staff group to show the decision, without buttons."""
    household = await _household(session, request.household_id)
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


# --- household members and codes ----------------------------------------------------------


async def members(session: AsyncSession, household_id: int) -> list[Resident]:
    rows = await session.scalars(
        select(Resident)
        .where(Resident.household_id == household_id, Resident.active.is_(True))
        .order_by(Resident.bound_at, Resident.id)
    )
    return list(rows)


async def remove_member(
    session: AsyncSession,
    *,
    owner: Resident | None,
    actor: ChatIdentity,
    resident_id: int,
    now: datetime,
) -> Resident:
    """An owner removes another member of their own household."""
    target = await session.scalar(
        select(Resident)
        .options(
            selectinload(Resident.identity),
            selectinload(Resident.household)
            .selectinload(Household.building)
            .selectinload(Building.community),
        )
        .where(Resident.id == resident_id)
    )
    allowed = (
        owner is not None
        and owner.active
        and owner.role == ResidentRole.owner
        and target is not None
        and target.household_id == owner.household_id
        and target.id != owner.id
    )
    if not allowed:
        audit.record(
            session,
            now=now,
            action="household.remove_member",
            actor_kind="resident",
            actor_id=actor.id,
            subject_type="resident",
            subject_id=resident_id,
            outcome="refused",
        )
        raise NotAllowed("household.remove_not_allowed")
    assert target is not None
    if not target.active:
        raise DomainError("household.already_removed")
    target.active, target.removed_at = False, now
    audit.record(
        session,
        now=now,
        action="household.remove_member",
        actor_kind="resident",
        actor_id=actor.id,
        subject_type="resident",
        subject_id=target.id,
    )
    await outbox.enqueue(
        session,
        to=_recipient(target.identity),
        notice="household.you_were_removed",
        now=now,
        data=address_of(target.household),
    )
    return target


async def rotate_code(
    session: AsyncSession,
    *,
    household_id: int,
    now: datetime,
    actor_kind: str,
    actor_id: int | None = None,
    staff: Staff | None = None,
) -> str:
    """Issue a new binding code; the old one stops working. Members stay bound."""
    household = await _household(session, household_id)
    if actor_kind == "staff" and not may(staff, Action.rotate_code, household):
        audit.record(
            session,
            now=now,
            action="household.rotate_code",
            actor_kind=actor_kind,
            actor_id=actor_id,
            subject_type="household",
            subject_id=household.id,
            outcome="refused",
        )
        raise NotAllowed("staff.not_allowed")
    household.binding_code = await unique_code(session)
    household.code_issued_at = now
    audit.record(
        session,
        now=now,
        action="household.rotate_code",
        actor_kind=actor_kind,
        actor_id=actor_id,
        subject_type="household",
        subject_id=household.id,
    )
    return household.binding_code


async def unique_code(session: AsyncSession) -> str:
    """A code no household has (collisions are astronomically rare; checked anyway)."""
    while True:
        code = new_code()
        taken = await session.scalar(
            select(func.count()).select_from(Household).where(Household.binding_code == code)
        )
        if not taken:
            return code


async def address_for(session: AsyncSession, household_id: int) -> dict[str, str] | None:
    household = await session.scalar(_household_query().where(Household.id == household_id))
    return address_of(household) if household else None
