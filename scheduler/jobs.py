"""Scheduler jobs: small functions that open a session, call a service and commit.

Each job takes the time it should act as (`now`), so `linli jobs run NAME --now …` can
re-run a missed job or move the clock in tests; running one twice is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from models.db import Database
from services import maintenance


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    cron: dict[str, str]  # APScheduler cron fields, in the community's zone
    run: Callable[[Database, datetime], Awaitable[str]]


async def _prune(db: Database, now: datetime) -> str:
    async with db.sessions() as session:
        counts = await maintenance.prune(session, now=now)
        await session.commit()
    return ", ".join(f"{name}: {count}" for name, count in counts.items())


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "prune",
            "Forget old processed update ids, code attempts and sent outbox rows",
            {"minute": "17"},
            _prune,
        ),
    )
}
