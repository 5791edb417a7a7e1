"""Delivery fixtures: one simulator for the folder (on a loopback port, in this process), reset
before each test with Telegram's default limits restored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from core.settings import DEMO_TOKEN
from simulator.app import SimServer
from simulator.app import create_app as create_simulator
from tests.delivery.support import set_sim_limits
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim, free_port


@pytest.fixture(scope="session")
async def delivery_simulator() -> AsyncIterator[Server]:
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
    yield Server(url=f"http://127.0.0.1:{port}", app=app)
    server.should_exit = True
    await task


@pytest.fixture
async def dsim(delivery_simulator: Server) -> AsyncIterator[Sim]:
    """The simulator, empty, with the default (Telegram's) limits."""
    client = Sim(delivery_simulator.url)
    await client.reset()
    await set_sim_limits(client.http)
    yield client
    await set_sim_limits(client.http)
    await client.close()
