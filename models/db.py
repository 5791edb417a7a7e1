"""Engine and session factory. One `Database` per process, passed to whoever needs it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolResetState

from models import sqlite_driver
from models.sqlite_checkpoints import Checkpoints

TX_CACHE = "linli_tx_cache"  # session.info key of `tx_cache`
# A pooled server connection unused for longer than this is pinged before it is handed out
# (HikariCP's aliveBypassWindow idea): one back from a busy moment is not, which spares
# every update a round trip. See _ping_when_idle.
PING_AFTER_IDLE_SECONDS = 0.5
POOL_SIZE = 10  # server connections per process (PostgreSQL); SQLite has one
_IDLE_SINCE = "linli_idle_since"  # connection record info key: when it was checked in


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

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = POOL_SIZE,
        ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        """`checkpoints`: how a SQLite file's log is checkpointed (the defaults when None)."""
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # One connection: SQLite has one writer anyway, and queueing for it in the event loop
            # is far cheaper than transactions sleeping in SQLite's busy handler.
            kwargs.update(
                async_creator=sqlite_driver.connector(
                    self.url.database or ":memory:", checkpoints
                ),
                module=sqlite_driver.dbapi(),
                pool_size=1,
                max_overflow=0,
                pool_timeout=60,
                pool_reset_on_return=None,  # see _reset in _tune_sqlite
            )
        else:
            # A fixed pool: past it, transactions queue in the event loop. With overflow, every
            # burst above the pool opened server connections and closed them again on return
            # (bench/updates.py on PostgreSQL: 130 updates/s with 10 + 20 overflow, 300 without).
            kwargs.update(pool_size=pool_size, max_overflow=0)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine, ping_after_idle)
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


def _ping_when_idle(engine: AsyncEngine, after: float) -> None:
    """SQLAlchemy's pool_pre_ping, but only for connections that sat unused for `after` s.

    pre_ping costs every transaction a round trip (measured by bench/updates.py on PostgreSQL:
    ~0.6 ms of the bot's CPU per update, and a p99 twice as long at 100 updates/s). A connection
    that died between two uses a moment apart (a server restart just then) fails its next
    statement instead; SQLAlchemy then drops every older pooled connection, and the update
    middleware runs such an update again on a new one (bot/middlewares.DatabaseMiddleware).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A new connection (its record's info is emptied when it is replaced) needs no ping.
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < after:
            return
        try:
            # Runs inside SQLAlchemy's greenlet, as pre_ping does: the driver's await is allowed.
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error for a closed connection
            raise DisconnectionError(f"ping failed: {error!r}") from error
        if not alive:
            raise DisconnectionError("ping failed")


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
