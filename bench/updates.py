"""Updates per second and reply latency: a bare aiogram echo bot versus the whole Linli stack.

    .venv/bin/python -m bench.updates [--residents N] [--rate R] [--seconds S] [--database-url URL]

Two processes, as in production, where Telegram is a remote server:
  * this one runs the bot under test, and nothing else while it is measured;
  * `bench/simserver.py`, started here as a subprocess, is "Telegram": the Bot API simulator
    (rate limits off: we measure our stack, not Telegram's limits) and the load generator,
    which acts as the residents inside the simulator's event loop and stamps, on one clock,
    when each user message was stored and when the bot's reply to it was stored.

For each bot (each gets a fresh simulator process):
  1. warm-up: a second of closed-loop traffic (connection pools, caches, compiled SQL);
  2. open loop: `/help` from a random idle resident at a fixed rate for S seconds. Each
     resident has at most one message in flight; when every resident is busy the generator
     sheds that send (counted). Latency: user message stored → bot reply stored;
  3. closed loop: K residents each send, wait for the reply and send again, for a few seconds:
     the most updates per second this bot manages on this machine.
The simulator process answers each phase with its figures in one call; this process adds
its own CPU time over the phase ("bot CPU ms/update": the bot's whole process, its threads
included, per answered update) and the garbage collector's pauses.

The "echo" bot is aiogram's minimum: a Dispatcher (MemoryStorage) with one handler
`message.answer(message.text)`, polling with `dp.start_polling`. The "full" stack is
`bot.runtime.Runtime` (polling, middlewares, handlers, outbox sender, scheduler, web) on a
migrated, seeded database in which every simulated resident is already bound to a
household, with the flood limit and the sender's own buckets raised out of the way. Both
freeze the start-up heap out of the garbage collector's way, as `linli run` does.

It prints figures only; it never fails on them (exit status 0 unless the bench itself broke).
`--only` runs one bot; `--cprofile echo|full` profiles one bot's measured phases in this
process; py-spy gives truer figures: the bot's pid is printed when it is ready, e.g.
`.venv/bin/py-spy record --pid PID --duration 15 -o /tmp/prof.svg`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import math
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from core.settings import DEMO_TOKEN

log = logging.getLogger("bench.updates")

FIRST_RESIDENT_ID = 50001
WAIT_TIMEOUT = 10.0  # seconds a reply may take before it counts as lost
WARMUP_SECONDS = 1.0
SETTLE_SECONDS = 0.5
TARGET_RATIO = 0.5  # full stack ≥ half the echo bot's throughput
TARGET_P99_MS = 100.0  # p99 below 100 ms at 100 updates/s
TARGET_RATE = 100.0
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --- results ------------------------------------------------------------------------------------


@dataclass
class OpenLoop:
    offered: float
    planned: int
    sent: int = 0
    shed: int = 0  # every resident had a message in flight
    answered: int = 0
    lost: int = 0  # no reply within WAIT_TIMEOUT
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    span: float = 0.0  # first send → last reply
    cpu_seconds: float = 0.0  # the bot's process
    sim_cpu_seconds: float = 0.0  # the simulator's process (simulator and load generator)

    @property
    def achieved(self) -> float:
        return self.answered / self.span if self.answered and self.span > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan

    @property
    def sim_cpu_ms_per_update(self) -> float:
        return 1000 * self.sim_cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class ClosedLoop:
    workers: int
    answered: int = 0
    lost: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    sim_cpu_seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan

    @property
    def sim_cpu_ms_per_update(self) -> float:
        return 1000 * self.sim_cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class BotResult:
    name: str
    open: OpenLoop | None = None
    closed: ClosedLoop | None = None
    note: str = ""
    gc: GcPauses | None = None


class GcPauses:
    """Garbage-collector pauses in the bot's process while measuring."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], 1000 * (time.perf_counter() - self._started)))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> str:
        full = [ms for generation, ms in self.pauses if generation == 2]
        longest = max((ms for _, ms in self.pauses), default=0.0)
        return (
            f"GC: {len(self.pauses)} collections, {len(full)} full (longest {max(full, default=0.0):.0f} ms), "
            f"longest pause {longest:.0f} ms"
        )


# --- the simulator process ----------------------------------------------------------------------


