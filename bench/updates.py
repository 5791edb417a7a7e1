"""Updates per second and reply latency: a bare aiogram echo bot versus the whole Linli stack.

    .venv/bin/python -m bench.updates [--residents N] [--rate R] [--seconds S] [--database-url URL]

Everything runs in this process and its one event loop, on loopback only: the Telegram Bot API
simulator (rate limits off: we measure our stack, not Telegram's limits), the bot under test,
and the load generator, which acts as residents over the simulator's control API.

For each bot:
  1. warm-up: a second of closed-loop traffic (connection pools, caches, compiled SQL);
  2. open loop: `/help` from a random idle resident at a fixed rate for S seconds. Latency is
     from the `POST /control/messages` returning to the bot's reply being in that chat, seen
     with the control API's long-poll `GET /control/chats/{id}/wait?after_id=…&count=1`.
     Each resident has at most one message in flight, so the next bot message in the chat is
     the reply; when every resident is busy the generator sheds that send (counted);
  3. closed loop: K residents each send, wait for the reply and send again, for a few seconds:
     the most updates per second this bot manages on this machine.

The "echo" bot is aiogram's minimum: a Dispatcher (MemoryStorage) with one handler
`message.answer(message.text)`, polling the simulator with `dp.start_polling`. The "full"
stack is `bot.runtime.Runtime` (polling, middlewares, handlers, outbox sender, scheduler, web)
on a migrated, seeded database in which every simulated resident is already bound to a
household, with the flood limit and the sender's own buckets raised out of the way.

It prints figures only; it never fails on them (exit status 0 unless the bench itself broke).
The simulator and the load generator share the CPU with the bot, in both runs alike; the
"CPU ms/update" column is the whole process's CPU time per answered update.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import random
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from core.settings import DEMO_TOKEN

log = logging.getLogger("bench.updates")

FIRST_RESIDENT_ID = 50001
CLIENT_POOL = 64  # connections of the load generator's one httpx client (PITFALLS.md: bound it)
WAIT_TIMEOUT = 10.0  # seconds a reply may take before it counts as lost
WARMUP_SECONDS = 1.0
TARGET_RATIO = 0.5  # full stack ≥ half the echo bot's throughput
TARGET_P99_MS = 100.0  # p99 below 100 ms at 100 updates/s
TARGET_RATE = 100.0


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
    first_send: float = 0.0
    last_reply: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def achieved(self) -> float:
        span = self.last_reply - self.first_send
        return self.answered / span if self.answered and span > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class ClosedLoop:
    workers: int
    answered: int = 0
    lost: int = 0
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class BotResult:
    name: str
    open: OpenLoop | None = None
    closed: ClosedLoop | None = None
    note: str = ""


# --- the simulator and the residents ------------------------------------------------------------


@dataclass
class Simulator:
    url: str
    app: Any
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self) -> None:
        # A bot's last long poll is still open on the server side; uvicorn cancels it after
        # the graceful timeout and logs that as an error, which is expected here.
        uvicorn_log = logging.getLogger("uvicorn.error")
        level = uvicorn_log.level
        uvicorn_log.setLevel(logging.CRITICAL)
        self.server.should_exit = True
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, timeout=10)
        finally:
            uvicorn_log.setLevel(level)
        with contextlib.suppress(Exception):
            await self.app.state.sim.aclose()


async def start_simulator() -> Simulator:
    """A fresh simulator with rate limits off, served by uvicorn in this event loop."""
    from simulator.app import create_app
    from simulator.limits import Limits

    port = free_port()
    app = create_app(DEMO_TOKEN, Limits(enabled=False))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve(), name="simulator")
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start within 10 s")
        await asyncio.sleep(0.02)
    return Simulator(url=f"http://127.0.0.1:{port}", app=app, server=server, task=task)


class ReplyWatch:
    """Stamps, inside the simulator, the moment each message is stored in a watched chat.

    The load generator's own HTTP client must not be what is measured: waiting for every
    reply with the control API's long poll costs the simulator and the client one more request
    per update, and under overload httpcore's pool bookkeeping (quadratic in waiting requests)
    came to dominate the CPU. The simulator runs in this process, so each watched chat's `add`
    is wrapped instead: latency is from the user's message being stored (the control POST
    returns right after) to the bot's reply being stored, on one clock, with no extra traffic.
    """

    def __init__(self) -> None:
        self._sent: dict[tuple[int, int], float] = {}  # (chat, user message id) -> stored at
        self._expected: dict[int, tuple[int, asyncio.Future[tuple[float, float]]]] = {}
        self._early: dict[int, tuple[int, float]] = {}  # a reply stored before it was expected

    def install(self, chat: Any) -> None:
        original = chat.add
        chat_id = chat.id

        def add(message: Any) -> Any:
            stored = original(message)
            self._stored(chat_id, message, time.perf_counter())
            return stored

        chat.add = add

    def _stored(self, chat_id: int, message: Any, at: float) -> None:
        if not message.from_bot:
            self._sent[(chat_id, message.message_id)] = at
            return
        if message.service is not None:
            return
        expected = self._expected.get(chat_id)
        if expected is None or message.message_id <= expected[0]:
            self._early[chat_id] = (message.message_id, at)
            return
        user_message_id, future = expected
        if not future.done():
            future.set_result((self._sent.pop((chat_id, user_message_id), at), at))

    async def reply(
        self, chat_id: int, user_message_id: int, timeout: float
    ) -> tuple[float, float] | None:
        """(user message stored, reply stored) for the next bot message after `user_message_id`."""
        future: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
        early = self._early.pop(chat_id, None)
        if early is not None and early[0] > user_message_id:
            sent = self._sent.pop((chat_id, user_message_id), early[1])
            return sent, early[1]
        self._expected[chat_id] = (user_message_id, future)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            self._sent.pop((chat_id, user_message_id), None)
            return None
        finally:
            self._expected.pop(chat_id, None)


class Residents:
    """The load generator's side: one httpx client on the control API, people to act as."""

    def __init__(self, simulator: Simulator, ids: list[int], *, observe: str = "hook") -> None:
        self.simulator = simulator
        self.http = httpx.AsyncClient(
            base_url=simulator.url + "/control",
            timeout=httpx.Timeout(WAIT_TIMEOUT + 20),
            limits=httpx.Limits(
                max_connections=CLIENT_POOL, max_keepalive_connections=CLIENT_POOL
            ),
        )
        self.ids = ids
        self.watch = ReplyWatch() if observe == "hook" else None

    async def close(self) -> None:
        await self.http.aclose()

    async def create(self, name_of: Callable[[int], str]) -> None:
        for user_id in self.ids:
            response = await self.http.post(
                "/users",
                json={"id": user_id, "first_name": name_of(user_id), "language_code": "zh-hans"},
            )
            response.raise_for_status()
            if self.watch is not None:
                self.watch.install(self.simulator.app.state.sim.chats[user_id])

    async def exchange(self, user_id: int, text: str = "/help") -> tuple[float, float] | None:
        """Send `text` as the user and wait for the bot's next message in the chat.

        Returns the (start, reply) perf_counter stamps, or None when no reply came in time.
        Start is when the simulator stored the user's message (hook) or when the POST
        returned (http: the long-poll `wait` of the control API).
        """
        response = await self.http.post("/messages", json={"user_id": user_id, "text": text})
        response.raise_for_status()
        posted = time.perf_counter()
        message_id = response.json()["message_id"]
        if self.watch is not None:
            return await self.watch.reply(user_id, message_id, WAIT_TIMEOUT)
        response = await self.http.get(
            f"/chats/{user_id}/wait",
            params={"count": 1, "after_id": message_id, "timeout": WAIT_TIMEOUT},
        )
        seen = time.perf_counter()
        response.raise_for_status()
        if response.json()["timed_out"]:
            return None
        return posted, seen


