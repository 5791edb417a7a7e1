"""What every `linli` command shares: settings, one migrated session, the clock, exit messages."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from core.settings import Settings, SettingsError, load_settings
from models.db import Database
from models.migrate import upgrade
from services.errors import DomainError

T = TypeVar("T")

# The refusals an operator's command meets, in the operator's words (the CLI speaks English;
# residents and staff in chat get the catalogue's).
REFUSALS = {
    "community.unknown": "no community named {name!r}",
    "community.required_for_buildings": "--buildings needs --community",
    "building.unknown": "no building named {name!r} in that community",
    "group.unknown_purpose": (
        "no group purpose {purpose!r}: use dispatch, managers, repairs, complaints or stewards"
    ),
    "staff.unknown": "no active staff member with that Telegram id (`linli staff add` first)",
}


def refusal(error: DomainError) -> str:
    """What to tell the operator about a refusal (its key and data when it has no words)."""
    words = REFUSALS.get(error.key)
    return words.format(**error.data) if words else f"{error.key} {error.data}"


def settings_of(args: argparse.Namespace, **overrides: Any) -> Settings:
    try:
        return load_settings(args.config, **overrides)
    except SettingsError as exc:
        sys.exit(f"linli: {exc}")


async def in_session(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
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


def run_in_session(
    args: argparse.Namespace,
    work: Callable[[Any], Awaitable[T]],
    *,
    refused: Callable[[DomainError], str] = refusal,
) -> T:
    """`work` in one committed session of the configured database; a DomainError it raises
    ends the command with `refused(error)` instead of a trace."""
    settings = settings_of(args)
    try:
        return asyncio.run(in_session(settings, work))
    except DomainError as exc:
        sys.exit(f"linli: {refused(exc)}")


def now() -> datetime:
    return datetime.now(UTC)


def parse_now(text: str) -> datetime:
    """An ISO-8601 time from the command line, in UTC (a time without a zone is taken as UTC)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        sys.exit(f"linli: --now {text!r} is not an ISO-8601 time")
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def split_list(value: str | None) -> list[str]:
    """`a, b,c` → ["a", "b", "c"]; nothing → []."""
    return [part.strip() for part in value.split(",") if part.strip()] if value else []
