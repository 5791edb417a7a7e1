"""The product as `make run` starts it stops cleanly: nothing logged as an error on the way."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime import Runtime
from core.settings import DEMO_TOKEN, load_settings
from tests.e2e.harness import free_port


async def test_the_demo_stops_without_errors(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings = load_settings(
        None,
        database={"url": database_url},
        telegram={"token": DEMO_TOKEN, "api_base": f"http://127.0.0.1:{port}/sim"},
        web={"host": "127.0.0.1", "port": port},
    )
    runtime = Runtime(settings, demo=True)
    task = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(runtime.ready.wait(), timeout=30)
    await asyncio.sleep(0.5)  # the bot's long poll is waiting in the built-in simulator
    with caplog.at_level(logging.INFO):
        runtime.stop.set()
        await asyncio.wait_for(task, timeout=15)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []  # e.g. "Cancel 1 running task(s), timeout graceful shutdown exceeded"
