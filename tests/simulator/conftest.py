"""Fixtures: one simulator served by uvicorn on loopback (mounted at /sim), a real aiogram Bot.

The server and the Bot live for the whole session (closing an aiogram session costs 0.25 s);
every test starts from a reset simulator with default limits, no webhook and no faults.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fastapi import FastAPI

from simulator import Limits, SimState, create_app

TOKEN = "123456789:AAEdemoLinliSimulatorTokenxxxxxxxxxx"


@dataclass
class Sim:
    """Handles on the running simulator."""

    root: str
    base: str
    state: SimState
    control: httpx.AsyncClient
    bot: Bot

    async def user(self, **fields: Any) -> dict[str, Any]:
        """Create a user through the control API."""
        fields.setdefault("first_name", "测试")
        response = await self.control.post("/users", json=fields)
        response.raise_for_status()
        return response.json()

    async def chat(self, **fields: Any) -> dict[str, Any]:
        """Create a group chat through the control API (a forum with `is_forum=True`)."""
        response = await self.control.post("/chats", json=fields)
        response.raise_for_status()
        return response.json()

    async def say(self, user_id: int, **fields: Any) -> dict[str, Any]:
        """Send a message as a user through the control API."""
        response = await self.control.post("/messages", json={"user_id": user_id, **fields})
        response.raise_for_status()
        return response.json()


async def start_server(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """Serve `app` on a free loopback port inside the running event loop."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


async def stop_server(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    """Stop a server started by `start_server`."""
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


@pytest.fixture(scope="session")
async def sim_session() -> AsyncIterator[Sim]:
    """The simulator mounted at /sim in a parent app, plus a Bot and a control client."""
    sim_app = create_app(TOKEN)
    parent = FastAPI()
    parent.mount("/sim", sim_app)
    server, task, port = await start_server(parent)
    root = f"http://127.0.0.1:{port}"
    base = f"{root}/sim"
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    async with httpx.AsyncClient(base_url=f"{base}/control", timeout=30) as control:
        yield Sim(root=root, base=base, state=sim_app.state.sim, control=control, bot=bot)
    sim_app.state.sim.end_polls()
    await sim_app.state.sim.aclose()
    await bot.session.close()
    await stop_server(server, task)


@pytest.fixture
async def sim(sim_session: Sim) -> AsyncIterator[Sim]:
    """A freshly reset simulator."""
    state = sim_session.state
    state.reset(drop_webhook=True)
    state.configure_limits(Limits())
    state.privacy_mode = True
    yield sim_session
    state.reset(drop_webhook=True)
