"""Announcements (通知): what was said, to whom, when, and who acknowledged it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.people import _enum


class BroadcastStatus(enum.StrEnum):
    scheduled = "scheduled"  # waiting for its time (or for quiet hours to end)
    sending = "sending"  # recipients are in the outbox
    sent = "sent"  # nothing left pending
    cancelled = "cancelled"


class Broadcast(IdMixin, Base):
    """One announcement. Its recipients are outbox rows whose `source` is `broadcast:<id>`."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_community_created", "community_id", "created_at"),)

    community_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(40))  # rendered per reader's language
    fields: Mapped[dict[str, Any]]  # the template's filled-in fields
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    document_file_id: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[dict[str, Any]]  # an audience spec, see services/audience.py
    urgent: Mapped[bool] = mapped_column(default=False)
    ack_required: Mapped[bool] = mapped_column(default=False)
    send_at: Mapped[datetime]  # when it may go (after quiet hours for non-urgent ones)
    expires_at: Mapped[datetime | None]
    status: Mapped[BroadcastStatus] = mapped_column(
        _enum(BroadcastStatus), default=BroadcastStatus.scheduled
    )
    recipients: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    creator_chat_id: Mapped[str | None] = mapped_column(String(64))  # where progress is shown
    created_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    last_progress: Mapped[dict[str, Any] | None]


class BroadcastAck(IdMixin, Base):
    """A resident pressed “Got it” on an announcement."""

    __tablename__ = "broadcast_acks"
    __table_args__ = (UniqueConstraint("broadcast_id", "identity_id"),)

    broadcast_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]


class DeliveryWorker(Base):
    """A running sender and its heartbeat; rows claimed by a silent worker are taken back."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)
