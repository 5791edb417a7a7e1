"""Start APScheduler in the running event loop with our jobs as in-memory ticks."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from core.clock import Clock
from models.db import Database
from scheduler.jobs import JOBS, Job

log = logging.getLogger(__name__)


def start_scheduler(db: Database, clock: Clock, timezone: str) -> AsyncIOScheduler:
    """Jobs live in memory (a job store must never be shared between processes, PITFALLS.md)."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in JOBS.values():
        scheduler.add_job(
            _tick,
            CronTrigger(timezone=timezone, **job.cron),
            args=(job, db, clock),
            id=job.name,
            misfire_grace_time=300,
            coalesce=True,
            max_instances=1,
        )
    scheduler.start()
    return scheduler


async def _tick(job: Job, db: Database, clock: Clock) -> None:
    try:
        result = await job.run(db, clock.now())
        log.info("job done", extra={"fields": {"job": job.name, "result": result}})
    except Exception:
        log.exception("job failed", extra={"fields": {"job": job.name}})
