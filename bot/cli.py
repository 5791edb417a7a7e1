"""The `linli` command: run the product, and the operator tasks around it."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.logging import setup_logging
from core.settings import DEMO_TOKEN, Settings, SettingsError, load_settings
from models import StaffRole
from models.db import Database
from models.migrate import upgrade


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    try:
        return load_settings(args.config, **overrides)
    except SettingsError as exc:
        sys.exit(f"linli: {exc}")


async def _in_session(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Migrate, open one session, run `work`, commit."""
    await asyncio.to_thread(upgrade, settings.database.url)
    db = Database(settings.database.url)
    try:
        async with db.sessions() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await db.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


# --- run ---------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> None:
    from bot.runtime import Runtime, run_forever

    settings = _settings(args)
    setup_logging(settings.log_level)
    if settings.telegram.token is None:
        sys.exit(
            "linli: telegram.token is not set. Set LINLI_TELEGRAM__TOKEN, or try `linli demo`."
        )
    run_forever(Runtime(settings))


def cmd_demo(args: argparse.Namespace) -> None:
    from bot.runtime import Runtime, run_forever

    base = _settings(args)
    folder = Path(tempfile.mkdtemp(prefix="linli-demo-"))
    host, port = base.web.host, args.port or base.web.port
    settings = _settings(
        args,
        database={"url": f"sqlite+aiosqlite:///{folder / 'demo.sqlite3'}"},
        telegram={"token": DEMO_TOKEN, "api_base": f"http://{host}:{port}/sim", "mode": "polling"},
        web={"host": host, "port": port},
    )
    setup_logging(settings.log_level)
    print(
        f"\n  Linli demo — 金采小区\n"
        f"  Chat as a resident or staff member:  http://{host}:{port}/sim\n"
        f"  Health:                              http://{host}:{port}/health\n"
        f"  Database (temporary):                {folder / 'demo.sqlite3'}\n"
        f"  Stop with Ctrl-C.\n",
        flush=True,
    )
    run_forever(Runtime(settings, demo=True))


def cmd_simulator(args: argparse.Namespace) -> None:
    import uvicorn

    from simulator.app import create_app

    settings = _settings(args)
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else DEMO_TOKEN
    print(
        f"Telegram Bot API simulator: http://127.0.0.1:{args.port}/  (token {token.split(':')[0]}:…)"
    )
    uvicorn.run(create_app(token), host="127.0.0.1", port=args.port, log_level="warning")


# --- database and data -------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    settings = _settings(args)
    upgrade(settings.database.url)
    print("database is at the latest revision")


def cmd_import_households(args: argparse.Namespace) -> None:
    from services.households import ImportRefused, import_households

    settings = _settings(args)
    path = Path(args.file)
    if not path.exists():
        sys.exit(f"linli: no such file: {path}")

    async def work(session: Any) -> Any:
        return await import_households(
            session, path=path, now=_now(), skip_invalid=args.skip_invalid
        )

    try:
        report = asyncio.run(_in_session(settings, work))
    except ImportRefused as exc:
        sys.exit(f"linli: {path}: {exc}")
    for error in report.errors:
        print(f"{path}:{error.line}: {error.reason}", file=sys.stderr)
    if not report.applied:
        sys.exit(
            f"linli: {len(report.errors)} bad row(s); nothing imported. "
            "Fix them, or use --skip-invalid to import the other rows."
        )
    skipped = f", {len(report.errors)} skipped" if report.errors else ""
    print(
        f"households: {report.created} created, {report.updated} updated, {report.unchanged} unchanged{skipped}"
    )


def cmd_export_codes(args: argparse.Namespace) -> None:
    from services.households import binding_codes

    settings = _settings(args)
    username = args.bot_username or settings.telegram.bot_username or ""

    async def work(session: Any) -> list[list[str]]:
        rows = []
        for h in await binding_codes(session, community=args.community):
            link = f"https://t.me/{username}?start={h.binding_code}" if username else ""
            rows.append(
                [
                    h.building.community.name,
                    h.building.name,
                    h.unit,
                    h.room,
                    h.owner_name or "",
                    h.binding_code,
                    link,
                ]
            )
        return rows

    rows = asyncio.run(_in_session(settings, work))
    with open(
        args.out, "w", newline="", encoding="utf-8-sig"
    ) as handle:  # -sig: Excel reads it as UTF-8
        writer = csv.writer(handle)
        writer.writerow(
            ["community", "building", "unit", "room", "owner_name", "binding_code", "deep_link"]
        )
        writer.writerows(rows)
    print(f"{len(rows)} binding codes written to {args.out}")


