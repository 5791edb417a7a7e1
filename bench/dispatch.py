"""What one update costs the bot in its own process, by kind of message, against /help.

    .venv/bin/python -m bench.dispatch [--updates N] [--rounds R]

Updates are fed straight to the product's Dispatcher (bot.app.build_dispatcher: middlewares,
handlers, the update's transaction), on a scratch SQLite database with the demo estate and
200 bound residents, as `bench/updates.py` seeds it. No network: replies stay in the outbox,
so this is the bot's side of an update only, without Telegram or the sender. Each kind of
message is fed N times per round, the kinds taking turns round by round; the figure is the
median round's CPU per update, and each kind's ratio to /help measured in the same run (this
machine's speed drifts, ratios less).

Kinds: /help (a command near the front of the handlers), a typed problem (matched, offered a
report: the conversation's data is written), chat that is not a problem ("你好": tried against
every handler, then answered "not understood"), and a main-menu button ("📋 我的工单").
It prints figures only; it never fails on them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.types import Update

from bench.contenders import resident_ids, seed_estate
from bench.scratch import scratch_database
from bot.app import build_dispatcher
from bot.i18n import Catalogue
from core import heap
from core.clock import SystemClock
from core.settings import DEMO_TOKEN, load_settings
from models.db import Database

KINDS: dict[str, str] = {
    "/help": "/help",
    "typed problem": "楼道的灯坏了",
    "chat, not a problem": "你好",
    "menu button": "📋 我的工单",
}


def _updates(bot: Bot, text: str, ids: list[int], first: int, count: int) -> list[Update]:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    made = []
    for n in range(first, first + count):
        user = ids[n % len(ids)]
        message: dict[str, Any] = {
            "message_id": n,
            "date": 1_800_000_000,
            "chat": {"id": user, "type": "private", "first_name": "住户"},
            "from": {
                "id": user,
                "is_bot": False,
                "first_name": "住户",
                "language_code": "zh-hans",
            },
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = entities
        made.append(
            Update.model_validate({"update_id": n, "message": message}, context={"bot": bot})
        )
    return made


async def _round(feed: Callable[[Update], Any], updates: list[Update]) -> float:
    """CPU seconds per update over `updates`."""
    started = time.process_time()
    for update in updates:
        await feed(update)
    return (time.process_time() - started) / len(updates)


async def main_async(args: argparse.Namespace) -> dict[str, list[float]]:
    ids = resident_ids(200)
    async with scratch_database(None) as url:
        await seed_estate(url, None, ids)
        settings = load_settings(
            None,
            database={"url": url},
            telegram={"token": DEMO_TOKEN, "api_base": "http://127.0.0.1:9"},  # never called
            flood={"per_minute": 1_000_000},
            log_level="WARNING",
        )
        db = Database(url)
        bot = Bot(DEMO_TOKEN)
        try:
            dp = build_dispatcher(
                settings=settings,
                db=db,
                catalogue=Catalogue(default="zh_Hans"),
                clock=SystemClock(),
            )
            from services import matcher

            matcher.default_model()  # trained at start-up, as `linli run` does
            results: dict[str, list[float]] = {kind: [] for kind in KINDS}
            next_id = 1
            with heap.settled():
                for round_no in range(args.rounds + 1):  # round 0 warms up, unmeasured
                    order = list(KINDS.items())
                    if round_no % 2:
                        order.reverse()
                    for kind, text in order:
                        updates = _updates(bot, text, ids, next_id, args.updates)
                        next_id += args.updates
                        seconds = await _round(lambda u: dp.feed_update(bot, u), updates)
                        if round_no:
                            results[kind].append(seconds)
            return results
        finally:
            await bot.session.close()
            await db.dispose()


def report(results: dict[str, list[float]]) -> None:
    base = statistics.median(results["/help"])
    print(f"{'kind':<22}{'µs CPU/update':>15}{'× /help':>10}   rounds (µs)")
    for kind, rounds in results.items():
        median = statistics.median(rounds)
        shown = ", ".join(f"{r * 1e6:.0f}" for r in rounds)
        print(f"{kind:<22}{median * 1e6:>15.0f}{median / base:>10.2f}   {shown}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--updates", type=int, default=1000, help="updates per kind per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    args = parser.parse_args(argv)
    if args.updates < 1 or args.rounds < 1:
        parser.error("--updates and --rounds must be positive")
    report(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
