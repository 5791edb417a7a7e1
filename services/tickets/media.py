"""What a ticket carries besides words: photos, voice notes and documents, kept as Telegram
file ids with a little metadata (the web console fetches the files through the bot)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Ticket, TicketMedia


@dataclass(frozen=True)
class MediaIn:
    kind: str  # photo | voice | document
    file_id: str
    file_unique_id: str | None = None
    duration: int | None = None


def attach(
    session: AsyncSession, ticket_id: int, media: Iterable[MediaIn], *, by: str, now: datetime
) -> None:
    """Keep these files with the ticket, as sent by the resident or by staff (`by`)."""
    for item in media:
        session.add(
            TicketMedia(
                ticket_id=ticket_id,
                kind=item.kind,
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                duration=item.duration,
                by=by,
                created_at=now,
            )
        )


async def work_photo(session: AsyncSession, ticket: Ticket) -> str | None:
    """A photo staff sent of the finished work, when the ticket was last marked done (not of
    an earlier finish, before it was reopened); the first of them."""
    if ticket.done_at is None:
        return None
    found: str | None = await session.scalar(
        select(TicketMedia.file_id)
        .where(
            TicketMedia.ticket_id == ticket.id,
            TicketMedia.by == "staff",
            TicketMedia.kind == "photo",
            TicketMedia.created_at >= ticket.done_at,
        )
        .order_by(TicketMedia.id)
        .limit(1)
    )
    return found
