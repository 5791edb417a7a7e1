"""What an owner does for their household from the chat: remove a member, and give the home a
new binding code. Each is refused (and audited) for anyone but an active owner of that home,
whatever the button said. Staff may give a home a new code too (office_renews_code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import Building, ChatIdentity, Household, Resident, ResidentRole, Staff
from services import audit, outbox
from services.errors import DomainError, NotAllowed
from services.identities import Person, address_of, load_person
from services.onboarding.codes import rotate_code
from services.onboarding.homes import load_household, recipient_of


@dataclass(frozen=True, slots=True)
class Removal:
    resident: Resident
    new_code: str | None  # the home's new binding code, when the member's way in was the old


def _is_owner(resident: Resident | None) -> bool:
    return resident is not None and resident.active and resident.role == ResidentRole.owner


async def remove_member(
    session: AsyncSession,
    *,
    owner: Resident | None,
    actor: ChatIdentity,
    resident_id: int,
    now: datetime,
) -> Removal:
    """An owner removes another member of their own household.

    A member who came in with the binding code still knows it, and the code binds whoever
    types it: removed without a new code, a stranger the owner has just removed could join
    again a moment later. So their removal retires the code, and the owner is given the new
    one. Members bound by the roster's phone or by staff approval never needed it."""
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
        _is_owner(owner)
        and target is not None
        and owner is not None
        and target.household_id == owner.household_id
        and target.id != owner.id
    )
    if not allowed:
        _refused(session, "household.remove_member", actor, "resident", resident_id, now)
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
    await session.flush()
    left = await load_person(session, target.identity)  # with the homes they still have
    await outbox.enqueue(
        session,
        to=recipient_of(target.identity),
        notice="household.you_were_removed",
        now=now,
        # their menu changes with it: a newcomer's, unless they have another home or a job
        data={**address_of(target.household), "kind": left.kind},
    )
    new_code = None
    if target.bound_via == "code":
        new_code = await rotate_code(
            session,
            household_id=target.household_id,
            now=now,
            actor_kind="resident",
            actor_id=actor.id,
        )
    return Removal(target, new_code)


async def renew_code(
    session: AsyncSession, *, person: Person, resident_id: int, now: datetime
) -> str:
    """An owner gives their home a new binding code (one they gave out went to the wrong
    person, say): the old one stops working; members stay. `resident_id` is the owner's own
    membership of that home."""
    owner = next((r for r in person.residencies if r.id == resident_id), None)
    if owner is None or not _is_owner(owner):
        _refused(session, "household.rotate_code", person.identity, "resident", resident_id, now)
        raise NotAllowed("household.not_owner")
    return await rotate_code(
        session,
        household_id=owner.household_id,
        now=now,
        actor_kind="resident",
        actor_id=person.identity.id,
    )


def _refused(
    session: AsyncSession,
    action: str,
    actor: ChatIdentity,
    subject_type: str,
    subject_id: int,
    now: datetime,
) -> None:
    audit.record(
        session,
        now=now,
        action=action,
        actor_kind="resident",
        actor_id=actor.id,
        subject_type=subject_type,
        subject_id=subject_id,
        outcome="refused",
    )


async def office_renews_code(
    session: AsyncSession,
    *,
    staff: Staff | None,
    identity: ChatIdentity,
    household_id: int,
    now: datetime,
) -> str:
    """Staff give a home a new binding code (an owner rang: the code reached the wrong
    person). Refused and audited unless their role and scope allow it; the home's owners are
    told the new code, as it is theirs to hand out."""
    code = await rotate_code(
        session,
        household_id=household_id,
        now=now,
        actor_kind="staff",
        actor_id=identity.id,
        staff=staff,
    )
    household = await load_household(session, household_id)
    owners = await session.scalars(
        select(Resident)
        .options(selectinload(Resident.identity))
        .where(
            Resident.household_id == household_id,
            Resident.active.is_(True),
            Resident.role == ResidentRole.owner,
        )
    )
    for owner in owners:
        await outbox.enqueue(
            session,
            to=recipient_of(owner.identity),
            notice="household.code_renewed_by_office",
            now=now,
            data={**address_of(household), "code": code},
        )
    return code
