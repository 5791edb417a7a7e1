"""The operator's records: households and their codes, staff, staff groups, API tokens, and
the messages the sender gave up on."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import now, run_in_session, settings_of, split_list
from models import StaffRole

CODES_HEADER = ["community", "building", "unit", "room", "owner_name", "binding_code", "deep_link"]


def cmd_import_households(args: argparse.Namespace) -> None:
    from services.households import ImportRefused, import_households

    path = Path(args.file)
    if not path.exists():
        sys.exit(f"linli: no such file: {path}")

    async def work(session: Any) -> Any:
        return await import_households(
            session, path=path, now=now(), skip_invalid=args.skip_invalid
        )

    try:
        report = run_in_session(args, work)
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

    username = args.bot_username or settings_of(args).telegram.bot_username or ""

    async def work(session: Any) -> list[list[str]]:
        rows = []
        for h in await binding_codes(session, community=args.community):
            link = f"https://t.me/{username}?start={h.binding_code}" if username else ""
            building = h.building
            owner = h.owner_name or ""
            rows.append(
                [
                    building.community.name,
                    building.name,
                    h.unit,
                    h.room,
                    owner,
                    h.binding_code,
                    link,
                ]
            )
        return rows

    rows = run_in_session(args, work)
    # utf-8-sig: Excel reads it as UTF-8
    with open(args.out, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(CODES_HEADER)
        writer.writerows(rows)
    print(f"{len(rows)} binding codes written to {args.out}")


def cmd_rotate_code(args: argparse.Namespace) -> None:
    from services.households import find_household
    from services.onboarding import rotate_code

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
        return await rotate_code(session, household_id=household.id, now=now(), actor_kind="cli")

    print(f"new binding code: {run_in_session(args, work)} (the old one no longer works)")


def cmd_staff_add(args: argparse.Namespace) -> None:
    from services.staff import add_staff

    async def work(session: Any) -> Any:
        return await add_staff(
            session,
            external_id=str(args.telegram_id),
            name=args.name,
            role=StaffRole(args.role),
            now=now(),
            community=args.community,
            buildings=split_list(args.buildings),
        )

    staff, created = run_in_session(args, work)
    print(f"staff {'added' if created else 'updated'}: #{staff.id} {staff.role.value}")


def cmd_groups_add(args: argparse.Namespace) -> None:
    from services.staff import add_group

    async def work(session: Any) -> Any:
        return await add_group(
            session,
            chat_id=str(args.chat_id),
            purpose=args.purpose,
            now=now(),
            title=args.title,
            community=args.community,
            categories=split_list(args.categories),
            buildings=split_list(args.buildings),
            forum=args.forum,
        )

    group, created = run_in_session(args, work)
    forum = " (forum: a topic per ticket)" if group.is_forum else ""
    print(f"group {'added' if created else 'updated'}: #{group.id} {group.purpose}{forum}")


def cmd_token_create(args: argparse.Namespace) -> None:
    from services.api_tokens import issue

    async def work(session: Any) -> str:
        return await issue(session, external_id=str(args.telegram_id), name=args.name, now=now())

    token = run_in_session(args, work)
    print(f"API token (shown once; send it as 'Authorization: Bearer …'):\n{token}")


def cmd_token_revoke(args: argparse.Namespace) -> None:
    from services.api_tokens import revoke_all

    async def work(session: Any) -> int:
        return await revoke_all(session, external_id=str(args.telegram_id), now=now())

    revoked = run_in_session(args, work, refused=lambda _: "no staff member with that Telegram id")
    print(f"{revoked} token(s) revoked")


def cmd_dead_letters(args: argparse.Namespace) -> None:
    from services.outbox import dead_letters

    async def work(session: Any) -> list[Any]:
        return await dead_letters(session, limit=args.limit)

    rows = run_in_session(args, work)
    for row in rows:
        print(
            f"#{row.id} chat {row.chat_id} {row.notice} attempts={row.attempts} {row.last_error or ''}"
        )
    print(f"{len(rows)} dead letter(s)")


def register(sub: Any) -> None:
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
