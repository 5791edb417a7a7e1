"""WAL checkpoints of the embedded SQLite database, off the event loop.

SQLite checkpoints a WAL database inside the COMMIT that takes its log past 1,000 pages: it
copies the log's pages into the database file and syncs both to disk. Our connection runs in
the event loop's thread (models.sqlite_driver), so every few hundred updates the whole bot
stood still for that, and on average each commit cost ~40 µs more than one without. (Measured
here on a virtual disk: a checkpointing commit took up to 14 ms under bench/updates.py's full
stack and up to 90 ms in a plain sqlite3 loop; a commit averaged 125–130 µs, against 70–88 µs
with the checkpoints moved off the loop.)

So the connection's own checkpoints are off (`wal_autocheckpoint=0`) and, every `every`
commits, a passive checkpoint runs in a worker thread on a connection of its own. Writers
never wait for a passive checkpoint, and a crash in the middle of one loses nothing: it only
copies pages that are safely in the log already.

A passive checkpoint cannot restart the log while writes keep arriving: SQLite starts it
over only once everything in it was copied, and new commits land meanwhile. Under sustained
load the log would grow without end, so once it is past `limit` pages the writer itself
checkpoints right after a commit, between its transactions. The worker has copied nearly
everything by then, so the writer's checkpoint is short, and it copies the rest, so the
next commit starts the log over.

How long the log is, the writer reads off its file, not off the worker's last report (which
arrives late on a busy machine): with `journal_size_limit` set to the limit, SQLite cuts the
file back to it when the log starts over, so the file is longer than the limit only while
the log itself is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 100  # commits; an update's commit writes ~10 pages: SQLite's own 1,000
WAL_LIMIT_PAGES = 16_384  # 64 MB of 4 KB pages
WORKER_BUSY_SECONDS = 5.0  # the worker's connection may wait for locks: it is not the loop
WAL_HEADER_BYTES = 32  # SQLite's file format: the log's header, then a header per page
WAL_FRAME_BYTES = 24  # beyond the page itself
DEFAULT_PAGE_BYTES = 4096


class Checkpoints:
    """One per database file, told of each commit of the event loop's connection."""

    def __init__(
        self, path: str, *, every: int = CHECKPOINT_EVERY, limit: int = WAL_LIMIT_PAGES
    ) -> None:
        self._path = path
        self._log = f"{path}-wal"
        self._every = every
        self._limit = limit
        self._commits = 0
        self._running = False
        self._limit_bytes = _log_bytes(limit, DEFAULT_PAGE_BYTES)  # until prepared
        self._blocked = False  # the writer's last checkpoint found the worker's in the way
        self.finished_by_writer = 0  # how often the writer finished one

    def prepare(self, connection: sqlite3.Connection) -> None:
        """Once, on the event loop's connection: no checkpoints of its own, and a log file that
        SQLite cuts back to the limit whenever the log starts over."""
        ((page_size,),) = connection.execute("PRAGMA page_size").fetchall()
        self._limit_bytes = _log_bytes(self._limit, int(page_size))
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute(f"PRAGMA journal_size_limit={self._limit_bytes}")

    def committed(self, connection: sqlite3.Connection) -> None:
        """After a commit of `connection`, in the event loop's thread."""
        self._commits += 1
        if self._blocked:  # tried again at once: the log keeps growing meanwhile
            self._finish(connection)
        if self._commits < self._every:
            return
        self._commits = 0
        if not self._blocked and self._log_size() > self._limit_bytes:
            self._finish(connection)
        if not self._running and not self._blocked:  # blocked: leave the way clear
            self._start()

    def _log_size(self) -> int:
        try:
            return os.stat(self._log).st_size
        except FileNotFoundError:
            return 0

    def _finish(self, connection: sqlite3.Connection) -> None:
        # Between our transactions, so all of the log can be copied. (SQLite does not wait
        # for another passive checkpoint: it answers busy. One held back by another process's
        # reader copies what it can and is tried again after the next `every` commits.)
        ((busy, pages, copied),) = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self._blocked = bool(busy)
        if not busy and pages == copied:  # the next commit starts the log over
            self.finished_by_writer += 1

    def _start(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop to hand the work to: a later commit will
            return
        self._running = True
        loop.run_in_executor(None, self._checkpoint).add_done_callback(self._done)

    def _checkpoint(self) -> None:
        """In a worker thread: copy what the log holds into the database file."""
        # Read-write, never create: a database removed meanwhile (a scratch one) stays gone.
        connection = sqlite3.connect(
            f"{Path(self._path).resolve().as_uri()}?mode=rw",
            uri=True,
            timeout=WORKER_BUSY_SECONDS,
            isolation_level=None,
        )
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()

    def _done(self, future: asyncio.Future[None]) -> None:
        self._running = False
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:  # the next one may succeed; SQLite's data is safe either way
            log.warning("WAL checkpoint failed", extra={"fields": {"error": repr(error)}})


def _log_bytes(pages: int, page_bytes: int) -> int:
    """The length of a log file holding `pages` pages (SQLite's WAL file format)."""
    return WAL_HEADER_BYTES + pages * (page_bytes + WAL_FRAME_BYTES)
