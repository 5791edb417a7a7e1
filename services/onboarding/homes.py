"""Finding homes: a household with its address, and the building → unit → room lists."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Building,
    ChatIdentity,
    Household,
)
from services.errors import NotFound
from services.identities import address_of
from services.outbox import Recipient


def household_query():  # type: ignore[no-untyped-def]
    return select(Household).options(
        selectinload(Household.building).selectinload(Building.community)
    )


async def load_household(session: AsyncSession, household_id: int) -> Household:
    household = await session.scalar(household_query().where(Household.id == household_id))
    if household is None:
        raise NotFound("binding.household_missing")
    return household


def recipient_of(identity: ChatIdentity) -> Recipient:
    return Recipient(
        chat_id=identity.external_id, identity_id=identity.id, channel=identity.channel
    )


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


async def unit_position(session: AsyncSession, household_id: int) -> tuple[int, int] | None:
    """The home's building id and its unit's place in `units_of` (to go back to that unit)."""
    household = await session.get(Household, household_id)
    if household is None:
        return None
    units = await units_of(session, household.building_id)
    return household.building_id, units.index(household.unit)


async def address_for(session: AsyncSession, household_id: int) -> dict[str, str] | None:
    household = await session.scalar(household_query().where(Household.id == household_id))
    return address_of(household) if household else None
