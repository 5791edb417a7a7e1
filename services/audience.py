"""Audiences: who an announcement (or, later, a reminder) goes to, as a query.

An audience is a small dataclass that knows how to select its recipients' chat identities.
It is stored as a spec (`{"kind": "buildings", ...}`) so a scheduled broadcast resolves its
audience when it is released. Later features register more kinds (households in arrears,
people signed up for an event) with `@audience`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, ChatIdentity, Household, Resident, Staff


class Audience(Protocol):
    kind: ClassVar[str]
    community_id: int

    def recipients(self) -> Select[int, str, str]:
        """SELECT identity id, channel, external id — one row per person."""
        ...


_KINDS: dict[str, type[Any]] = {}


def audience(cls: type[Any]) -> type[Any]:
    """Register an audience kind by its `kind`."""
    _KINDS[cls.kind] = cls
    return cls


def from_spec(spec: dict[str, Any]) -> Audience:
    data = dict(spec)
    kind = data.pop("kind", None)
    if kind not in _KINDS:
        raise ValueError(f"unknown audience kind {kind!r}")
    return _KINDS[kind](**data)  # type: ignore[no-any-return]


def to_spec(value: Audience) -> dict[str, Any]:
    return {"kind": value.kind, **asdict(value)}  # type: ignore[call-overload]


def _residents(*where: Any) -> Select[int, str, str]:
    return (
        select(ChatIdentity.id, ChatIdentity.channel, ChatIdentity.external_id)
        .join(Resident, and_(Resident.identity_id == ChatIdentity.id, Resident.active.is_(True)))
        .join(Household, Household.id == Resident.household_id)
        .join(Building, Building.id == Household.building_id)
        .where(*where)
        .distinct()
    )


@audience
@dataclass(frozen=True)
class Estate:
    """Every bound resident of one estate."""

    kind: ClassVar[str] = "estate"
    community_id: int

    def recipients(self) -> Select[int, str, str]:
        return _residents(Building.community_id == self.community_id)


@audience
@dataclass(frozen=True)
class Buildings:
    """Bound residents of some buildings of one estate."""

    kind: ClassVar[str] = "buildings"
    community_id: int
    building_ids: list[int] = field(default_factory=list)

    def recipients(self) -> Select[int, str, str]:
        return _residents(
            Building.community_id == self.community_id, Building.id.in_(self.building_ids)
        )


@audience
@dataclass(frozen=True)
class StaffOnly:
    """Staff of the estate (and company-wide staff) who have opened the bot."""

    kind: ClassVar[str] = "staff"
    community_id: int

    def recipients(self) -> Select[int, str, str]:
        return (
            select(ChatIdentity.id, ChatIdentity.channel, ChatIdentity.external_id)
            .join(
                Staff,
                and_(
                    Staff.channel == ChatIdentity.channel,
                    Staff.external_id == ChatIdentity.external_id,
                ),
            )
            .where(
                Staff.active.is_(True),
                (Staff.community_id == self.community_id) | Staff.community_id.is_(None),
            )
            .distinct()
        )


async def count(session: AsyncSession, value: Audience) -> int:
    """How many people the audience reaches now (shown before confirming)."""
    subquery = value.recipients().subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)