class Simulator:
    """`bench.simserver` in a subprocess: the Bot API simulator and the load generator."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.http = httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(30.0))

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.simserver", "--port", str(self.port), cwd=ROOT
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.returncode is not None:
                raise RuntimeError(f"the simulator exited with status {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await self.http.get("/bench/ping")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start within 30 s")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await self.http.aclose()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def create_residents(self, ids: list[int], first_name: str) -> None:
        response = await self.http.post(
            "/bench/residents",
            json={"ids": ids, "first_name": first_name, "language_code": "zh-hans"},
        )
        response.raise_for_status()

    async def run(self, **body: Any) -> dict[str, Any]:
        """One load phase, run by the simulator's process; answers when it is over."""
        seconds = float(body["seconds"])
        response = await self.http.post(
            "/bench/run",
            json={"timeout": WAIT_TIMEOUT, **body},
            timeout=httpx.Timeout(seconds + WAIT_TIMEOUT + 60),
        )
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def simulator() -> AsyncIterator[Simulator]:
    sim = Simulator()
    try:
        await sim.start()
        yield sim
    finally:
        await sim.stop()


# --- load ---------------------------------------------------------------------------------------


async def closed_loop(sim: Simulator, workers: int, seconds: float) -> ClosedLoop:
    cpu0 = time.process_time()
    out = await sim.run(mode="closed", workers=workers, seconds=seconds)
    result = ClosedLoop(
        workers=workers,
        answered=out["answered"],
        lost=out["lost"],
        errors=out["errors"],
        seconds=out["seconds"],
        latencies_ms=out["latencies_ms"],
        cpu_seconds=time.process_time() - cpu0,
        sim_cpu_seconds=out["cpu_seconds"],
    )
    return result


async def open_loop(sim: Simulator, rate: float, seconds: float) -> OpenLoop:
    cpu0 = time.process_time()
    out = await sim.run(mode="open", rate=rate, seconds=seconds, seed=1234)
    return OpenLoop(
        offered=rate,
        planned=out["planned"],
        sent=out["sent"],
        shed=out["shed"],
        answered=out["answered"],
        lost=out["lost"],
        errors=out["errors"],
        latencies_ms=out["latencies_ms"],
        span=out["span"],
        cpu_seconds=time.process_time() - cpu0,
        sim_cpu_seconds=out["cpu_seconds"],
    )


async def measure(name: str, sim: Simulator, args: argparse.Namespace) -> BotResult:
    workers = min(args.concurrency, args.residents)
    await closed_loop(sim, workers, WARMUP_SECONDS)
    print(f"  {name}: bot process pid {os.getpid()}", file=sys.stderr, flush=True)
    if args.pause:
        print(f"  {name}: waiting {args.pause:g} s (attach a profiler now)", file=sys.stderr)
        await asyncio.sleep(args.pause)
    pauses = GcPauses()
    result = BotResult(name=name, gc=pauses)
    with pauses, profiled(args, name.split()[0]):
        print(
            f"  {name}: open loop, {args.rate:g} updates/s for {args.seconds:g} s …",
            file=sys.stderr,
            flush=True,
        )
        result.open = await open_loop(sim, args.rate, args.seconds)
        await asyncio.sleep(SETTLE_SECONDS)  # let the sender and the scheduler finish what is left
        print(
            f"  {name}: closed loop, {args.concurrency} residents for {args.closed_seconds:g} s …",
            file=sys.stderr,
            flush=True,
        )
        result.closed = await closed_loop(sim, workers, args.closed_seconds)
    return result


# --- the echo bot -------------------------------------------------------------------------------


async def run_echo(args: argparse.Namespace) -> BotResult:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    async with simulator() as sim:
        await sim.create_residents(resident_ids(args.residents), "Echo ")
        bot = Bot(DEMO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sim.url)))
        dp = Dispatcher()

        @dp.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "?")

        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, close_bot_session=False),
            name="echo-polling",
        )
        try:
            await wait_polling(dp)
            gc.collect()
            gc.freeze()  # as the full stack does (Runtime.freeze_gc)
            return await measure("echo bot", sim, args)
        finally:
            with contextlib.suppress(Exception):
                await dp.stop_polling()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(polling, timeout=15)
            await bot.session.close()
            gc.unfreeze()


async def wait_polling(dp: Any) -> None:
    deadline = time.monotonic() + 30
    while not dp._running_lock.locked():  # start_polling holds it while it runs
        if time.monotonic() > deadline:
            raise RuntimeError("the echo bot did not start polling within 30 s")
        await asyncio.sleep(0.02)


# --- the full stack -----------------------------------------------------------------------------


def resident_ids(n: int) -> list[int]:
    return list(range(FIRST_RESIDENT_ID, FIRST_RESIDENT_ID + n))


RESIDENT_NAME = "住户"


def resident_name(user_id: int) -> str:
    return f"{RESIDENT_NAME}{user_id}"


