"""Ticket numbers: sequential per estate, unique even when many are filed at once.

The counter row is incremented with a single UPDATE … RETURNING, which takes the row lock
on PostgreSQL (concurrent filers queue on it) and runs under SQLite's one writer.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import TicketCounter, TicketKind

PREFIX = {TicketKind.repair: "BX", TicketKind.complaint: "TS"}  # 报修, 投诉


async def next_seq(session: AsyncSession, community_id: int) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(TicketCounter)
        .values(community_id=community_id, last_seq=0)
        .on_conflict_do_nothing()
    )
    result = await session.execute(
        update(TicketCounter)
        .where(TicketCounter.community_id == community_id)
        .values(last_seq=TicketCounter.last_seq + 1)
        .returning(TicketCounter.last_seq)
    )
    return int(result.scalar_one())


def format_number(kind: TicketKind, seq: int) -> str:
    """BX-0001234 for repairs, TS-0001234 for complaints."""
    return f"{PREFIX[kind]}-{seq:07d}"