def cmd_rotate_code(args: argparse.Namespace) -> None:
    from services.households import find_household
    from services.onboarding import rotate_code

    settings = _settings(args)

    async def work(session: Any) -> str:
        household = await find_household(
            session,
            community=args.community,
            building=args.building,
            unit=args.unit,
            room=args.room,
        )
        if household is None:
            sys.exit("linli: no such household")
        return await rotate_code(session, household_id=household.id, now=_now(), actor_kind="cli")

    print(
        f"new binding code: {asyncio.run(_in_session(settings, work))} (the old one no longer works)"
    )


def cmd_staff_add(args: argparse.Namespace) -> None:
    from services.errors import DomainError
    from services.staff import add_staff

    settings = _settings(args)

    async def work(session: Any) -> Any:
        return await add_staff(
            session,
            external_id=str(args.telegram_id),
            name=args.name,
            role=StaffRole(args.role),
            now=_now(),
            community=args.community,
            buildings=_split(args.buildings),
        )

    try:
        staff, created = asyncio.run(_in_session(settings, work))
    except DomainError as exc:
        sys.exit(f"linli: {exc.key} {exc.data}")
    print(f"staff {'added' if created else 'updated'}: #{staff.id} {staff.role.value}")


def cmd_groups_add(args: argparse.Namespace) -> None:
    from services.errors import DomainError
    from services.staff import add_group

    settings = _settings(args)

    async def work(session: Any) -> Any:
        return await add_group(
            session,
            chat_id=str(args.chat_id),
            purpose=args.purpose,
            now=_now(),
            title=args.title,
            community=args.community,
            categories=_split(args.categories),
            buildings=_split(args.buildings),
            forum=args.forum,
        )

    try:
        group, created = asyncio.run(_in_session(settings, work))
    except DomainError as exc:
        sys.exit(f"linli: {exc.key} {exc.data}")
    forum = " (forum: a topic per ticket)" if group.is_forum else ""
    print(f"group {'added' if created else 'updated'}: #{group.id} {group.purpose}{forum}")


def cmd_token_create(args: argparse.Namespace) -> None:
    from services.api_tokens import issue
    from services.errors import DomainError

    settings = _settings(args)

    async def work(session: Any) -> str:
        return await issue(session, external_id=str(args.telegram_id), name=args.name, now=_now())

    try:
        token = asyncio.run(_in_session(settings, work))
    except DomainError:
        sys.exit("linli: no active staff member with that Telegram id (`linli staff add` first)")
    print(f"API token (shown once; send it as 'Authorization: Bearer …'):\n{token}")


def cmd_token_revoke(args: argparse.Namespace) -> None:
    from services.api_tokens import revoke_all
    from services.errors import DomainError

    settings = _settings(args)

    async def work(session: Any) -> int:
        return await revoke_all(session, external_id=str(args.telegram_id), now=_now())

    try:
        print(f"{asyncio.run(_in_session(settings, work))} token(s) revoked")
    except DomainError:
        sys.exit("linli: no staff member with that Telegram id")


def cmd_dead_letters(args: argparse.Namespace) -> None:
    from services.outbox import dead_letters

    settings = _settings(args)

    async def work(session: Any) -> list[Any]:
        return await dead_letters(session, limit=args.limit)

    rows = asyncio.run(_in_session(settings, work))
    for row in rows:
        print(
            f"#{row.id} chat {row.chat_id} {row.notice} attempts={row.attempts} {row.last_error or ''}"
        )
    print(f"{len(rows)} dead letter(s)")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


# --- jobs and catalogues -----------------------------------------------------------------------


def cmd_jobs_list(args: argparse.Namespace) -> None:
    from scheduler.jobs import JOBS

    settings = _settings(args)
    for job in JOBS.values():
        spec = job.trigger_for(settings)
        when = spec.get("cron") or {"every": f"{spec['seconds']}s"}
        schedule = " ".join(f"{k}={v}" for k, v in when.items())
        print(f"{job.name:20} {schedule:20} {job.description}")


def cmd_jobs_run(args: argparse.Namespace) -> None:
    from scheduler.jobs import JOBS, JobContext

    settings = _settings(args)
    job = JOBS.get(args.name)
    if job is None:
        sys.exit(f"linli: no job {args.name!r}; `linli jobs list` shows them")
    now = _parse_now(args.now) if args.now else _now()

    async def main() -> str:
        await asyncio.to_thread(upgrade, settings.database.url)
        db = Database(settings.database.url)
        try:
            return await job.run(JobContext(db=db, settings=settings), now)
        finally:
            await db.dispose()

    print(f"{job.name} at {now.isoformat()}: {asyncio.run(main())}")


