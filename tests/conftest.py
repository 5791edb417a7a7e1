"""Shared fixtures: a real database per test, on SQLite and (with LINLI_TEST_DATABASE_URL) PostgreSQL.

Each backend is migrated once per session into a template; every test gets a fresh copy
(a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so tests never see each
other's data and migrations run exactly as in production.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from models.db import Database
from models.migrate import upgrade_async

PG_URL = os.environ.get("LINLI_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def admin_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class Templates:
    """One migrated template database per backend, cloned per test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self.run_id = uuid.uuid4().hex[:8]

    async def sqlite(self) -> str:
        if self.sqlite_template is None:
            path = self.tmp / "template.sqlite3"
            await upgrade_async(f"sqlite+aiosqlite:///{path}")
            self.sqlite_template = path
        copy = self.tmp / f"t-{uuid.uuid4().hex[:10]}.sqlite3"
        shutil.copy(self.sqlite_template, copy)
        return f"sqlite+aiosqlite:///{copy}"

    async def postgresql(self) -> tuple[str, str]:
        import asyncpg

        assert PG_URL
        admin = await asyncpg.connect(admin_dsn(PG_URL))
        try:
            if self.pg_template is None:
                name = f"linli_tpl_{self.run_id}"
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                await admin.execute(f'CREATE DATABASE "{name}"')
                await upgrade_async(
                    make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
                )
                self.pg_template = name
            clone = f"linli_t_{self.run_id}_{uuid.uuid4().hex[:8]}"
            await admin.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{self.pg_template}"')
        finally:
            await admin.close()
        return make_url(PG_URL).set(database=clone).render_as_string(hide_password=False), clone

    async def drop_pg(self, name: str) -> None:
        import asyncpg

        assert PG_URL
        admin = await asyncpg.connect(admin_dsn(PG_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    async def close(self) -> None:
        if self.pg_template:
            await self.drop_pg(self.pg_template)


@pytest.fixture(scope="session")
async def templates(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("db"))
    yield t
    await t.close()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, templates: Templates) -> AsyncIterator[str]:
    """A migrated, empty database of each backend; dropped afterwards."""
    if request.param == "sqlite":
        yield await templates.sqlite()
        return
    url, name = await templates.postgresql()
    yield url
    await templates.drop_pg(name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()
