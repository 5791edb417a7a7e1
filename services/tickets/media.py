"""What a ticket carries besides words: photos, voice notes and documents, kept as Telegram
file ids with a little metadata (the web console fetches the files through the bot)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import TicketMedia


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
