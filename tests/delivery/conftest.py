"""Delivery fixtures: one simulator for the folder (on a loopback port, in this process), reset
before each test with Telegram's default limits restored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.delivery.support import set_sim_limits
from tests.e2e.conftest import Server, running_simulator
from tests.e2e.harness import Sim


@pytest.fixture(scope="session")
async def delivery_simulator() -> AsyncIterator[Server]:
    async with running_simulator() as server:
        yield server


@pytest.fixture
async def dsim(delivery_simulator: Server) -> AsyncIterator[Sim]:
    """The simulator, empty, with the default (Telegram's) limits."""
    client = Sim(delivery_simulator.url)
    await client.reset()
    await set_sim_limits(client.http)
    yield client
    await set_sim_limits(client.http)
    await client.close()
