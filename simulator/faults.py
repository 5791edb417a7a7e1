"""Faults the control API schedules, so tests see what a failing Telegram does to the bot:
the next calls of a method (to a chat) answer an error, a 429 with retry_after, or hang."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """A scheduled failure: the next `count` calls of `method` (to `chat_id`) fail or hang."""

    id: int
    method: str
    count: int
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: str | None = None
    description: str | None = None
    triggered: int = 0

    def public(self) -> dict[str, Any]:
        """Return the control API's view of the fault."""
        return {
            "id": self.id,
            "method": self.method,
            "chat_id": self.chat_id,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "count": self.count,
            "description": self.description,
            "triggered": self.triggered,
        }


class FaultPlan:
    """The faults still to come, in the order they were scheduled."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self.triggered = 0  # faults that have happened, in all

    def __iter__(self) -> Iterator[Fault]:
        return iter(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def clear(self) -> None:
        self._faults.clear()

    def add(
        self,
        method: str,
        *,
        count: int = 1,
        status: int | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        chat_id: int | str | None = None,
        description: str | None = None,
    ) -> Fault:
        """Schedule a fault for the next `count` matching calls."""
        fault = Fault(
            id=next(self._ids),
            method=method.lower(),
            count=count,
            status=status,
            retry_after=retry_after,
            delay=delay,
            chat_id=None if chat_id is None else str(chat_id),
            description=description,
        )
        self._faults.append(fault)
        return fault

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """Consume one matching scheduled fault, if any."""
        if not self._faults:
            return None
        lowered = method.lower()
        for fault in self._faults:
            if fault.method not in (lowered, "*"):
                continue
            if fault.chat_id is not None and fault.chat_id != str(chat_id):
                continue
            fault.count -= 1
            fault.triggered += 1
            self.triggered += 1
            if fault.count <= 0:
                self._faults.remove(fault)
            return fault
        return None
