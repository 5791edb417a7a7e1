"""SQLite for the async engine, run in the event loop's own thread.

aiosqlite gives every connection a thread and hands each sqlite3 call to it: four hand-offs
per statement (cursor, execute, fetch, close), each a thread switch and an event-loop wake-up.
That cost more than everything else an update does, while a local SQLite file answers a
statement in microseconds. So `connect()` returns a connection with aiosqlite's interface
whose calls run at once, in the caller's thread; SQLAlchemy's aiosqlite dialect drives it as
it drives aiosqlite (`create_async_engine(..., async_creator=...)`, a documented hook).

What must never stall the event loop is waiting for another process's lock (a `linli` command
importing households while the bot runs). So the connection's own busy timeout is short, and
`begin_immediate()` waits for the write lock with asyncio sleeps. Every transaction starts
with it (models.db); in WAL mode a transaction that holds the write lock does not wait again.

Because statements never wait, SQLAlchemy's `AsyncConnection.execute` (which insists that a
statement awaited something, raising AwaitRequired otherwise) cannot be used on this engine:
go through a session (`Database.sessions`, `Database.ping`) or `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

from models.sqlite_checkpoints import Checkpoints

STATEMENT_BUSY_SECONDS = 0.05  # the most a statement may block the loop on another's lock
BEGIN_WAIT_SECONDS = 30.0  # how long a transaction waits for the write lock, asynchronously


class Cursor:
    """aiosqlite's cursor, without the thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's dialect feeds directly to
    set the isolation level: the request is carried out as it is put."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class Connection:
    """aiosqlite's connection, without the thread (the names SQLAlchemy's dialect uses)."""

    def __init__(
        self, connection: sqlite3.Connection, checkpoints: Checkpoints | None = None
    ) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # None once closed
        self._tx = _RunNow()
        self._checkpoints = checkpoints

    def committed(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.committed(self._conn)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> Cursor:
        # aiosqlite's cursor() is awaited or entered; SQLAlchemy enters it.
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] | None = None
    ) -> list[Any]:
        cursor = await self.execute(sql, parameters)
        try:
            return await cursor.fetchall()
        finally:
            await cursor.close()

    def try_begin_immediate(self) -> bool:
        """BEGIN IMMEDIATE if the write lock is free now (False: another process holds it)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                return False
            raise

    async def begin_immediate(self, wait: float = BEGIN_WAIT_SECONDS) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write lock without blocking the loop."""
        deadline = time.monotonic() + wait
        pause = 0.005
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                locked = "locked" in str(error) or "busy" in str(error)
                if not locked or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    async def commit(self) -> None:
        self._conn.commit()
        self.committed()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(database: str, checkpoints: Checkpoints | None = None) -> Callable[[], Any]:
    """The `async_creator` for a SQLite file (or ":memory:"); a file's log is checkpointed by
    `checkpoints` (models.sqlite_checkpoints), off the event loop."""
    if checkpoints is None and database != ":memory:":
        checkpoints = Checkpoints(database)

    async def connect() -> Connection:
        connection = sqlite3.connect(
            database,
            timeout=STATEMENT_BUSY_SECONDS,
            isolation_level=None,  # transactions are begun explicitly (models.db)
            check_same_thread=False,  # closed by the pool, perhaps from another thread at exit
        )
        if checkpoints is not None:
            checkpoints.prepare(connection)
        return Connection(connection, checkpoints)

    return connect


# --- SQLAlchemy's side: its adapted cursor and connection, calling sqlite3 at once ----------


class DirectCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's adapted aiosqlite cursor, calling sqlite3 at once.

    SQLAlchemy awaits every driver call of an async dialect from inside its greenlet: a switch
    out to the event loop and back for entering the cursor, for each execute (under an
    asyncio lock) and for closing it. Our calls never wait on anything, so each switch was pure
    cost: about a fifth of a small statement's time (measured by bench/updates.py).
    """

    __slots__ = ()
    _awaitable_cursor_close = False  # close() is a plain call

    def _make_new_cursor(self, connection: Any) -> Any:
        return connection._conn.cursor()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        cursor = cast(sqlite3.Cursor, self._cursor)
        try:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            if cursor.description:
                self._rows = collections.deque(cursor.fetchall())
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        return cursor

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return self._cursor.executemany(operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class DirectConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted aiosqlite connection: cursors, commit and rollback at once."""

    __slots__ = ()
    _cursor_cls = DirectCursor

    def commit(self) -> None:
        if self._connection._connection:
            try:
                self._connection._conn.commit()
            except Exception as error:
                self._handle_exception(error)
            self._connection.committed()

    def rollback(self) -> None:
        if self._connection._connection:
            try:
                self._connection._conn.rollback()
            except Exception as error:
                self._handle_exception(error)


class DirectDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module given to the engine (`module=`): its connections are `DirectConnection`s
    around ours (`connector()`), given as `async_creator`."""

    def connect(self, *arg: Any, **kw: Any) -> DirectConnection:
        creator = kw.pop("async_creator_fn", None)
        if creator is None:
            raise TypeError("connections come from models.sqlite_driver.connector()")
        return DirectConnection(self, await_(creator(*arg, **kw)))


def dbapi() -> DirectDBAPI:
    import aiosqlite  # its exception names, which SQLAlchemy's dialect reads from the module

    return DirectDBAPI(aiosqlite, sqlite3)
