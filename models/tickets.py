"""Repairs (报修) and complaints (投诉): tickets, their history, media and numbering."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin
from models.community import Building, Household
from models.people import _enum


class TicketKind(enum.StrEnum):
    repair = "repair"
    complaint = "complaint"


class TicketStatus(enum.StrEnum):
    new = "new"
    accepted = "accepted"
    assigned = "assigned"
    in_progress = "in_progress"
    done = "done"
    closed = "closed"
    rejected = "rejected"
    cancelled = "cancelled"
    reopened = "reopened"


WORK_NOTE_MAX = 500  # tickets.work_note is VARCHAR(500)
REJECT_REASON_MAX = 300  # tickets.reject_reason
RATING_COMMENT_MAX = 500  # tickets.rating_comment

OPEN_STATUSES = (
    TicketStatus.new,
    TicketStatus.accepted,
    TicketStatus.assigned,
    TicketStatus.in_progress,
    TicketStatus.reopened,
)


# A ticket past these takes no more words from its resident (a finished one awaiting its
# stars still does: "it leaks again" belongs to it).
CLOSED_TO_MESSAGES = (TicketStatus.closed, TicketStatus.cancelled, TicketStatus.rejected)

OPEN_SQL = text("status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")")


class Urgency(enum.StrEnum):
    normal = "normal"
    urgent = "urgent"


class TicketCounter(Base):
    """The last ticket number used in an estate; incremented under a row lock."""

    __tablename__ = "ticket_counters"

    community_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Ticket(IdMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("community_id", "seq"),
        Index("ix_tickets_household_created", "household_id", "created_at"),
        # /tickets pages by id within a household; /queue walks open tickets oldest first.
        # Partial indexes over open tickets keep /queue an index scan at millions of closed
        # ones (bench/tickets/: p99 from ~350 ms to < 8 ms at 1,000,000 tickets).
        Index("ix_tickets_household_id", "household_id", "id"),
        Index(
            "ix_tickets_open_queue",
            "community_id",
            "created_at",
            "id",
            postgresql_where=OPEN_SQL,
            sqlite_where=OPEN_SQL,
        ),
        Index(
            "ix_tickets_open_created",
            "created_at",
            "id",
            postgresql_where=OPEN_SQL,
            sqlite_where=OPEN_SQL,
        ),
        Index(
            "ix_tickets_assignee",
            "assignee_id",
            postgresql_where=text("assignee_id IS NOT NULL"),
            sqlite_where=text("assignee_id IS NOT NULL"),
        ),
        Index("ix_tickets_sla", "status", "accept_by"),
        Index("ix_tickets_building", "building_id"),
        Index("ix_tickets_reporter", "reporter_id"),
    )

    community_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("communities.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(20), index=True)  # BX-0001234 / TS-0000042
    kind: Mapped[TicketKind] = mapped_column(_enum(TicketKind))
    category: Mapped[str] = mapped_column(String(30))
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.new)
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency), default=Urgency.normal)
    household_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="SET NULL")
    )
    building_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("buildings.id", ondelete="SET NULL")
    )
    reporter_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="SET NULL")
    )
    anonymous: Mapped[bool] = mapped_column(default=False)  # staff never see who or where from
    location: Mapped[str] = mapped_column(String(20), default="home")  # home | public
    place: Mapped[str | None] = mapped_column(String(200))  # a public place, described
    description: Mapped[str] = mapped_column(Text, default="")
    visit_window: Mapped[str | None] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    duplicate_of: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    accept_by: Mapped[datetime | None]
    finish_by: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(REJECT_REASON_MAX))
    # What the technician says was done, with "done"; the resident is told it (a new finish
    # after a reopen says it afresh).
    work_note: Mapped[str | None] = mapped_column(String(WORK_NOTE_MAX))
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(RATING_COMMENT_MAX))
    reopen_count: Mapped[int] = mapped_column(default=0)

    household: Mapped[Household | None] = relationship()
    building: Mapped[Building | None] = relationship()


class TicketEvent(IdMixin, Base):
    """Every change and message on a ticket: who, when, from which status to which."""

    __tablename__ = "ticket_events"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(20))  # resident | staff | system
    actor_staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    actor_identity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("chat_identities.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)  # staff-only remark
    details: Mapped[dict[str, Any]]


class TicketMedia(IdMixin, Base):
    """A photo, voice note or file on a ticket, kept as the channel's file id plus metadata."""

    __tablename__ = "ticket_media"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # photo | voice | document
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    by: Mapped[str] = mapped_column(String(10))  # resident | staff
    duration: Mapped[int | None]
    created_at: Mapped[datetime]


class TicketTopic(Base):
    """A ticket's own forum topic in a staff group (groups with topics enabled).

    The topic's thread id is known once the sender has created it: it is kept with the
    other message refs, under `ticket:<ticket>:topic:<group>` (services/tickets/topics.py).
    """

    __tablename__ = "ticket_topics"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff_groups.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # closed with the ticket; reopened with it