@contextlib.asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[str]:
    """A new, empty database: a temporary SQLite file, or a new PostgreSQL database (then dropped)."""
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
        try:
            yield f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(
            "--database-url: only postgresql+asyncpg://… is supported (SQLite is the default)"
        )
    import asyncpg

    admin_dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"linli_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def seed_estate(database_url: str, sim: Simulator, ids: list[int]) -> int:
    """Migrate, seed the demo estate, register its personas, and bind every resident to a home."""
    from sqlalchemy import select

    from models import ChatIdentity, Household, Resident, ResidentRole
    from models.db import Database
    from models.migrate import upgrade_async
    from services.demo import seed_demo

    await upgrade_async(database_url)
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.sessions() as session:
            info = await seed_demo(session, now=now)
            await session.commit()
        for p in info.personas:
            if p.is_group:
                body: dict[str, Any] = {
                    "id": p.id,
                    "title": p.first_name,
                    "type": "supergroup",
                    "members": list(p.members),
                }
                (await sim.http.post("/control/chats", json=body)).raise_for_status()
            else:
                body = {
                    "id": p.id,
                    "first_name": p.first_name,
                    "phone_number": p.phone,
                    "language_code": p.language_code,
                }
                (await sim.http.post("/control/users", json=body)).raise_for_status()
        async with db.sessions() as session:
            households = list(await session.scalars(select(Household.id).order_by(Household.id)))
            identities = []
            for user_id in ids:
                identity = ChatIdentity(
                    channel="telegram",
                    external_id=str(user_id),
                    display_name=resident_name(user_id),
                    platform_language="zh-hans",
                    blocked=False,
                    created_at=now,
                    last_seen_at=now,
                )
                session.add(identity)
                identities.append(identity)
            await session.flush()
            for i, identity in enumerate(identities):
                first_in_home = i < len(households)
                session.add(
                    Resident(
                        household_id=households[i % len(households)],
                        identity_id=identity.id,
                        role=ResidentRole.owner if first_in_home else ResidentRole.family,
                        name=resident_name(int(identity.external_id)),
                        bound_via="code",
                        active=True,
                        bound_at=now,
                    )
                )
            await session.commit()
        return len(households)
    finally:
        await db.dispose()


async def run_full(args: argparse.Namespace) -> BotResult:
    from bot.runtime import Runtime
    from core.settings import load_settings

    ids = resident_ids(args.residents)
    async with simulator() as sim, fresh_database(args.database_url) as database_url:
        backend = database_url.split(":", 1)[0]  # as configured
        await sim.create_residents(ids, RESIDENT_NAME)
        homes = await seed_estate(database_url, sim, ids)
        settings = load_settings(
            None,
            database={"url": database_url},
            telegram={"token": DEMO_TOKEN, "api_base": sim.url},
            web={"host": "127.0.0.1", "port": free_port()},
            flood={"per_minute": 100_000},
            delivery={
                "per_second": 100_000,
                "private_per_second": 1000,
                "private_burst": 1000,
            },
            log_level="WARNING",
        )
        runtime = Runtime(settings, freeze_gc=True)  # as `linli run` does
        serving = asyncio.create_task(runtime.serve(), name="linli")
        ready = asyncio.create_task(runtime.ready.wait())
        done, _ = await asyncio.wait(
            [serving, ready], timeout=60, return_when=asyncio.FIRST_COMPLETED
        )
        if serving in done:
            serving.result()
        if ready not in done:
            raise RuntimeError("the product did not start within 60 s")
        try:
            result = await measure("full stack", sim, args)
            assert runtime.db is not None
            dialect = runtime.db.engine.dialect
            result.note = (
                f"{backend} (driver in use: {dialect.name}+{dialect.driver}), "
                f"{len(ids)} residents in {homes} homes"
            )
            return result
        finally:
            ready.cancel()
            runtime.stop.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(serving, timeout=15)
            gc.unfreeze()


# --- profiling (optional) -----------------------------------------------------------------------


@contextlib.contextmanager
def profiled(args: argparse.Namespace, which: str) -> Any:
    """cProfile the measured phases of one bot when asked (--cprofile echo|full)."""
    if args.cprofile != which:
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        path = Path(args.cprofile_out)
        profile.dump_stats(path)
        stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
        print(f"\n--- cProfile of {which} (saved to {path}) ---", file=sys.stderr)
        stats.print_stats(40)
        stats.sort_stats("tottime").print_stats(40)


# --- report -------------------------------------------------------------------------------------


def fmt(value: float, digits: int = 1) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.{digits}f}"
    )