# --- load -------------------------------------------------------------------------------------


async def closed_loop(residents: Residents, workers: int, seconds: float) -> ClosedLoop:
    """`workers` residents, each sending the next message as soon as the last was answered."""
    result = ClosedLoop(workers=workers)
    ids = residents.ids[:workers]
    cpu0, t0 = time.process_time(), time.perf_counter()
    stop_at = t0 + seconds
    max_rounds = int(seconds * 5000) + 10  # a cap on top of the clock

    async def worker(user_id: int) -> None:
        for _ in range(max_rounds):
            if time.perf_counter() >= stop_at:
                return
            try:
                outcome = await residents.exchange(user_id)
            except httpx.HTTPError:
                result.errors += 1
                await asyncio.sleep(0.05)
                continue
            if outcome is None:
                result.lost += 1
            else:
                result.answered += 1

    await asyncio.gather(*(worker(user_id) for user_id in ids))
    result.seconds = time.perf_counter() - t0
    result.cpu_seconds = time.process_time() - cpu0
    return result


async def open_loop(
    residents: Residents, rate: float, seconds: float, rng: random.Random
) -> OpenLoop:
    """`/help` at a fixed rate from random idle residents, whatever the bot's pace (open loop)."""
    planned = max(1, int(rate * seconds))
    result = OpenLoop(offered=rate, planned=planned)
    idle = list(residents.ids)
    tasks: set[asyncio.Task[None]] = set()

    async def one(user_id: int) -> None:
        try:
            outcome = await residents.exchange(user_id)
        except httpx.HTTPError:
            result.errors += 1
            return
        finally:
            idle.append(user_id)
        if outcome is None:
            result.lost += 1
            return
        posted, seen = outcome
        result.answered += 1
        result.latencies_ms.append(1000 * (seen - posted))
        result.last_reply = max(result.last_reply, seen)

    cpu0 = time.process_time()
    start = time.perf_counter() + 0.01
    result.first_send = start
    for i in range(planned):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle:
            result.shed += 1
            continue
        user_id = idle.pop(rng.randrange(len(idle)))
        result.sent += 1
        task = asyncio.create_task(one(user_id))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=WAIT_TIMEOUT + 15)
    for task in tasks:
        task.cancel()
    result.cpu_seconds = time.process_time() - cpu0
    return result


