"""The bot's pending updates, as getUpdates and the webhook sender take them: a queue with
offsets, confirmations and a bounded history."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

UPDATE_HISTORY_SIZE = 20_000
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class PendingUpdate:
    """An update waiting to be fetched (polling) or accepted (webhook)."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    key: int
    forced: bool = False
    done: bool = False
    in_flight: bool = False
    attempts: int = 0
    next_try: float = 0.0


class UpdateQueue:
    """Pending updates in update_id order, plus forced redeliveries of old ids."""

    def __init__(self) -> None:
        self._queue: deque[PendingUpdate] = deque()
        self._forced: deque[PendingUpdate] = deque()
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def append(self, entry: PendingUpdate) -> None:
        """Add an update at the end (forced ones go to the redelivery lane)."""
        (self._forced if entry.forced else self._queue).append(entry)
        self._live += 1

    def _trim(self) -> None:
        """Drop finished entries from the heads of both lanes."""
        while self._queue and self._queue[0].done:
            self._queue.popleft()
        while self._forced and self._forced[0].done:
            self._forced.popleft()

    def mark_done(self, entry: PendingUpdate) -> None:
        """Mark an entry delivered and confirmed."""
        if not entry.done:
            entry.done = True
            self._live -= 1
            self._trim()

    def confirm_below(self, offset: int) -> None:
        """Confirm every (non-forced) update with update_id < offset, as getUpdates does."""
        while self._queue and (self._queue[0].done or self._queue[0].update_id < offset):
            entry = self._queue.popleft()
            if not entry.done:
                entry.done = True
                self._live -= 1

    def keep_last(self, count: int) -> None:
        """Forget all but the last `count` updates (getUpdates with a negative offset)."""
        live = [e for e in self._queue if not e.done]
        for entry in live[: max(0, len(live) - count)]:
            self.mark_done(entry)
        self._trim()

    def clear(self) -> None:
        """Drop everything (entries still in flight see themselves as done)."""
        for lane in (self._queue, self._forced):
            for entry in lane:
                entry.done = True
        self._queue.clear()
        self._forced.clear()
        self._live = 0

    def iter_live(self, window: int | None = None) -> Iterator[PendingUpdate]:
        """Live entries: forced redeliveries first, then the queue in order."""
        yielded = 0
        for lane in (self._forced, self._queue):
            for entry in lane:
                if entry.done:
                    continue
                yield entry
                yielded += 1
                if window is not None and yielded >= window:
                    return

    def take_batch(self, offset: int | None, limit: int) -> list[PendingUpdate]:
        """The entries getUpdates returns now: forced ones are consumed by being returned."""
        batch: list[PendingUpdate] = []
        for entry in list(self._forced):
            if len(batch) >= limit:
                break
            if not entry.done:
                batch.append(entry)
                entry.done = True
                self._live -= 1
        self._trim()
        for entry in self._queue:
            if len(batch) >= limit:
                break
            if entry.done or (offset is not None and entry.update_id < offset):
                continue
            batch.append(entry)
        return batch
