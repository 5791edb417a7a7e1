"""A resident's words after their stars.

The stars are recorded the moment they are pressed (lifecycle.act with Action.rate closes the
ticket): a resident who walks away before writing a comment, or never taps "Skip", has still
rated. The comment may follow, once, and joins the rating on the ticket and in its history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Ticket, TicketEvent, TicketStatus
from services import audit
from services.errors import DomainError, NotAllowed
from services.identities import Person
from services.tickets import notify, rules
from services.tickets.lifecycle import load

COMMENT_MAX = rules.COMMENT_MAX


async def add_comment(
    session: AsyncSession, *, ticket_id: int, person: Person, comment: str, now: datetime
) -> Ticket:
    """Add the comment to a rating the household gave; refused for anyone else, or twice."""
    ticket = await load(session, ticket_id)
    if not any(r.household_id == ticket.household_id for r in person.residencies):
        audit.record(
            session,
            now=now,
            action="ticket.rating_comment",
            actor_kind="resident",
            actor_id=person.identity.id,
            subject_type="ticket",
            subject_id=ticket.id,
            outcome="refused",
        )
        raise NotAllowed("ticket.not_allowed")
    text = comment.strip()
    if not text:
        raise DomainError("ticket.empty")
    if len(text) > COMMENT_MAX:  # refused whole, never cut: they may say it shorter
        raise DomainError("ticket.too_long", max=COMMENT_MAX)
    if ticket.status != TicketStatus.closed or ticket.rating is None or ticket.rating_comment:
        raise DomainError("ticket.illegal", number=ticket.number, status=ticket.status.value)
    ticket.rating_comment, ticket.updated_at = text, now
    rated = await session.scalar(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "rate")
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    if rated is not None and not rated.note:
        rated.note = text  # the history shows the stars with their words, as if said together
    audit.record(
        session,
        now=now,
        action="ticket.rating_comment",
        actor_kind="resident",
        actor_id=person.identity.id,
        subject_type="ticket",
        subject_id=ticket.id,
    )
    await session.flush()
    await notify.alert_groups(session, ticket, now=now, first=False)
    return ticket