async def measure(name: str, residents: Residents, args: argparse.Namespace) -> BotResult:
    rng = random.Random(1234)
    await closed_loop(residents, min(args.concurrency, len(residents.ids)), WARMUP_SECONDS)
    result = BotResult(name=name)
    print(
        f"  {name}: open loop, {args.rate:g} updates/s for {args.seconds:g} s …",
        file=sys.stderr,
        flush=True,
    )
    result.open = await open_loop(residents, args.rate, args.seconds, rng)
    print(
        f"  {name}: closed loop, {args.concurrency} residents for {args.closed_seconds:g} s …",
        file=sys.stderr,
        flush=True,
    )
    result.closed = await closed_loop(
        residents, min(args.concurrency, len(residents.ids)), args.closed_seconds
    )
    return result


# --- the echo bot -------------------------------------------------------------------------------


async def run_echo(args: argparse.Namespace) -> BotResult:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    simulator = await start_simulator()
    residents = Residents(simulator, resident_ids(args.residents), observe=args.observe)
    bot = Bot(DEMO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(simulator.url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False), name="echo-polling"
    )
    try:
        await residents.create(lambda user_id: f"Echo {user_id}")
        with profiled(args, "echo"):
            return await measure("echo bot", residents, args)
    finally:
        with contextlib.suppress(Exception):
            await dp.stop_polling()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(polling, timeout=15)
        await bot.session.close()
        await residents.close()
        await simulator.stop()


# --- the full stack -----------------------------------------------------------------------------


def resident_ids(n: int) -> list[int]:
    return list(range(FIRST_RESIDENT_ID, FIRST_RESIDENT_ID + n))


def resident_name(user_id: int) -> str:
    return f"住户{user_id}"


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


async def seed_estate(database_url: str, residents: Residents) -> int:
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
                (await residents.http.post("/chats", json=body)).raise_for_status()
            else:
                body = {
                    "id": p.id,
                    "first_name": p.first_name,
                    "phone_number": p.phone,
                    "language_code": p.language_code,
                }
                (await residents.http.post("/users", json=body)).raise_for_status()
        async with db.sessions() as session:
            households = list(await session.scalars(select(Household.id).order_by(Household.id)))
            identities = []
            for user_id in residents.ids:
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

    simulator = await start_simulator()
    residents = Residents(simulator, resident_ids(args.residents), observe=args.observe)
    async with fresh_database(args.database_url) as database_url:
        backend = database_url.split(":", 1)[0]
        try:
            await residents.create(resident_name)
            homes = await seed_estate(database_url, residents)
            settings = load_settings(
                None,
                database={"url": database_url},
                telegram={"token": DEMO_TOKEN, "api_base": simulator.url},
                web={"host": "127.0.0.1", "port": free_port()},
                flood={"per_minute": 100_000},
                delivery={
                    "per_second": 100_000,
                    "private_per_second": 1000,
                    "private_burst": 1000,
                },
                log_level="WARNING",
            )
            runtime = Runtime(settings)
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
                with profiled(args, "full"):
                    result = await measure("full stack", residents, args)
                result.note = f"{backend}, {len(residents.ids)} residents in {homes} homes"
                return result
            finally:
                ready.cancel()
                runtime.stop.set()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(serving, timeout=15)
        finally:
            await residents.close()
            await simulator.stop()


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
        "CPU ms/update",
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
                f"{fmt(o.cpu_ms_per_update, 2)} / {fmt(c.cpu_ms_per_update, 2)}",
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print()
    print(
        f"Linli update benchmark — {args.residents} residents, /help, simulator limits off, "
        f"open loop {args.seconds:g} s, closed loop {args.concurrency} residents × {args.closed_seconds:g} s"
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
        if r.note:
            print(f"  {r.name}: {r.note}")
    if args.observe == "hook":
        print(
            "  latency: the user's message stored in the simulator (the control POST returns right after) → "
            "the bot's reply stored in that chat"
        )
    else:
        print(
            "  latency: control POST returned → bot reply seen by the control API's long-poll wait"
        )
    print(
        "  lost: no reply within 10 s (or an HTTP error); shed: sends skipped because every resident was "
        "waiting; CPU ms/update: open / closed loop, whole process (simulator and load generator included)"
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
    parser.add_argument(
        "--observe",
        choices=("hook", "http"),
        default="hook",
        help="how replies are seen: stamped inside the in-process simulator (default), or the "
        "control API's long-poll wait per update (adds a request per update)",
    )
    parser.add_argument("--only", choices=("echo", "full"), default=None, help="run one bot only")
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
    ):
        parser.error(
            "--residents, --rate, --seconds, --closed-seconds and --concurrency must be positive"
        )
    args.residents = min(args.residents, 100_000)
    args.seconds = min(args.seconds, 600.0)
    args.closed_seconds = min(args.closed_seconds, 120.0)
    return args


async def main_async(args: argparse.Namespace) -> list[BotResult]:
    results = []
    if args.only in (None, "echo"):
        print("echo bot …", file=sys.stderr, flush=True)
        results.append(await run_echo(args))
    if args.only in (None, "full"):
        print("full stack …", file=sys.stderr, flush=True)
        results.append(await run_full(args))
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
