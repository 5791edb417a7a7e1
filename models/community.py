"""The grid: community (小区) → building (楼栋) → household (room)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin


class Community(IdMixin, Base):
    __tablename__ = "communities"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the configured default
    hotline: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]

    buildings: Mapped[list[Building]] = relationship(back_populates="community")


class Building(IdMixin, Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    community_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(40))  # "3栋"
    sort_key: Mapped[int] = mapped_column(default=0)

    community: Mapped[Community] = relationship(back_populates="buildings")


class Household(IdMixin, Base):
    """A room. The roster owner (from the import) is how a shared phone number is matched."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)

    building_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str] = mapped_column(String(20), default="")  # "" when the building has no units
    room: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    owner_name: Mapped[str | None] = mapped_column(String(100))
    owner_phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    binding_code: Mapped[str] = mapped_column(String(16), unique=True)
    code_issued_at: Mapped[datetime]

    building: Mapped[Building] = relationship()


class RetiredCode(IdMixin, Base):
    """A binding code its household no longer has (a new one was issued), so that someone
    who types it is told it was replaced, not that they mistyped it."""

    __tablename__ = "retired_codes"

    code: Mapped[str] = mapped_column(String(16), index=True)
    household_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime]
