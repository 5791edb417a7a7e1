"""A ticket's own topic in each staff group that is a forum (topics enabled).

Services never call the Bot API: the topic is asked for through the outbox like any message,
with a row whose ref key `ticket:<id>:topic:<group>` will hold the topic's thread id once the
sender has made it. The ticket's alert, its photos and the resident's follow-ups in that
group name the ref as their `thread_ref`, so they wait for the topic and land inside it; a
staff message in the topic finds its ticket through the same ref (queries.ticket_for_alert).

The topic is named after the ticket's number and category only — never who filed it or
where from, so an anonymous complaint stays anonymous in the topic list too. It closes with
the ticket (closed, rejected, cancelled) and reopens when the resident reopens the ticket.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxKind, StaffGroup, Ticket, TicketStatus, TicketTopic
from services import outbox
from services.outbox import CLOSE_TOPIC, NEW_TOPIC, REOPEN_TOPIC, Recipient

ENDED = frozenset({TicketStatus.closed, TicketStatus.rejected, TicketStatus.cancelled})


def topic_key(ticket_id: int, group_id: int) -> str:
    """The message ref that holds the thread id of the ticket's topic in a group."""
    return f"ticket:{ticket_id}:topic:{group_id}"


def _name_data(ticket: Ticket) -> dict[str, str]:
    # What the topic's name is rendered from (in the group's language, when it is sent).
    return {"number": ticket.number, "kind": ticket.kind.value, "category": ticket.category}


async def open_topic(
    session: AsyncSession, ticket: Ticket, group: StaffGroup, *, now: datetime
) -> str:
    """Ask for the ticket's topic in a forum group; returns the ref its messages go into."""
    session.add(TicketTopic(ticket_id=ticket.id, group_id=group.id, created_at=now))
    key = topic_key(ticket.id, group.id)
    await outbox.enqueue(
        session,
        to=Recipient(chat_id=group.chat_id, channel=group.channel),
        notice="ticket.topic",
        now=now,
        kind=OutboxKind.alert,  # the same priority as the alert, so it is made first
        data=_name_data(ticket),
        op=NEW_TOPIC,
        ref_key=key,
    )
    return key


async def topic_refs(session: AsyncSession, ticket_id: int) -> dict[int, str]:
    """The ticket's topics: group id → the ref of the topic's thread."""
    groups = await session.scalars(
        select(TicketTopic.group_id).where(TicketTopic.ticket_id == ticket_id)
    )
    return {group_id: topic_key(ticket_id, group_id) for group_id in groups}


async def follow(session: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """Close the ticket's topics when it has ended; reopen them when it comes back."""
    ended = ticket.status in ENDED
    for topic in await session.scalars(
        select(TicketTopic).where(TicketTopic.ticket_id == ticket.id)
    ):
        if ended == (topic.closed_at is not None):
            continue  # already as it should be
        group = await session.get(StaffGroup, topic.group_id)
        if group is None:
            continue
        topic.closed_at = now if ended else None
        # Enqueued after the alert's last edit (same priority), so the topic closes last.
        await outbox.enqueue(
            session,
            to=Recipient(chat_id=group.chat_id, channel=group.channel),
            notice="ticket.topic",
            now=now,
            kind=OutboxKind.alert,
            data=_name_data(ticket),
            op=CLOSE_TOPIC if ended else REOPEN_TOPIC,
            target_ref=topic_key(ticket.id, group.id),
        )
