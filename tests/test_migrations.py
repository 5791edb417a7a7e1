"""Every migration goes up, down and up again, and the result matches the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import models
from models.db import Database
from models.migrate import alembic_config, downgrade, upgrade


async def test_stairway_up_down_up(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:  # the database starts at head: walk it down and back up
        await asyncio.to_thread(downgrade, database_url, revision.down_revision or "base")
        await asyncio.to_thread(upgrade, database_url, revision.revision)
    await asyncio.to_thread(downgrade, database_url, "base")
    await asyncio.to_thread(upgrade, database_url, "head")


async def test_migrations_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": False}),
                    models.Base.metadata,
                )
            )
    finally:
        await db.dispose()
    assert diff == []


async def test_visit_times_of_old_tickets_get_the_dates_they_meant(database_url: str) -> None:
    # 0008: "today_morning" meant the day the ticket was filed, in the estate's zone.
    from datetime import UTC, datetime

    from sqlalchemy import select, update

    from core.settings import TicketSettings
    from models import Ticket, TicketKind
    from services import identities
    from services.tickets.filing import TicketDraft, create
    from tests.services.factories import estate, resident

    filed = {  # legacy value, filed at (UTC) → the date it meant
        "today_morning": (datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "2026-11-24.morning"),
        "tomorrow_afternoon": (datetime(2026, 11, 23, 4, 0, tzinfo=UTC), "2026-11-24.afternoon"),
        "weekend": (datetime(2026, 11, 24, 4, 0, tzinfo=UTC), "2026-11-28.weekend"),
        "any": (datetime(2026, 11, 29, 4, 0, tzinfo=UTC), "any"),
    }
    db = Database(database_url)
    try:
        async with db.sessions() as session:
            await estate(session, datetime(2026, 11, 1, tzinfo=UTC))
            await resident(
                session,
                telegram_id=1,
                building="1栋",
                unit="1单元",
                room="101",
                now=datetime.now(UTC),
            )
            person = await identities.load_person(
                session, await identities.touch(session, external_id="1", now=datetime.now(UTC))
            )
            ids = {}
            for legacy, (at, _meant) in filed.items():
                ticket = await create(
                    session,
                    person=person,
                    draft=TicketDraft(
                        kind=TicketKind.repair, category="other", description=legacy
                    ),
                    now=at,
                    settings=TicketSettings(),
                )
                ids[legacy] = ticket.id
                await session.execute(
                    update(Ticket).where(Ticket.id == ticket.id).values(visit_window=legacy)
                )
            await session.commit()
        await db.dispose()
        await asyncio.to_thread(downgrade, database_url, "0007")
        await asyncio.to_thread(upgrade, database_url, "head")
        async with db.sessions() as session:
            kept = dict((await session.execute(select(Ticket.id, Ticket.visit_window))).all())
    finally:
        await db.dispose()
    assert {legacy: kept[ids[legacy]] for legacy in filed} == {
        legacy: meant for legacy, (_at, meant) in filed.items()
    }
