"""Staff members and staff groups, as an administrator registers them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, Community, Staff, StaffGroup, StaffRole
from services import audit
from services.errors import NotFound
from services.permissions import in_scope

GROUP_PURPOSES = ("dispatch", "managers", "repairs", "complaints", "stewards")


async def community_named(session: AsyncSession, name: str | None) -> Community | None:
    if not name:
        return None
    community = await session.scalar(select(Community).where(Community.name == name))
    if community is None:
        raise NotFound("community.unknown", name=name)
    return community


async def building_ids(
    session: AsyncSession, community: Community | None, names: list[str]
) -> list[int] | None:
    if not names:
        return None
    if community is None:
        raise NotFound("community.required_for_buildings")
    ids = []
    for name in names:
        building_id = await session.scalar(
            select(Building.id).where(Building.community_id == community.id, Building.name == name)
        )
        if building_id is None:
            raise NotFound("building.unknown", name=name)
        ids.append(building_id)
    return ids


def looks_after(staff: Staff, building: Building) -> bool:
    """Staff given this building to look after: by name on their list, or the whole estate.
    Staff with no estate at all (the company's) look after everything and nothing in particular."""
    if staff.building_ids:
        return in_scope(staff, community_id=building.community_id, building_id=building.id)
    return staff.community_id == building.community_id


async def stewards_of(session: AsyncSession, building: Building) -> list[str]:
    """The names of the stewards (管家) who look after this building: "my steward"."""
    stewards = await session.scalars(
        select(Staff)
        .where(Staff.active.is_(True), Staff.role == StaffRole.steward)
        .order_by(Staff.id)
    )
    return [s.name for s in stewards if looks_after(s, building)]


async def add_staff(
    session: AsyncSession,
    *,
    external_id: str,
    name: str,
    role: StaffRole,
    now: datetime,
    community: str | None = None,
    buildings: list[str] | None = None,
    channel: str = "telegram",
) -> tuple[Staff, bool]:
    """Add or update a staff member. Returns (staff, created)."""
    scope = await community_named(session, community)
    building_list = await building_ids(session, scope, buildings or [])
    staff = await session.scalar(
        select(Staff).where(Staff.channel == channel, Staff.external_id == external_id)
    )
    created = staff is None
    if staff is None:
        staff = Staff(
            channel=channel, external_id=external_id, created_at=now, name=name, role=role
        )
        session.add(staff)
    staff.name, staff.role, staff.active = name, role, True
    staff.community_id = scope.id if scope else None
    staff.building_ids = building_list
    await session.flush()
    audit.record(
        session,
        now=now,
        action="staff.add" if created else "staff.update",
        actor_kind="cli",
        subject_type="staff",
        subject_id=staff.id,
        role=role.value,
    )
    return staff, created


async def add_group(
    session: AsyncSession,
    *,
    chat_id: str,
    purpose: str,
    now: datetime,
    title: str | None = None,
    community: str | None = None,
    categories: list[str] | None = None,
    buildings: list[str] | None = None,
    channel: str = "telegram",
    forum: bool | None = None,
) -> tuple[StaffGroup, bool]:
    """Register a staff group chat for a purpose within a scope. Returns (group, created).

    `forum`: the group has topics enabled, so each ticket gets a topic of its own (None
    keeps what is known: the bot also learns it from the group's messages)."""
    if purpose not in GROUP_PURPOSES:
        raise NotFound("group.unknown_purpose", purpose=purpose)
    scope = await community_named(session, community)
    building_list = await building_ids(session, scope, buildings or [])
    group = await session.scalar(
        select(StaffGroup).where(StaffGroup.channel == channel, StaffGroup.chat_id == chat_id)
    )
    created = group is None
    if group is None:
        group = StaffGroup(channel=channel, chat_id=chat_id, created_at=now, purpose=purpose)
        session.add(group)
    group.purpose, group.title, group.active = purpose, title or group.title, True
    group.community_id = scope.id if scope else None
    group.categories = categories or None
    group.building_ids = building_list
    if forum is not None:
        group.is_forum = forum
    await session.flush()
    audit.record(
        session,
        now=now,
        action="group.add" if created else "group.update",
        actor_kind="cli",
        subject_type="staff_group",
        subject_id=group.id,
        purpose=purpose,
    )
    return group, created


async def migrate_group(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> bool:
    """A group became a supergroup with a new id: follow it. True when a group was updated."""
    group = await session.scalar(
        select(StaffGroup).where(StaffGroup.channel == channel, StaffGroup.chat_id == old_chat_id)
    )
    if group is None:
        return False
    clash = await session.scalar(
        select(StaffGroup).where(StaffGroup.channel == channel, StaffGroup.chat_id == new_chat_id)
    )
    if clash is not None:
        group.active = False
        return True
    group.chat_id = new_chat_id
    return True


async def is_staff_group(
    session: AsyncSession, *, chat_id: str, channel: str = "telegram"
) -> bool:
    """Whether the chat is one of the active staff groups."""
    found = await session.scalar(
        select(StaffGroup.id).where(
            StaffGroup.channel == channel,
            StaffGroup.chat_id == chat_id,
            StaffGroup.active.is_(True),
        )
    )
    return found is not None


async def learn_forum(
    session: AsyncSession, *, chat_id: str, is_forum: bool, channel: str = "telegram"
) -> None:
    """A group's messages say whether it has topics: keep its staff group in step."""
    await session.execute(
        update(StaffGroup)
        .where(
            StaffGroup.channel == channel,
            StaffGroup.chat_id == chat_id,
            StaffGroup.is_forum != is_forum,
        )
        .values(is_forum=is_forum)
    )
