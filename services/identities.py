"""Who is writing: chat identities, their households, their staff record, their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import Building, ChatIdentity, Household, Resident, Staff
from models.community import Community

SEEN_RESOLUTION = timedelta(minutes=5)  # last_seen_at is not rewritten on every update


@dataclass
class Person:
    """What handlers need to know about the sender, loaded once per update."""

    identity: ChatIdentity
    residencies: list[Resident] = field(default_factory=list)
    staff: Staff | None = None

    @property
    def resident(self) -> Resident | None:
        """The household membership in use: the most recently bound one."""
        return self.residencies[0] if self.residencies else None


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
        identity = ChatIdentity(
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            platform_language=platform_language,
            created_at=now,
            last_seen_at=now,
            blocked=False,
        )
        session.add(identity)
        await session.flush()
        return identity
    if identity.blocked:  # they wrote to us again, so they unblocked the bot
        identity.blocked, identity.blocked_at = False, None
    if display_name and identity.display_name != display_name:
        identity.display_name = display_name
    if platform_language and identity.platform_language != platform_language:
        identity.platform_language = platform_language
    if identity.last_seen_at is None or now - identity.last_seen_at > SEEN_RESOLUTION:
        identity.last_seen_at = now
    return identity


async def load_person(session: AsyncSession, identity: ChatIdentity) -> Person:
    """The identity with its active household memberships (newest first) and staff record."""
    residencies = await session.scalars(
        select(Resident)
        .where(Resident.identity_id == identity.id, Resident.active.is_(True))
        .options(
            # One query with joins: this runs on every update.
            joinedload(Resident.household)
            .joinedload(Household.building)
            .joinedload(Building.community)
        )
        .order_by(Resident.bound_at.desc(), Resident.id.desc())
    )
    staff = await session.scalar(
        select(Staff).where(
            Staff.channel == identity.channel,
            Staff.external_id == identity.external_id,
            Staff.active.is_(True),
        )
    )
    return Person(identity=identity, residencies=list(residencies), staff=staff)


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
