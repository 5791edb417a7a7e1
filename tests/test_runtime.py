"""The product as `make run` starts it: ready to answer at once, and it stops cleanly, nothing
logged as an error on the way."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime import Runtime
from services import matcher
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


async def test_the_free_text_matcher_is_trained_before_the_bot_takes_updates(
    database_url: str,
) -> None:
    matcher.default_model.cache_clear()  # as in a process just started
    runtime = Runtime(demo_settings(database_url), demo=True)
    task = asyncio.create_task(runtime.serve())
    try:
        await asyncio.wait_for(runtime.ready.wait(), timeout=30)
        # The first resident to type a problem does not wait for it to be trained.
        assert matcher.default_model.cache_info().currsize == 1
    finally:
        runtime.stop.set()
        await asyncio.wait_for(task, timeout=15)
