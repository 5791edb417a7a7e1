"""The embedded SQLite database's log (WAL) is checkpointed off the event loop, and stays
bounded even while writes never pause (models/sqlite_checkpoints.py)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from models.db import Database
from models.migrate import upgrade_async
from models.sqlite_checkpoints import Checkpoints

PAGE = 4096
WRITES = 600
EVERY = 10
LIMIT_PAGES = 200


async def test_the_log_is_copied_and_started_over_while_writes_keep_coming(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "linli.sqlite3")
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    checkpoints = Checkpoints(path, every=EVERY, limit=LIMIT_PAGES)
    db = Database(url, checkpoints=checkpoints)
    payload = "房" * 2000  # ~6 KB of UTF-8: a few pages of log per commit
    largest_log = 0
    try:
        for n in range(WRITES):  # back to back: the log is never idle long enough to restart
            async with db.sessions() as session:
                await session.execute(
                    text(
                        "INSERT INTO fsm_state (key, state, data, updated_at) "
                        "VALUES (:key, NULL, :data, '2026-12-07 00:00:00')"
                    ),
                    {"key": f"bench:{n}", "data": f'{{"text": "{payload}"}}'},
                )
                await session.commit()
            largest_log = max(largest_log, _size(f"{path}-wal"))
    finally:
        await db.dispose()

    written = WRITES * len(payload.encode()) // PAGE  # pages of payload alone, at the least
    assert written > 4 * LIMIT_PAGES
    # Without the writer finishing checkpoints the log holds every page written; with it,
    # it starts over each time it passes the limit. It overshoots by what is written until
    # the writer notices (every EVERY commits) and while the worker's checkpoint is in its
    # way: ~40 pages here, more on a loaded machine, so the bound is generous.
    assert checkpoints.finished_by_writer >= 2
    assert largest_log < 2 * LIMIT_PAGES * (PAGE + 24) < written * PAGE

    reopened = Database(url)  # nothing was lost on the way
    try:
        async with reopened.sessions() as session:
            count = await session.scalar(
                text("SELECT count(*) FROM fsm_state WHERE key LIKE 'bench:%'")
            )
            last = await session.scalar(
                text("SELECT data FROM fsm_state WHERE key = :key"), {"key": f"bench:{WRITES - 1}"}
            )
    finally:
        await reopened.dispose()
    assert count == WRITES
    assert payload in str(last)


def _size(path: str) -> int:
    return os.path.getsize(path)
