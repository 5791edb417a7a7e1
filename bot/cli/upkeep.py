"""`linli jobs …` and `linli i18n …`: scheduler jobs run by hand, translation catalogues."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import now, parse_now, settings_of
from models.db import Database
from models.migrate import upgrade

PROJECT = Path(__file__).resolve().parents[2]


def cmd_jobs_list(args: argparse.Namespace) -> None:
    from scheduler.jobs import JOBS

    settings = settings_of(args)
    for job in JOBS.values():
        spec = job.trigger_for(settings)
        when = spec.get("cron") or {"every": f"{spec['seconds']}s"}
        schedule = " ".join(f"{k}={v}" for k, v in when.items())
        print(f"{job.name:20} {schedule:20} {job.description}")


def cmd_jobs_run(args: argparse.Namespace) -> None:
    from scheduler.jobs import JOBS, JobContext

    settings = settings_of(args)
    job = JOBS.get(args.name)
    if job is None:
        sys.exit(f"linli: no job {args.name!r}; `linli jobs list` shows them")
    at = parse_now(args.now) if args.now else now()

    async def main() -> str:
        await asyncio.to_thread(upgrade, settings.database.url)
        db = Database(settings.database.url)
        try:
            return await job.run(JobContext(db=db, settings=settings), at)
        finally:
            await db.dispose()

    print(f"{job.name} at {at.isoformat()}: {asyncio.run(main())}")


def cmd_i18n_build(args: argparse.Namespace) -> None:
    from bot.i18n import build

    build()
    print("catalogues built: zh_Hans, zh_Hant (derived with OpenCC), en")


def cmd_i18n_extract(args: argparse.Namespace) -> None:
    from bot.i18n import update_sources

    missing = update_sources(PROJECT)
    for locale, ids in missing.items():
        print(f"{locale}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"  {msgid!r}")


def register(sub: Any) -> None:
    jobs = sub.add_parser("jobs").add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser("list", help="scheduler jobs").set_defaults(func=cmd_jobs_list)
    jrun = jobs.add_parser("run", help="run one job once, as if the clock said --now")
    jrun.add_argument("name")
    jrun.add_argument("--now", help="ISO-8601 time, e.g. 2026-11-22T08:30:00+08:00")
    jrun.set_defaults(func=cmd_jobs_run)

    i18n = sub.add_parser("i18n").add_subparsers(dest="i18n_command", required=True)
    i18n.add_parser("build", help="derive zh_Hant and compile catalogues").set_defaults(
        func=cmd_i18n_build
    )
    i18n.add_parser("extract", help="update zh_Hans/en catalogues from the source").set_defaults(
        func=cmd_i18n_extract
    )
