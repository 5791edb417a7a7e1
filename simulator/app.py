"""Assemble the simulator: Bot API, file downloads, control API and chat page in one app.

`create_app(token)` returns a FastAPI app that serves everything at its root and keeps the
state in `app.state.sim`; it can run alone (`serve(...)`, `python -m simulator`) or be
mounted inside another app (`parent.mount("/sim", create_app(token))`). A mounted app's
lifespan does not run, so the parent should `await sim_app.state.sim.aclose()` at shutdown
when it used webhooks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from simulator.botapi import BotApi
from simulator.control import build_control_router
from simulator.limits import Limits
from simulator.state import SimState
from simulator.web import build_web_router
from simulator.webhook import WebhookSender

DEMO_TOKEN = "123456789:AAEdemoLinliSimulatorTokenxxxxxxxxxx"


def create_app(
    token: str,
    limits: Limits | None = None,
    *,
    bot_username: str = "linli_demo_bot",
    bot_first_name: str = "邻里",
) -> FastAPI:
    """Build the simulator app for one bot token."""
    state = SimState(token, limits, bot_username=bot_username, bot_first_name=bot_first_name)
    api = BotApi(state)
    state.webhook_runner = WebhookSender(state, api.call)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await state.aclose()

    app = FastAPI(
        title="Linli Telegram Bot API simulator",
        description="A loopback Telegram Bot API for tests, benchmarks and demos.",
        lifespan=lifespan,
    )
    app.state.sim = state
    app.state.botapi = api
    app.add_route("/bot{token}/{method}", api.http_method, methods=["GET", "POST"])
    app.add_route("/file/bot{token}/{file_path:path}", api.http_file, methods=["GET"])
    app.include_router(build_control_router(state))
    app.include_router(build_web_router())
    return app


class SimServer(uvicorn.Server):
    """uvicorn's server for a simulator app. Stopping answers the open long polls at once:
    uvicorn would wait for them up to their timeout (getUpdates may ask for 50 s), then
    cancel them and log each as an error."""

    def __init__(self, config: uvicorn.Config, state: SimState) -> None:
        super().__init__(config)
        self._state = state

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        self._state.end_polls()
        await super().shutdown(sockets)


def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = DEMO_TOKEN,
    limits: Limits | None = None,
) -> None:
    """Run the simulator alone with uvicorn (blocking)."""
    app = create_app(token, limits)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    SimServer(config, app.state.sim).run()
