"""Engine and session factory. One `Database` per process, passed to whoever needs it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolResetState

from models import sqlite_driver

TX_CACHE = "linli_tx_cache"  # session.info key of `tx_cache`


def tx_cache(session: Session | Any) -> dict[Any, Any]:
    """A cache that lives as long as the session's current transaction (dropped at commit or
    rollback), for values read in it that nothing else writes meanwhile (e.g. the FSM record
    of a chat whose per-chat lock is held)."""
    info: dict[Any, Any] = session.info
    cache = info.get(TX_CACHE)
    if cache is None:
        cache = info[TX_CACHE] = {}
    return cache


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
            kwargs.update(
                async_creator=sqlite_driver.connector(self.url.database or ":memory:"),
                module=sqlite_driver.dbapi(),
                pool_size=1,
                max_overflow=0,
                pool_timeout=60,
                pool_reset_on_return=None,  # see _reset in _tune_sqlite
            )
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._commit_hooks: list[Callable[[], None]] = []
        # A Session class per Database, so the after-commit hook is this database's only.
        sync_class = type("LinliSession", (Session,), {})
        event.listen(sync_class, "after_commit", self._after_commit)
        event.listen(sync_class, "after_soft_rollback", _forget_transaction)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=sync_class
        )

    def on_outbox_commit(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every commit that added outbox rows (wakes the sender)."""
        self._commit_hooks.append(hook)

    def _after_commit(self, session: Session) -> None:
        session.info.pop(TX_CACHE, None)
        if session.info.pop("outbox_dirty", False):
            for hook in self._commit_hooks:
                hook()

    async def ping(self) -> None:
        """One statement to the database; raises when it does not answer.

        Through a session, as all our code reaches the database: on SQLite the statement runs
        at once in the event loop's thread (models.sqlite_driver), and `AsyncConnection.execute`
        refuses a statement that never awaited (sqlalchemy.exc.AwaitRequired).
        """
        async with self.sessions() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _forget_transaction(session: Session, _previous: Any) -> None:
    session.info.pop(TX_CACHE, None)


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE.

    pysqlite's legacy transaction handling starts a transaction lazily at the first write; a
    read-then-write transaction can then fail with SQLITE_BUSY instead of waiting. Taking the
    write lock at BEGIN makes writers queue for it instead (models.sqlite_driver waits).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # The pool's reset-on-return, but only when a transaction is still open: SQLAlchemy's
        # own rolls back after every commit too, one more statement for each transaction.
        if state.terminate_only or not state.asyncio_safe or state.transaction_was_reset:
            return
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # Straight to the driver (SQLAlchemy's documented `run_async`): it waits for another
        # process's write lock asynchronously (models.sqlite_driver). This runs at the start
        # of every transaction.
        adapted = conn.connection.dbapi_connection
        try:
            # Mostly the lock is free: taken at once, without a trip out to the event loop.
            if not adapted.driver_connection.try_begin_immediate():
                adapted.run_async(lambda driver: driver.begin_immediate())
        except sqlite3.Error as error:  # as SQLAlchemy reports it ("database is locked", …)
            raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error
