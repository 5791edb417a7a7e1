"""Wake-ups: waiters (getUpdates long polls, the control API's `wait` endpoints, the webhook
sender) sleep on a Notifier until something changes."""

from __future__ import annotations

import asyncio


class Notifier:
    """Wake every coroutine waiting for "something changed"."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake the current waiters; later waiters wait for the next notify."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for a notify; return whether one came."""
        event = self._event
        if seconds <= 0:
            return False
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True