def report(results: list[BotResult], args: argparse.Namespace) -> None:
    header = (
        "bot",
        "offered/s",
        "achieved/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost",
        "shed",
        "max-throughput/s",
        "closed p50/p99 ms",
        "bot CPU ms/update",
        "sim CPU ms/update",
    )
    rows = []
    for r in results:
        o, c = r.open, r.closed
        assert o is not None and c is not None
        rows.append(
            (
                r.name,
                fmt(o.offered, 0),
                fmt(o.achieved),
                fmt(o.p(0.50)),
                fmt(o.p(0.99)),
                fmt(max(o.latencies_ms) if o.latencies_ms else math.nan),
                str(o.lost + o.errors),
                str(o.shed),
                fmt(c.throughput),
                f"{fmt(c.p(0.50), 0)} / {fmt(c.p(0.99), 0)}",
                f"{fmt(o.cpu_ms_per_update, 2)} / {fmt(c.cpu_ms_per_update, 2)}",
                f"{fmt(o.sim_cpu_ms_per_update, 2)} / {fmt(c.sim_cpu_ms_per_update, 2)}",
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print()
    print(
        f"Linli update benchmark — {args.residents} residents, /help, simulator limits off "
        f"(own process), open loop {args.seconds:g} s, closed loop {args.concurrency} residents "
        f"× {args.closed_seconds:g} s, {os.cpu_count()} CPUs"
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for r in results:
        notes = [n for n in (r.note, r.gc.summary() if r.gc else "") if n]
        if notes:
            print(f"  {r.name}: {'; '.join(notes)}")
    print(
        "  latency: the user's message stored in the simulator → the bot's reply stored in that chat, "
        "both stamped in the simulator's process"
    )
    print(
        "  lost: no reply within 10 s (or an error); shed: sends skipped because every resident was "
        "waiting; CPU ms/update: open / closed loop, per answered update, of the bot's process "
        "(threads included) and of the simulator's (simulator and load generator)"
    )
    by_name = {r.name: r for r in results}
    echo, full = by_name.get("echo bot"), by_name.get("full stack")
    print()
    if echo and full and echo.closed and full.closed and echo.closed.throughput > 0:
        ratio = full.closed.throughput / echo.closed.throughput
        verdict = "holds" if ratio >= TARGET_RATIO else "MISSED"
        print(
            f"full/echo max throughput: {ratio:.2f}  → target ≥ {TARGET_RATIO} of the echo bot: {verdict}"
        )
    if full and full.open:
        p99 = full.open.p(0.99)
        at = f"at {full.open.offered:g} updates/s"
        if full.open.offered != TARGET_RATE:
            at += f" (the target is stated at {TARGET_RATE:g}/s)"
        clean = full.open.lost + full.open.errors + full.open.shed == 0
        verdict = "holds" if (not math.isnan(p99) and p99 < TARGET_P99_MS and clean) else "MISSED"
        print(
            f"full stack p99 {fmt(p99)} ms {at}  → target p99 < {TARGET_P99_MS:g} ms: {verdict}"
            + ("" if clean else " (some updates were lost or shed)")
        )


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.updates", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--residents", type=int, default=200, help="simulated residents (default 200)"
    )
    parser.add_argument(
        "--rate", type=float, default=100.0, help="open-loop updates per second (default 100)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="open-loop duration (default 20)"
    )
    parser.add_argument(
        "--closed-seconds", type=float, default=5.0, help="closed-loop duration (default 5)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="closed-loop residents K (default 32)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql+asyncpg://… server to create a scratch database on (default: SQLite)",
    )
    parser.add_argument("--only", choices=("echo", "full"), default=None, help="run one bot only")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds to wait after the warm-up (to attach py-spy to the printed pid)",
    )
    parser.add_argument(
        "--cprofile",
        choices=("echo", "full"),
        default=None,
        help="cProfile one bot's measured phases (slows it down)",
    )
    parser.add_argument(
        "--cprofile-out", default="bench-updates.prof", help="where --cprofile saves its stats"
    )
    args = parser.parse_args(argv)
    if (
        args.residents < 1
        or args.rate <= 0
        or args.seconds <= 0
        or args.closed_seconds <= 0
        or args.concurrency < 1
        or args.pause < 0
    ):
        parser.error(
            "--residents, --rate, --seconds, --closed-seconds and --concurrency must be positive"
        )
    args.residents = min(args.residents, 100_000)
    args.seconds = min(args.seconds, 600.0)
    args.closed_seconds = min(args.closed_seconds, 120.0)
    return args


async def main_async(args: argparse.Namespace) -> list[BotResult]:
    runs: list[tuple[str, Callable[[argparse.Namespace], Awaitable[BotResult]]]] = []
    if args.only in (None, "echo"):
        runs.append(("echo bot", run_echo))
    if args.only in (None, "full"):
        runs.append(("full stack", run_full))
    results = []
    for name, run in runs:
        print(f"{name} …", file=sys.stderr, flush=True)
        results.append(await run(args))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in (
        "httpx",
        "httpcore",
        "aiogram",
        "aiogram.event",
        "aiogram.dispatcher",
        "uvicorn.error",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.perf_counter()
    results = asyncio.run(main_async(args))
    report(results, args)
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