def _parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        sys.exit(f"linli: --now {text!r} is not an ISO-8601 time")
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def cmd_i18n_build(args: argparse.Namespace) -> None:
    from bot.i18n import build

    build()
    print("catalogues built: zh_Hans, zh_Hant (derived with OpenCC), en")


def cmd_i18n_extract(args: argparse.Namespace) -> None:
    from bot.i18n import update_sources

    missing = update_sources(Path(__file__).resolve().parent.parent)
    for locale, ids in missing.items():
        print(f"{locale}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"  {msgid!r}")


# --- parser ------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="linli", description="Linli (邻里): community service bot")
    p.add_argument(
        "--config",
        default=os.environ.get("LINLI_CONFIG"),
        help="configuration file (default: $LINLI_CONFIG or ./config.yaml)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="bot, delivery, scheduler and web app").set_defaults(func=cmd_run)
    demo = sub.add_parser(
        "demo", help="the same on a temporary SQLite file with the simulator and 金采小区"
    )
    demo.add_argument("--port", type=int)
    demo.set_defaults(func=cmd_demo)
    sim = sub.add_parser("simulator", help="the Telegram Bot API simulator alone")
    sim.add_argument("--port", type=int, default=8081)
    sim.set_defaults(func=cmd_simulator)

    db = sub.add_parser("db").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the latest revision").set_defaults(
        func=cmd_db_upgrade
    )

    imp = sub.add_parser("import").add_subparsers(dest="import_command", required=True)
    households = imp.add_parser(
        "households", help="CSV or XLSX: community,building,unit,room,owner_name,phone,area_m2"
    )
    households.add_argument("file")
    households.add_argument(
        "--skip-invalid", action="store_true", help="import the good rows, report the rest"
    )
    households.set_defaults(func=cmd_import_households)

    exp = sub.add_parser("export").add_subparsers(dest="export_command", required=True)
    codes = exp.add_parser(
        "binding-codes", help="every household's binding code and deep link, as CSV"
    )
    codes.add_argument("--out", required=True)
    codes.add_argument("--community")
    codes.add_argument("--bot-username", help="for deep links (default: telegram.bot_username)")
    codes.set_defaults(func=cmd_export_codes)

    hh = sub.add_parser("households").add_subparsers(dest="households_command", required=True)
    rotate = hh.add_parser(
        "rotate-code", help="issue a new binding code; the old one stops working"
    )
    for name in ("community", "building", "room"):
        rotate.add_argument(f"--{name}", required=True)
    rotate.add_argument("--unit", default="")
    rotate.set_defaults(func=cmd_rotate_code)

    staff = sub.add_parser("staff").add_subparsers(dest="staff_command", required=True)
    add = staff.add_parser("add", help="add or update a staff member")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    add.add_argument("--community")
    add.add_argument("--buildings", help="comma-separated building names within --community")
    add.set_defaults(func=cmd_staff_add)

    groups = sub.add_parser("groups").add_subparsers(dest="groups_command", required=True)
    gadd = groups.add_parser("add", help="register a staff group chat")
    gadd.add_argument("--chat-id", type=int, required=True)
    gadd.add_argument(
        "--purpose", required=True, help="dispatch, managers, repairs, complaints or stewards"
    )
    gadd.add_argument("--title")
    gadd.add_argument("--community")
    gadd.add_argument("--categories")
    gadd.add_argument("--buildings")
    gadd.add_argument(
        "--forum",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the group has topics enabled: each ticket gets a topic (learned from its messages too)",
    )
    gadd.set_defaults(func=cmd_groups_add)

    tokens = sub.add_parser("api-token").add_subparsers(dest="token_command", required=True)
    tcreate = tokens.add_parser(
        "create", help="a bearer token for /api/v1, acting as a staff member"
    )
    tcreate.add_argument("--telegram-id", type=int, required=True)
    tcreate.add_argument("--name", default="api", help="what the token is for")
    tcreate.set_defaults(func=cmd_token_create)
    trevoke = tokens.add_parser("revoke", help="revoke every token of a staff member")
    trevoke.add_argument("--telegram-id", type=int, required=True)
    trevoke.set_defaults(func=cmd_token_revoke)

    out = sub.add_parser("outbox").add_subparsers(dest="outbox_command", required=True)
    dead = out.add_parser("dead", help="messages the sender gave up on")
    dead.add_argument("--limit", type=int, default=50)
    dead.set_defaults(func=cmd_dead_letters)

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
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
