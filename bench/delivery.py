"""The outbox sender's throughput: its own ceiling, and how close it runs to Telegram's limit.

    .venv/bin/python -m bench.delivery [--database-url URL] [--messages N] [--repeat R]
        [--batches 50,200,1000] [--limit-seconds S] [--skip-limit] [--skip-ceiling] [--profile]
        [--no-gc-freeze]

(a) Ceiling, limits off. A broadcast of N messages (released by `services.broadcasts`, one
    outbox row per bound resident) drained by `bot.delivery.Sender.drain_until_idle()` with
    its token buckets raised out of the way, on SQLite (a temporary file) and on PostgreSQL
    (`--database-url` is an admin URL: a fresh database is created and dropped for the run).
    To measure the sender and not the Bot API, it sends to a stub: a raw asyncio HTTP server
    in its own process answering every request with one fixed, valid `Message`. Baseline, in
    the same run: the same aiogram Bot sending the same N messages to the stub in gathers of
    one batch, with no database at all ("wire"), so sender/wire is what the outbox costs.
    For context, the same drain against the real simulator (its own process, limits off).
(b) The limit. The default sender (30/s bot-wide, 1/s per chat) against the simulator with
    Telegram's default limits for at least S seconds: the rate achieved as a fraction of 30/s
    (steady slope of the simulator's count, the first seconds' burst left out), the 429s the
    simulator answered and its violation count.

Loopback only; every server is a child process, stopped at the end. Prints figures, never
asserts (exit status 0 unless the bench itself broke). The machine's other load (PostgreSQL,
the stub, the simulator) shares its CPUs with the sender, as it would in production; each
ceiling figure is the best of `--repeat` runs, and the load average is printed, because
wall-clock rates on a busy machine vary. "CPU ms/msg" (this process's CPU time per message)
varies less: it is the figure to compare between versions. "GC ms/msg" is the part of it
spent in Python's garbage collector (mostly full collections, whose cost grows with the
process's heap: every module the product imports).
Before each run the garbage collector is set as `linli run` sets it once it has started
(core/heap.py: what was allocated so far frozen out of its reach, young objects collected
less often), so the figures are the running product's; `--no-gc-freeze` measures without
it, to see what that buys.
`--profile` runs cProfile over the PostgreSQL drain at the default batch size and prints the
hot spots (py-spy, in the venv, gives a truer picture:
`py-spy record -o out.svg -- .venv/bin/python -m bench.delivery --skip-limit`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import os
import pstats
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.children import child, serve_simulator, serve_stub
from bench.common import GcPauses
from bench.scratch import scratch_database
from core import heap

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1/test"
FIRST_ID = 3_000_001
TELEGRAM_LIMIT = 30.0
TARGET_CEILING = 2_000.0  # messages/s on PostgreSQL, limits off
TARGET_FRACTION = 0.97  # of the 30/s limit, with no 429s
BURST_SECONDS = 3.0  # left out of the steady-rate slope in (b)
OFF = {"per_second": 1_000_000.0, "private_per_second": 1_000_000.0, "private_burst": 1000}


# --- databases -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def migrated_database(server_url: str | None) -> AsyncIterator[str]:
    """A scratch database (SQLite, or PostgreSQL on `server_url`'s server), migrated."""
    from models.migrate import upgrade_async

    async with scratch_database(server_url) as url:
        await upgrade_async(url)
        yield url


# --- measurements ----------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    messages: int
    seconds: float
    cpu_seconds: float
    gc_seconds: float = 0.0  # of `cpu_seconds`, in Python's garbage collector

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else float("nan")

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.messages if self.messages else float("nan")

    @property
    def gc_ms(self) -> float:
        return 1000 * self.gc_seconds / self.messages if self.messages else float("nan")


class Estate:
    """One database with N bound residents; each `release()` is a new N-message broadcast."""

    def __init__(self, url: str, count: int) -> None:
        from models.db import Database

        self.url = url
        self.count = count
        self.ids = list(range(FIRST_ID, FIRST_ID + count))
        self.db = Database(url)

    async def seed(self) -> None:
        from tests.delivery.support import bind_residents

        await bind_residents(self.db, self.ids, datetime.now(UTC))

    async def release(self) -> int:
        from tests.delivery.support import release_broadcast

        return await release_broadcast(self.db, datetime.now(UTC), title="bench")

    async def close(self) -> None:
        await self.db.dispose()


def _sender(estate: Estate, api_base: str, **settings: Any) -> Any:
    from core.clock import SystemClock
    from core.settings import DeliverySettings
    from tests.delivery.support import build_bot, build_sender

    bot = build_bot(api_base, timeout=30)
    return build_sender(estate.db, bot, DeliverySettings(**settings), SystemClock()), bot


async def drain(
    estate: Estate,
    api_base: str,
    label: str,
    batch: int,
    profile: cProfile.Profile | None = None,
    *,
    freeze: bool = False,
) -> Figure:
    """Release a broadcast and time `drain_until_idle` over it, limits off."""
    await estate.release()
    sender, bot = _sender(estate, api_base, batch_size=batch, **OFF)
    try:
        with heap.settled() if freeze else contextlib.nullcontext(), GcPauses() as collector:
            started, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            sent = await sender.drain_until_idle(max_batches=1_000_000)
            if profile is not None:
                profile.disable()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return Figure(label, sent, seconds, cpu, collector.seconds)
    finally:
        await bot.session.close()


async def wire(api_base: str, count: int, batch: int, *, freeze: bool = False) -> Figure:
    """Baseline: the same Bot sending `count` messages in gathers of `batch`, no database."""
    from tests.delivery.support import build_bot

    bot = build_bot(api_base, timeout=30)
    try:
        await bot.send_message(FIRST_ID, "warm-up")
        with heap.settled() if freeze else contextlib.nullcontext(), GcPauses() as collector:
            started, cpu = time.perf_counter(), time.process_time()
            for start in range(0, count, batch):
                chunk = range(FIRST_ID + start, FIRST_ID + min(count, start + batch))
                await asyncio.gather(*(bot.send_message(chat, "通知") for chat in chunk))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return Figure(f"wire, batch {batch}", count, seconds, cpu, collector.seconds)
    finally:
        await bot.session.close()


def best(figures: list[Figure]) -> Figure:
    return max(figures, key=lambda f: f.rate)


def print_figures(title: str, figures: list[Figure], baseline: dict[int, Figure]) -> None:
    print(f"\n{title}")
    print(
        f"  {'run':<44} {'messages':>8} {'seconds':>8} {'msg/s':>8} {'CPU ms/msg':>10} "
        f"{'GC ms/msg':>9} ratio"
    )
    for f in figures:
        batch = int(f.label.rsplit(" ", 1)[-1]) if f.label[-1].isdigit() else 0
        base = baseline.get(batch)
        ratio = f"{f.rate / base.rate:5.2f} of wire" if base and base is not f else ""
        print(
            f"  {f.label:<44} {f.messages:>8} {f.seconds:>8.2f} {f.rate:>8.0f} "
            f"{f.cpu_ms:>10.3f} {f.gc_ms:>9.3f} {ratio}"
        )


async def ceiling(args: argparse.Namespace) -> dict[str, Figure]:
    """(a): stub and simulator, SQLite and PostgreSQL, several batch sizes."""
    results: dict[str, Figure] = {}
    batches = [int(b) for b in args.batches.split(",")]
    frozen = args.gc_freeze
    runs = range(args.repeat)
    async with child(serve_stub) as stub:
        baseline = {
            b: best([await wire(stub, args.messages, b, freeze=frozen) for _ in runs])
            for b in batches
        }
        print_figures("Baseline: aiogram Bot → stub, no database", list(baseline.values()), {})
        backends: list[tuple[str, Any]] = [("SQLite", migrated_database(None))]
        if args.database_url:
            backends.append(("PostgreSQL", migrated_database(args.database_url)))
        for name, database in backends:
            try:
                async with database as url:
                    estate = Estate(url, args.messages)
                    try:
                        await estate.seed()
                        figures = []
                        for b in batches:
                            label = f"{name} sender → stub, batch {b}"
                            f = best(
                                [await drain(estate, stub, label, b, freeze=frozen) for _ in runs]
                            )
                            figures.append(f)
                            results[f"{name}:{b}"] = f
                        async with child(
                            serve_simulator, FIRST_ID, args.messages, False
                        ) as simulator:
                            label = f"{name} sender → simulator, batch 50"
                            f = best(
                                [
                                    await drain(estate, simulator, label, 50, freeze=frozen)
                                    for _ in runs
                                ]
                            )
                        figures.append(f)
                        results[f"{name}:sim"] = f
                        print_figures(f"(a) Ceiling on {name}, limits off", figures, baseline)
                        if args.profile and name == "PostgreSQL":
                            profile = cProfile.Profile()
                            await drain(estate, stub, "profiled", 50, profile)
                            print_profile(profile)
                    finally:
                        await estate.close()
            except (OSError, ImportError) as exc:
                print(f"\n(a) {name}: skipped ({type(exc).__name__}: {exc})")
    return results


def print_profile(profile: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(25)
    print("\ncProfile of the PostgreSQL drain (batch 50):")
    print(out.getvalue())


async def at_the_limit(args: argparse.Namespace) -> None:
    """(b): the default sender against the simulator's default limits for ≥ S seconds."""
    count = int(TELEGRAM_LIMIT * (args.limit_seconds + BURST_SECONDS)) + 30
    async with migrated_database(None) as url:
        estate = Estate(url, count)
        await estate.seed()
        async with child(serve_simulator, FIRST_ID, count, True) as simulator:
            sender, bot = _sender(estate, simulator)  # every default: 30/s, 1/s per chat
            stop = asyncio.Event()
            samples: list[tuple[float, int]] = []
            async with httpx.AsyncClient(base_url=simulator + "/control", timeout=10) as control:
                await estate.release()
                started = time.perf_counter()
                running = asyncio.create_task(sender.run(stop))
                deadline = started + args.limit_seconds * 2 + 30
                while True:
                    stats = (await control.get("/stats")).json()
                    samples.append((time.perf_counter() - started, stats["bot_messages"]))
                    if stats["bot_messages"] >= count or time.perf_counter() > deadline:
                        break
                    await asyncio.sleep(0.25)
                stop.set()
                await running
                await bot.session.close()
                stats = (await control.get("/stats")).json()
    await estate.close()
    elapsed = samples[-1][0]
    steady = [(t, n) for t, n in samples if t >= BURST_SECONDS]
    slope = _slope(steady)
    too_many = sum(n for key, n in stats["errors"].items() if key.startswith("429"))
    print(f"\n(b) Default sender vs the simulator's default limits ({TELEGRAM_LIMIT:.0f}/s)")
    print(f"  messages sent                 {stats['bot_messages']} in {elapsed:.1f} s")
    print(f"  overall rate (with the burst) {stats['bot_messages'] / elapsed:.2f} msg/s")
    print(
        f"  steady rate after {BURST_SECONDS:.0f} s         {slope:.2f} msg/s over "
        f"{steady[-1][0] - steady[0][0]:.1f} s = {slope / TELEGRAM_LIMIT:.1%} of the limit "
        f"(target ≥ {TARGET_FRACTION:.0%})"
    )
    print(f"  429 answers                   {too_many}")
    print(f"  simulator violations          {stats['violations']}")


def _slope(points: list[tuple[float, int]]) -> float:
    """Least-squares messages per second."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    num = sum((t - mean_t) * (m - mean_m) for t, m in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return num / den if den else float("nan")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LINLI_BENCH_DATABASE_URL", ADMIN_URL),
        help=f"PostgreSQL admin URL (default {ADMIN_URL}); '' to skip PostgreSQL",
    )
    parser.add_argument("--messages", type=int, default=5_000, help="per ceiling run")
    parser.add_argument("--repeat", type=int, default=2, help="ceiling runs; the best is shown")
    parser.add_argument("--batches", default="50,200,1000", help="batch sizes for (a)")
    parser.add_argument("--limit-seconds", type=float, default=60.0, help="length of (b)")
    parser.add_argument("--skip-limit", action="store_true", help="only (a)")
    parser.add_argument("--skip-ceiling", action="store_true", help="only (b)")
    parser.add_argument("--profile", action="store_true", help="cProfile the PostgreSQL drain")
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="set the garbage collector before each drain as `linli run` does (default: on)",
    )
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> None:
    print(
        f"bench.delivery: {os.cpu_count()} CPUs, load average {_load()}; "
        f"{args.messages} messages per ceiling run, best of {args.repeat}"
    )
    if not args.skip_ceiling:
        results = await ceiling(args)
        pg = results.get("PostgreSQL:50")
        if pg is not None:
            verdict = "meets" if pg.rate >= TARGET_CEILING else "MISSES"
            print(
                f"\nPostgreSQL ceiling at the default batch size: {pg.rate:.0f} msg/s "
                f"({verdict} the {TARGET_CEILING:.0f} msg/s target)"
            )
    if not args.skip_limit:
        await at_the_limit(args)
    print(f"\nload average at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
