"""People: chat identities, residents bound to households, staff and their groups."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin
from models.community import Household


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings (no native PG enum), so adding a value needs no migration trick.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ChatIdentity(IdMixin, Base):
    """One person (or group) on one channel. Telegram: external_id is the user/chat id."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(10))  # chosen with /lang
    platform_language: Mapped[str | None] = mapped_column(String(16))  # e.g. Telegram's "en-US"
    blocked: Mapped[bool] = mapped_column(default=False)
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    # The home in use for someone linked to several (none: the one linked last); see Person.
    current_household_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="SET NULL")
    )


class ResidentRole(enum.StrEnum):
    owner = "owner"
    family = "family"
    tenant = "tenant"


class Resident(IdMixin, Base):
    """A chat identity bound to a household. Removal keeps the row (history, audit)."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("household_id", "identity_id"),)

    household_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ResidentRole] = mapped_column(_enum(ResidentRole))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    bound_via: Mapped[str] = mapped_column(String(20))  # code | phone | approval
    active: Mapped[bool] = mapped_column(default=True)
    bound_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship()
    identity: Mapped[ChatIdentity] = relationship()


class StaffRole(enum.StrEnum):
    admin = "admin"
    manager = "manager"
    dispatcher = "dispatcher"
    steward = "steward"
    technician = "technician"
    grid_worker = "grid_worker"
    committee = "committee"


class Staff(IdMixin, Base):
    """A staff member, known by their chat account before they ever write to the bot."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole))
    community_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="SET NULL")
    )
    building_ids: Mapped[list[Any] | None]  # None: every building in scope
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class StaffGroup(IdMixin, Base):
    """A staff group chat and what it is for (dispatch, managers, …) within a scope."""

    __tablename__ = "staff_groups"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20))  # dispatch | managers | repairs | …
    community_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="SET NULL")
    )
    categories: Mapped[list[Any] | None]
    building_ids: Mapped[list[Any] | None]
    language: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # A forum (topics enabled): each ticket gets a topic of its own (`linli groups add
    # --forum`, or learned from the group's messages).
    is_forum: Mapped[bool] = mapped_column(default=False, server_default=false())


class RequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"


class BindingRequest(IdMixin, Base):
    """A resident whose phone is not on the roster asks staff to bind them to a household."""

    __tablename__ = "binding_requests"

    identity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="CASCADE")
    )
    role: Mapped[ResidentRole] = mapped_column(_enum(ResidentRole))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus), default=RequestStatus.pending
    )
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(200))

    household: Mapped[Household] = relationship()
    identity: Mapped[ChatIdentity] = relationship()


class CodeAttempt(IdMixin, Base):
    """Each binding-code try, so wrong guesses can be rate limited per person."""

    __tablename__ = "code_attempts"

    identity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(index=True)
    success: Mapped[bool]
