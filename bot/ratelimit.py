"""Token buckets for Telegram's limits: the whole bot, each private chat, each group."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)
    paused_until: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float | None = None) -> float:
        """Seconds until one token is available (0 when one is there now)."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        pause = max(0.0, self.paused_until - now)
        need = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(pause, need)

    def take(self, count: int = 1, now: float | None = None) -> None:
        """Spend tokens; an album may leave the bucket in debt, as Telegram counts each item."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        self.tokens -= count

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes to this scope for `seconds`."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        self.tokens = min(self.tokens, 0)


LATENCY_SLACK = 0.5  # seconds of take-to-arrival variation absorbed by the bot-wide bucket


class Limits:
    """All buckets of one sender. Chat ids below zero are groups (Telegram's convention).

    Each bucket holds less than Telegram allows in a burst. Requests reach the server some
    time after we take their token (new connections at the start of a broadcast, network
    jitter); meanwhile Telegram's bucket sits full and earns nothing while ours refills. The
    slack, expressed as time (`LATENCY_SLACK` seconds of tokens, at least one), keeps such
    late arrivals within the limit; the steady rate stays the full one (tests/delivery).
    """

    def __init__(
        self,
        *,
        per_second: float,
        private_per_second: float,
        private_burst: int,
        group_per_minute: float,
    ) -> None:
        slack = max(1.0, per_second * LATENCY_SLACK)
        self.global_bucket = Bucket(rate=per_second, capacity=max(1.0, per_second - slack))
        self._private = (private_per_second, float(max(1, private_burst - 1)))
        self._group = (group_per_minute / 60.0, max(1.0, group_per_minute - 1))
        self._chats: dict[str, Bucket] = {}

    def chat(self, chat_id: str) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            rate, capacity = self._group if chat_id.startswith("-") else self._private
            bucket = self._chats[chat_id] = Bucket(rate=rate, capacity=capacity)
            if len(self._chats) > 100_000:
                self._forget_full()
        return bucket

    def _forget_full(self) -> None:
        now = time.monotonic()
        for key in [
            k for k, b in self._chats.items() if b.wait_time(now) == 0 and b.tokens >= b.capacity
        ]:
            del self._chats[key]
