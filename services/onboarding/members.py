"""Household members: binding a person (told to them and to the owners), binding by the
roster's phone number, listing members, switching between one's homes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    ChatIdentity,
    Household,
    OutboxKind,
    Resident,
    ResidentRole,
)
from services import audit, outbox
from services.errors import DomainError, NotAllowed
from services.identities import Person, address_of
from services.onboarding.homes import household_query, recipient_of


async def has_active_owner(session: AsyncSession, household_id: int) -> bool:
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


async def bind(
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
    identity.current_household_id = household.id  # a home just joined is the one in use
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
        to=recipient_of(identity),
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
            to=recipient_of(owner.identity),
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


async def bind_by_phone(
    session: AsyncSession, *, identity: ChatIdentity, phone: str, now: datetime
) -> list[Resident]:
    """Bind the sender to every household whose roster owner has this (their own) number.

    Returns the new memberships; an empty list means no household has this number.
    """
    households = list(
        await session.scalars(household_query().where(Household.owner_phone == phone))
    )
    bound: list[Resident] = []
    already = 0
    for household in households:
        try:
            bound.append(
                await bind(
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


async def members(session: AsyncSession, household_id: int) -> list[Resident]:
    rows = await session.scalars(
        select(Resident)
        .where(Resident.household_id == household_id, Resident.active.is_(True))
        .order_by(Resident.bound_at, Resident.id)
    )
    return list(rows)


def switch_home(
    session: AsyncSession, *, person: Person, resident_id: int, now: datetime
) -> Resident:
    """Make one of the person's own homes the one in use; refused (and audited) for a
    membership that is not theirs, whatever the button said."""
    chosen = next((r for r in person.residencies if r.id == resident_id), None)
    if chosen is None:
        audit.record(
            session,
            now=now,
            action="household.switch",
            actor_kind="resident",
            actor_id=person.identity.id,
            subject_type="resident",
            subject_id=resident_id,
            outcome="refused",
        )
        raise NotAllowed("household.not_yours")
    person.identity.current_household_id = chosen.household_id
    return chosen
