"""The two bots `bench/updates.py` compares, each polling a simulator process of its own.

  * the "echo" bot is aiogram's minimum;
  * the "full" stack is the product as `linli run` starts it.

Each is an async context manager that yields a `Contender` once its bot is polling and stops
it on exit, so both can run side by side and be measured in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port
from bench.scratch import scratch_database
from core.settings import DEMO_TOKEN

FIRST_RESIDENT_ID = 50001
WAIT_TIMEOUT = 10.0  # seconds a reply may take before it counts as lost
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Contender:
    name: str
    sim: Simulator
    note: str = ""


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


# --- the echo bot -------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def echo_bot(args: argparse.Namespace) -> AsyncIterator[Contender]:
    """aiogram's minimum, polling its own simulator: a Dispatcher (MemoryStorage) with one
    handler `message.answer(message.text)`."""
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
            yield Contender("echo bot", sim)
        finally:
            with contextlib.suppress(Exception):
                await dp.stop_polling()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(polling, timeout=15)
            await bot.session.close()


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


async def seed_estate(database_url: str, sim: Simulator | None, ids: list[int]) -> int:
    """Migrate, seed the demo estate, register its personas with `sim` (when there is one),
    and bind every resident to a home."""
    from sqlalchemy import select

    from bot.runtime import register_personas
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
        if sim is not None:
            await register_personas(sim.http, info.personas)
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


@contextlib.asynccontextmanager
async def full_stack(args: argparse.Namespace) -> AsyncIterator[Contender]:
    """`bot.runtime.Runtime` (polling, middlewares, handlers, outbox sender, scheduler, web) on
    a migrated, seeded database in which every simulated resident is bound to a home, with
    the flood limit and the sender's own buckets raised out of the way."""
    from bot.runtime import Runtime
    from core.settings import load_settings

    ids = resident_ids(args.residents)
    async with simulator() as sim, scratch_database(args.database_url) as database_url:
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
        runtime = Runtime(settings)  # the heap is frozen once both bots run, as `linli run` does
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
            assert runtime.db is not None
            dialect = runtime.db.engine.dialect
            yield Contender(
                "full stack",
                sim,
                f"{backend} (driver in use: {dialect.name}+{dialect.driver}), "
                f"{len(ids)} residents in {homes} homes",
            )
        finally:
            ready.cancel()
            runtime.stop.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(serving, timeout=15)
