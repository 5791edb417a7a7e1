"""End-to-end fixtures: the simulator on a loopback port, and the whole product against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn

from bot.runtime import Runtime
from core.clock import Clock
from core.settings import DEMO_TOKEN, Settings, load_settings
from models.db import Database
from services.demo import DemoInfo, seed_demo
from simulator.app import SimServer
from simulator.app import create_app as create_simulator
from tests.e2e.harness import ShiftedClock, Sim, free_port

WEBHOOK_SECRET = "test-webhook-secret-1234"


@dataclass
class Server:
    url: str
    app: Any


@contextlib.asynccontextmanager
async def running_simulator() -> AsyncIterator[Server]:
    """The simulator on a free loopback port until the block ends."""
    port = free_port()
    app = create_simulator(DEMO_TOKEN)
    server = SimServer(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        ),
        app.state.sim,
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
        await asyncio.sleep(0.02)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def simulator() -> AsyncIterator[Server]:
    """One simulator for the session; each test resets it."""
    async with running_simulator() as server:
        yield server


@pytest.fixture
async def sim(simulator: Server) -> AsyncIterator[Sim]:
    client = Sim(simulator.url)
    await client.reset()
    yield client
    await client.close()


def product_settings(
    database_url: str,
    simulator_url: str,
    *,
    database: dict[str, Any] | None = None,
    **overrides: Any,
) -> Settings:
    return load_settings(
        None,
        database={"url": database_url, **(database or {})},
        telegram={
            "token": DEMO_TOKEN,
            "api_base": simulator_url,
            "webhook_secret": WEBHOOK_SECRET,
        },
        web={"host": "127.0.0.1", "port": free_port()},
        **overrides,
    )


def demo_settings(database_url: str) -> Settings:
    """The product as `make run` starts it (with `Runtime(demo=True)`): the simulator mounted
    at /sim of its own web app, on a free port."""
    port = free_port()
    return load_settings(
        None,
        database={"url": database_url},
        telegram={"token": DEMO_TOKEN, "api_base": f"http://127.0.0.1:{port}/sim"},
        web={"host": "127.0.0.1", "port": port},
    )


@dataclass
class Product:
    """The running product (bot, delivery, scheduler, web) and the demo estate it serves."""

    runtime: Runtime
    task: asyncio.Task[None]
    db: Database
    demo: DemoInfo
    sim: Sim
    settings: Settings

    @property
    def web_url(self) -> str:
        return self.settings.public_url

    async def stop(self) -> None:
        self.runtime.stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=15)


async def start_product(
    settings: Settings, sim: Sim, db: Database, demo: DemoInfo, clock: Clock | None = None
) -> Product:
    runtime = Runtime(settings, clock=clock) if clock is not None else Runtime(settings)
    task = asyncio.create_task(runtime.serve())
    ready = asyncio.create_task(runtime.ready.wait())
    done, _ = await asyncio.wait([task, ready], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    assert ready in done, "the product did not start within 30 s"
    return Product(runtime=runtime, task=task, db=db, demo=demo, sim=sim, settings=settings)


async def seed(database_url: str, sim: Sim, db: Database, clock_now: Any = None) -> DemoInfo:
    """The demo estate in the database, and its people and staff group in the simulator."""
    from datetime import UTC, datetime

    async with db.sessions() as session:
        info = await seed_demo(session, now=clock_now or datetime.now(UTC))
        await session.commit()
    for p in info.personas:
        if p.is_group:
            await sim.group(p.id, p.first_name, list(p.members))
        else:
            await sim.user(p.id, p.first_name, phone=p.phone, language_code=p.language_code)
    return info


@pytest.fixture
async def product(
    database_url: str, sim: Sim, db: Database, simulator: Server
) -> AsyncIterator[Product]:
    info = await seed(database_url, sim, db)
    running = await start_product(product_settings(database_url, simulator.url), sim, db, info)
    yield running
    await running.stop()


@pytest.fixture
async def clock() -> ShiftedClock:
    """Real time, which a test may move on (`clock.advance(minutes=61)`); a module may
    override this fixture to start elsewhere."""
    return ShiftedClock(datetime.now(UTC))


@pytest.fixture
async def product_at(
    database_url: str, sim: Sim, db: Database, simulator: Server, clock: ShiftedClock
) -> AsyncIterator[Product]:
    """The product running on `clock`."""
    info = await seed(database_url, sim, db, clock.now())
    running = await start_product(
        product_settings(database_url, simulator.url), sim, db, info, clock=clock
    )
    yield running
    await running.stop()
