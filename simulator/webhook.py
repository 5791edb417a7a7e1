"""Deliver pending updates to the webhook set with setWebhook, like Telegram does.

Each update is POSTed as JSON (with `X-Telegram-Bot-Api-Secret-Token` when a secret was
set) and stays pending until the receiver answers 2xx; failures are retried with
exponential backoff. Up to `max_connections` requests run at once, but updates of one chat
are delivered one after another and in order. A 2xx answer whose JSON body names a
`method` is executed, as Telegram does with replies in the webhook response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import aiohttp

from simulator.botapi import MethodCaller
from simulator.notify import Notifier
from simulator.params import Params
from simulator.state import SimState, WebhookConfig
from simulator.updatequeue import PendingUpdate

log = logging.getLogger(__name__)

SCAN_WINDOW = 5000


class WebhookSender:
    """Background task that pushes the update queue to the webhook URL."""

    def __init__(self, state: SimState, call_method: MethodCaller) -> None:
        self.state = state
        self.call_method = call_method
        self._wake = Notifier()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start the delivery loop (idempotent) on the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        self.wake()

    def wake(self) -> None:
        """Make the loop look at the queue again."""
        self._wake.notify()

    async def aclose(self) -> None:
        """Stop delivering and close the HTTP session."""
        tasks = [t for t in (self._task, *self._in_flight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (created on first use, on the running loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100),
                timeout=aiohttp.ClientTimeout(total=self.state.webhook_timeout),
            )
        return self._session

    async def _run(self) -> None:
        """Pick deliverable updates, launch them, sleep until something changes."""
        state = self.state
        while state.webhook is not None:
            hook = state.webhook
            now = time.monotonic()
            next_due: float | None = None
            blocked: set[int] = set()
            for entry in state.updates.iter_live(window=SCAN_WINDOW):
                if len(self._in_flight) >= hook.max_connections:
                    break
                if entry.key in blocked:
                    continue
                blocked.add(entry.key)
                if entry.in_flight:
                    continue
                if entry.next_try > now:
                    next_due = (
                        entry.next_try if next_due is None else min(next_due, entry.next_try)
                    )
                    continue
                entry.in_flight = True
                task = asyncio.get_running_loop().create_task(self._deliver(hook, entry))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            wait = 1.0 if next_due is None else max(0.001, next_due - now)
            await self._wake.wait(wait)

    async def _deliver(self, hook: WebhookConfig, entry: PendingUpdate) -> None:
        """POST one update; confirm it on 2xx, otherwise schedule a retry."""
        state = self.state
        body = json.dumps(state.update_dict(entry), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        error: str | None = None
        reply: Any = None
        try:
            async with self._client().post(hook.url, data=body, headers=headers) as response:
                content = await response.read()
                if 200 <= response.status < 300:
                    if content and "json" in response.headers.get("Content-Type", ""):
                        with contextlib.suppress(ValueError):
                            reply = json.loads(content)
                else:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except asyncio.CancelledError:
            entry.in_flight = False
            raise
        except TimeoutError:
            error = "Timeout expired"
        except aiohttp.ClientError as exc:
            error = f"Connection failed: {type(exc).__name__}"
        entry.in_flight = False
        if error is None:
            state.updates.mark_done(entry)
            hook.delivered += 1
        else:
            entry.attempts += 1
            delay = min(
                state.webhook_retry_cap, state.webhook_retry_base * 2 ** (entry.attempts - 1)
            )
            entry.next_try = time.monotonic() + delay
            hook.failed_attempts += 1
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            log.debug("simulator webhook: update %s failed: %s", entry.update_id, error)
        self.wake()
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            method = reply.pop("method")
            await self.call_method(method, Params(reply))
