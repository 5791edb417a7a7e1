"""Scratch databases for the benchmarks: made empty for one run, dropped after it."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url


def asyncpg_dsn(database_url: str) -> str:
    """The plain postgresql:// address asyncpg takes for a SQLAlchemy URL."""
    return (
        make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


@contextlib.asynccontextmanager
async def scratch_database(
    server_url: str | None, *, prefix: str = "linli_bench", keep: bool = False
) -> AsyncIterator[str]:
    """A new, empty database, and its URL: a temporary SQLite file when `server_url` is None,
    else a new PostgreSQL database on `server_url`'s server (postgresql+asyncpg://…),
    dropped afterwards unless `keep` (then its name is printed)."""
    if server_url is None:
        folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
        try:
            yield f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import asyncpg

    parsed = make_url(server_url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(
            "--database-url: only postgresql+asyncpg://… is supported (SQLite is the default)"
        )
    admin = asyncpg_dsn(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f'\n(kept database {name}; drop it with: DROP DATABASE "{name}")')
        else:
            connection = await asyncpg.connect(admin)
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()
