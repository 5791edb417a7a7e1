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
