"""Who is writing: chat identities, their households, their staff record, their language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from models import Building, ChatIdentity, Household, Resident, Staff, StaffRole
from models.community import Community
from models.prepared import Entities, Prepared

SEEN_RESOLUTION = timedelta(minutes=5)  # last_seen_at is not rewritten on every update


@dataclass
class Person:
    """What handlers need to know about the sender, loaded once per update."""

    identity: ChatIdentity
    residencies: list[Resident] = field(default_factory=list)
    staff: Staff | None = None

    @property
    def resident(self) -> Resident | None:
        """The household membership in use: the one chosen (someone linked to several homes
        switches in "My home"), else the most recently bound."""
        chosen = self.identity.current_household_id
        for residency in self.residencies:
            if residency.household_id == chosen:
                return residency
        return self.residencies[0] if self.residencies else None

    @property
    def kind(self) -> str:
        """What this person can do, which their menu shows: 'resident' (linked to a home),
        'manager' (staff who may send announcements), 'staff', or 'guest' (neither yet)."""
        if self.resident is not None:
            return "resident"
        if self.staff is None:
            return "guest"
        return "manager" if self.staff.role in MANAGERS else "staff"


MANAGERS = frozenset({StaffRole.manager, StaffRole.admin})


# The entities of `person_query()`, in its column order.
PERSON_ENTITIES = (ChatIdentity, Resident, Staff, Household, Building, Community)
PERSON_COLUMNS = len(PERSON_ENTITIES)


def person_query() -> Select[ChatIdentity, Resident, Staff, Household, Building, Community]:
    """One statement for who is writing: the identity, its active memberships (each with its
    household, building and community), its staff record.

    Parameters `channel` and `external_id`. One row per active membership, newest first (one
    row with no membership when there is none; no row when the identity does not exist yet).
    Build it once and reuse it: this runs on every update, and a statement object keeps its
    compiled form and cache key. Callers may add columns (and outer joins) after the first
    `PERSON_COLUMNS`. The entities are selected side by side rather than as an eager-loaded
    chain, and `person_from_rows` links them: so `PERSON` can make them from plain rows.
    """
    return (
        select(ChatIdentity, Resident, Staff, Household, Building, Community)  # PERSON_ENTITIES
        .outerjoin(
            Resident, and_(Resident.identity_id == ChatIdentity.id, Resident.active.is_(True))
        )
        .outerjoin(Household, Household.id == Resident.household_id)
        .outerjoin(Building, Building.id == Household.building_id)
        .outerjoin(Community, Community.id == Building.community_id)
        .outerjoin(
            Staff,
            and_(
                Staff.channel == ChatIdentity.channel,
                Staff.external_id == ChatIdentity.external_id,
                Staff.active.is_(True),
            ),
        )
        .where(
            ChatIdentity.channel == bindparam("channel"),
            ChatIdentity.external_id == bindparam("external_id"),
        )
        .order_by(Resident.bound_at.desc(), Resident.id.desc())
    )


# `person_query()` run straight on the driver, its rows made into the ORM's objects: it runs on
# every update (models/prepared.py says why).
PERSON = Entities(Prepared(person_query()), PERSON_ENTITIES)


def person_from_rows(rows: Sequence[Row[Any]] | Sequence[Sequence[Any]]) -> Person | None:
    """The Person in the rows of `person_query()`; None when there are no rows."""
    if not rows:
        return None
    first = rows[0]
    residencies = []
    for row in rows:
        resident, household, building, community = row[1], row[3], row[4], row[5]
        if resident is None:
            continue
        # As loaded together: reading resident.household.building.community needs no query.
        set_committed_value(building, "community", community)
        set_committed_value(household, "building", building)
        set_committed_value(resident, "household", household)
        residencies.append(resident)
    return Person(identity=first[0], residencies=residencies, staff=first[2])


def new_identity(
    *,
    channel: str,
    external_id: str,
    now: datetime,
    display_name: str | None,
    platform_language: str | None,
) -> ChatIdentity:
    return ChatIdentity(
        channel=channel,
        external_id=external_id,
        display_name=display_name,
        platform_language=platform_language,
        created_at=now,
        last_seen_at=now,
        blocked=False,
    )


def refresh(
    identity: ChatIdentity,
    *,
    now: datetime,
    display_name: str | None = None,
    platform_language: str | None = None,
) -> None:
    """Refresh what the platform says about a known identity (no write when nothing changed)."""
    if identity.blocked:  # they wrote to us again, so they unblocked the bot
        identity.blocked, identity.blocked_at = False, None
    if display_name and identity.display_name != display_name:
        identity.display_name = display_name
    if platform_language and identity.platform_language != platform_language:
        identity.platform_language = platform_language
    if identity.last_seen_at is None or now - identity.last_seen_at > SEEN_RESOLUTION:
        identity.last_seen_at = now


async def person_or_new(
    session: AsyncSession,
    person: Person | None,
    *,
    channel: str,
    external_id: str,
    now: datetime,
    display_name: str | None,
    platform_language: str | None,
) -> Person:
    """Refresh a found person, or create the identity of a first contact (and find their staff
    record: staff are known by their chat account before they ever write)."""
    if person is not None:
        refresh(
            person.identity,
            now=now,
            display_name=display_name,
            platform_language=platform_language,
        )
        return person
    identity = new_identity(
        channel=channel,
        external_id=external_id,
        now=now,
        display_name=display_name,
        platform_language=platform_language,
    )
    session.add(identity)
    await session.flush()
    return Person(identity=identity, residencies=[], staff=await _staff(session, identity))


async def touch(
    session: AsyncSession,
    *,
    external_id: str,
    now: datetime,
    display_name: str | None = None,
    platform_language: str | None = None,
    channel: str = "telegram",
) -> ChatIdentity:
    """Get or create the identity for (channel, external_id), refreshing what the platform says."""
    identity = await session.scalar(
        select(ChatIdentity).where(
            ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
        )
    )
    if identity is None:
        identity = new_identity(
            channel=channel,
            external_id=external_id,
            now=now,
            display_name=display_name,
            platform_language=platform_language,
        )
        session.add(identity)
        await session.flush()
        return identity
    refresh(identity, now=now, display_name=display_name, platform_language=platform_language)
    return identity


async def load_person(session: AsyncSession, identity: ChatIdentity) -> Person:
    """The identity with its active household memberships (newest first) and staff record."""
    residencies = await session.scalars(
        select(Resident)
        .where(Resident.identity_id == identity.id, Resident.active.is_(True))
        .options(
            joinedload(Resident.household)
            .joinedload(Household.building)
            .joinedload(Building.community)
        )
        .order_by(Resident.bound_at.desc(), Resident.id.desc())
    )
    return Person(
        identity=identity, residencies=list(residencies), staff=await _staff(session, identity)
    )


async def _staff(session: AsyncSession, identity: ChatIdentity) -> Staff | None:
    return await session.scalar(
        select(Staff).where(
            Staff.channel == identity.channel,
            Staff.external_id == identity.external_id,
            Staff.active.is_(True),
        )
    )


async def set_language(session: AsyncSession, *, identity: ChatIdentity, language: str) -> None:
    identity.language = language


async def mark_blocked(session: AsyncSession, *, identity_id: int, now: datetime) -> None:
    """The person blocked the bot: stop sending to them until they write again."""
    identity = await session.get(ChatIdentity, identity_id)
    if identity is not None and not identity.blocked:
        identity.blocked, identity.blocked_at = True, now


def address_of(household: Household) -> dict[str, str]:
    """The parts of an address, for notices to render in the reader's language."""
    building = household.building
    community: Community = building.community
    return {
        "community": community.name,
        "building": building.name,
        "unit": household.unit,
        "room": household.room,
    }
