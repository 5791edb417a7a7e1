"""Start APScheduler in the running event loop with our jobs as in-memory ticks."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import Clock
from scheduler.jobs import JOBS, Job, JobContext

log = logging.getLogger(__name__)


def _trigger(spec: dict[str, Any], timezone: str) -> BaseTrigger:
    if "cron" in spec:
        return CronTrigger(timezone=timezone, **spec["cron"])
    return IntervalTrigger(seconds=int(spec["seconds"]), timezone=timezone)


def start_scheduler(ctx: JobContext, clock: Clock) -> AsyncIOScheduler:
    """Jobs live in memory (a job store must never be shared between processes, PITFALLS.md)."""
    timezone = ctx.settings.timezone
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in JOBS.values():
        scheduler.add_job(
            _tick,
            _trigger(job.trigger_for(ctx.settings), timezone),
            args=(job, ctx, clock),
            id=job.name,
            misfire_grace_time=300,
            coalesce=True,
            max_instances=1,
        )
    scheduler.start()
    return scheduler


async def _tick(job: Job, ctx: JobContext, clock: Clock) -> None:
    try:
        result = await job.run(ctx, clock.now())
        log.debug("job done", extra={"fields": {"job": job.name, "result": result}})
    except Exception:
        log.exception("job failed", extra={"fields": {"job": job.name}})
