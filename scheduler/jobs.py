"""Scheduler jobs: small functions that open a session, call a service and commit.

Each job takes the time it should act as (`now`), so `linli jobs run NAME --now …` can
re-run a missed job or move the clock in tests; running one twice is harmless, because
what was done is recorded in our tables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.settings import Settings
from models.db import Database
from services import broadcast_progress, broadcasts, maintenance
from services.broadcasts import QuietHours
from services.tickets import sla


@dataclass(frozen=True)
class JobContext:
    db: Database
    settings: Settings

    @property
    def quiet(self) -> QuietHours:
        q = self.settings.quiet_hours
        return QuietHours(zone=self.settings.zone, start=q.start, end=q.end)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    # APScheduler: {"cron": {...}} in the configured zone, or {"seconds": n}; or made from settings.
    trigger: dict[str, Any] | Callable[[Settings], dict[str, Any]]
    run: Callable[[JobContext, datetime], Awaitable[str]]

    def trigger_for(self, settings: Settings) -> dict[str, Any]:
        return self.trigger(settings) if callable(self.trigger) else self.trigger


async def _prune(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        counts = await maintenance.prune(session, now=now)
        await session.commit()
    return ", ".join(f"{name}: {count}" for name, count in counts.items())


async def _release_broadcasts(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        released = await broadcasts.release_due(session, now=now, quiet=ctx.quiet)
        await session.commit()
    return f"released {released}"


async def _broadcast_progress(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        active = await broadcast_progress.refresh_progress(session, now=now)
        await session.commit()
    return f"{active} sending"


async def _sla(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        escalated = await sla.escalate(session, now=now)
        await session.commit()
    return f"escalated {escalated}"


async def _ticket_summary(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        sent = await sla.daily_summary(session, now=now, zone=ctx.settings.zone)
        await session.commit()
    return f"summaries {sent}"


async def _autoclose(ctx: JobContext, now: datetime) -> str:
    async with ctx.db.sessions() as session:
        closed = await sla.autoclose(session, now=now, settings=ctx.settings.tickets)
        await session.commit()
    return f"closed {closed}"


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "broadcasts",
            "Release scheduled announcements whose time has come",
            {"seconds": 30},
            _release_broadcasts,
        ),
        Job(
            "broadcast-progress",
            "Update progress messages; mark finished announcements sent",
            {"seconds": 5},
            _broadcast_progress,
        ),
        Job(
            "sla",
            "Escalate tickets nobody accepted in time to the managers (once)",
            {"seconds": 60},
            _sla,
        ),
        Job(
            "ticket-summary",
            "The morning summary of overdue tickets, per estate",
            lambda s: {
                "cron": {
                    "hour": s.tickets.summary_time.hour,
                    "minute": s.tickets.summary_time.minute,
                }
            },
            _ticket_summary,
        ),
        Job(
            "autoclose",
            "Close done tickets nobody rated within tickets.autoclose_days",
            {"cron": {"minute": "*/15"}},
            _autoclose,
        ),
        Job(
            "prune",
            "Forget old processed update ids, code attempts and sent outbox rows",
            {"cron": {"minute": "17"}},
            _prune,
        ),
    )
}
