"""The durable outbox, message references for later edits, and processed updates."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.people import _enum


class OutboxKind(enum.StrEnum):
    reply = "reply"  # an answer to what a person just did
    alert = "alert"  # staff alerts
    reminder = "reminder"
    bulk = "bulk"  # announcements


# Lower goes first: interactive replies are never stuck behind a broadcast.
PRIORITY = {
    OutboxKind.reply: 0,
    OutboxKind.alert: 10,
    OutboxKind.reminder: 20,
    OutboxKind.bulk: 30,
}


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    blocked = "blocked"  # the recipient blocked the bot
    dead = "dead"  # gave up: listed for staff
    cancelled = "cancelled"


class OutboxMessage(IdMixin, Base):
    """What to tell whom: a notice name and its data, rendered per recipient when sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim", "status", "priority", "not_before", "id"),
        Index("ix_outbox_broadcast", "broadcast_id", "status"),
        Index("ix_outbox_identity_broadcast", "identity_id", "broadcast_id"),
    )

    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="SET NULL")
    )
    # send | edit | delete, or a forum topic's newtopic | closetopic | opentopic (bot/topics.py)
    op: Mapped[str] = mapped_column(String(10), default="send")
    notice: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]]
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind))
    priority: Mapped[int]
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    ref_key: Mapped[str | None] = mapped_column(String(120))  # remember the sent message id
    target_ref: Mapped[str | None] = mapped_column(String(120))  # edit/delete this ref
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Into a forum topic: by its id, or by the ref of the row that creates it (the row then
    # waits until the topic exists).
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_ref: Mapped[str | None] = mapped_column(String(120))
    not_before: Mapped[datetime]
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    broadcast_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    source: Mapped[str | None] = mapped_column(String(80))  # the job or feature that made it


class MessageRef(Base):
    """A sent message we may edit later (a staff alert that updates in place)."""

    __tablename__ = "message_refs"
    # A staff reply names only the message it answers: find what that message was about.
    __table_args__ = (Index("ix_message_refs_chat_message", "channel", "chat_id", "message_id"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Update ids already handled, so a redelivered update (polling or webhook) runs once."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class FsmRecord(Base):
    """Conversation state per chat/user, kept in the database so restarts lose nothing."""

    __tablename__ = "fsm_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
