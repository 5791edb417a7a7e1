"""The product as `make run` starts it stops cleanly: nothing logged as an error on the way."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime import Runtime
from tests.e2e.conftest import demo_settings


async def test_the_demo_stops_without_errors(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime(demo_settings(database_url), demo=True)
    task = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(runtime.ready.wait(), timeout=30)
    await asyncio.sleep(0.5)  # the bot's long poll is waiting in the built-in simulator
    with caplog.at_level(logging.INFO):
        runtime.stop.set()
        await asyncio.wait_for(task, timeout=15)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []  # e.g. "Cancel 1 running task(s), timeout graceful shutdown exceeded"
