"""Housekeeping forgets what is only needed for a while, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import MessageRef
from models.db import Database
from services import maintenance

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_messages_kept_only_for_replies_are_forgotten_after_ninety_days(
    db: Database,
) -> None:
    old, recent = NOW - timedelta(days=91), NOW - timedelta(days=89)
    refs = {
        "ticket:1:told:aa": old,  # what the office told a resident, long ago: forgotten
        "ticket:1:said:7:bb": old,  # a resident's words passed on, long ago: forgotten
        "ticket:2:told:cc": recent,
        "ticket:1:alert:7": old,  # edited for as long as its ticket lives: kept
        "ticket:1:rating-invitation": old,
    }
    async with db.sessions() as session:
        for number, (key, at) in enumerate(refs.items(), start=1):
            session.add(MessageRef(key=key, chat_id="10001", message_id=number, updated_at=at))
        await session.commit()
        counts = await maintenance.prune(session, now=NOW)
        await session.commit()
        kept = set(await session.scalars(select(MessageRef.key)))
    assert counts["reply_refs"] == 2
    assert kept == {"ticket:2:told:cc", "ticket:1:alert:7", "ticket:1:rating-invitation"}
