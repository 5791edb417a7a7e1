"""Engine and session factory. One `Database` per process, passed to whoever needs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session


class Database:
    """The engine, its session factory, and hooks run after commits that wrote the outbox."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # One connection: SQLite has one writer anyway, and queueing for it in the event loop
            # is far cheaper than transactions sleeping in SQLite's busy handler.
            kwargs.update(connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60)
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._commit_hooks: list[Callable[[], None]] = []
        # A Session class per Database, so the after-commit hook is this database's only.
        sync_class = type("LinliSession", (Session,), {})
        event.listen(sync_class, "after_commit", self._after_commit)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=sync_class
        )

    def on_outbox_commit(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every commit that added outbox rows (wakes the sender)."""
        self._commit_hooks.append(hook)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("outbox_dirty", False):
            for hook in self._commit_hooks:
                hook()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE.

    pysqlite's legacy transaction handling starts a transaction lazily at the first write; a
    read-then-write transaction can then fail with SQLITE_BUSY instead of waiting. Taking the
    write lock at BEGIN makes writers queue on busy_timeout instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
