"""A ticket's history: every step recorded with its actor, time and statuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import Ticket, TicketEvent, TicketStatus


def record(
    session: AsyncSession,
    ticket: Ticket,
    *,
    now: datetime,
    action: str,
    before: TicketStatus | None,
    actor_kind: str,
    staff_id: int | None = None,
    identity_id: int | None = None,
    note: str | None = None,
    internal: bool = False,
    details: dict[str, object] | None = None,
) -> None:
    """One step in the ticket's history: who did what, from which status to which."""
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            action=action,
            from_status=before.value if before else None,
            to_status=ticket.status.value,
            actor_kind=actor_kind,
            actor_staff_id=staff_id,
            actor_identity_id=identity_id,
            note=note,
            internal=internal,
            details=details or {},
        )
    )
