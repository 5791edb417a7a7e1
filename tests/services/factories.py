"""Small builders of test data, through the real services where one exists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, ChatIdentity, Community, Household, Resident, ResidentRole, Staff
from services import identities
from services.demo import seed_demo


async def estate(session: AsyncSession, now: datetime) -> Community:
    await seed_demo(session, now=now)
    community = await session.scalar(select(Community))
    assert community is not None
    return community


async def resident(
    session: AsyncSession,
    *,
    telegram_id: int,
    building: str,
    unit: str,
    room: str,
    now: datetime,
    role: ResidentRole = ResidentRole.owner,
) -> Resident:
    """A person bound to a household (as if they had confirmed a code)."""
    identity = await identities.touch(
        session, external_id=str(telegram_id), now=now, display_name=f"居民{telegram_id}"
    )
    household = await session.scalar(
        select(Household)
        .join(Building)
        .where(Building.name == building, Household.unit == unit, Household.room == room)
    )
    assert household is not None
    member = Resident(
        household_id=household.id,
        identity_id=identity.id,
        role=role,
        name=identity.display_name,
        bound_via="code",
        active=True,
        bound_at=now,
    )
    session.add(member)
    await session.flush()
    return member


async def staff_member(
    session: AsyncSession, telegram_id: int, now: datetime
) -> tuple[Staff, ChatIdentity]:
    staff = await session.scalar(select(Staff).where(Staff.external_id == str(telegram_id)))
    assert staff is not None
    identity = await identities.touch(
        session, external_id=str(telegram_id), now=now, display_name=staff.name
    )
    return staff, identity
