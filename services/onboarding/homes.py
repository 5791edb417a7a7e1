"""Finding homes: a household with its address, and the building → unit → room lists."""

from __future__ import annotations

import re
import unicodedata

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


async def home_from_words(session: AsyncSession, text: str) -> Household | None:
    """The one home an address typed by hand names ("3栋2单元302", "3-2-302", "3号楼 302"):
    building, unit and room numbers in that order (the unit may be left out when the room
    number alone is enough). None when it names no home, or several (the same address in two
    estates: the buttons ask)."""
    numbers = [
        n.lstrip("0") or "0" for n in re.findall(r"\d+", unicodedata.normalize("NFKC", text))
    ]
    if len(numbers) not in (2, 3) or len(text) > 40:
        return None
    building, room = numbers[0], numbers[-1]
    unit = numbers[1] if len(numbers) == 3 else None
    buildings = [b.id for b in await buildings_of(session) if _number(b.name) == building]
    if not buildings:
        return None
    candidates = await session.scalars(
        household_query().where(
            Household.building_id.in_(buildings), Household.room.contains(room)
        )
    )
    found = [
        h
        for h in candidates
        if _number(h.room) == room and (unit is None or _number(h.unit) == unit)
    ]
    return found[0] if len(found) == 1 else None


def _number(name: str) -> str:
    """'3栋' → '3', '02单元' → '2', '302室' → '302'; '' when there is no number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", name))
    return digits.lstrip("0") or ("0" if digits else "")


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
