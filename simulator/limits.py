"""Token buckets that model Telegram's flood limits for bots.

Telegram does not publish exact numbers; the defaults follow its FAQ: about 30 messages a
second per bot (1,000 with paid broadcasts), about one message a second per private chat
(with a small burst) and 20 messages a minute per group. Only sends consume tokens.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Limits:
    """Rate-limit configuration of the simulator; `enabled=False` turns every check off."""

    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: int = 30
    paid_per_second: float = 1000.0
    paid_burst: int = 1000
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20

    def as_dict(self) -> dict[str, float | int | bool]:
        """Return the configuration as a JSON-ready dict."""
        return asdict(self)


class TokenBucket:
    """A classic token bucket; it may go into debt so a 10-item album is never refused forever."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(capacity, 1))
        self.tokens = self.capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        """Add the tokens earned since the last look."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait_time(self, n: int, now: float) -> float:
        """Seconds until `n` tokens (at most the capacity) are available; 0 when they are now."""
        self._refill(now)
        need = min(float(n), self.capacity)
        if self.tokens >= need:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (need - self.tokens) / self.rate

    def take(self, n: int, now: float) -> None:
        """Consume `n` tokens (the balance may become negative)."""
        self._refill(now)
        self.tokens -= n


@dataclass
class RateLimiter:
    """Per-bot, per-chat and per-group buckets; `check_send` either admits or says how long."""

    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._global: TokenBucket | None = None
        self._paid: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}

    def reset(self) -> None:
        """Forget all buckets (full again)."""
        self._global = None
        self._paid = None
        self._chats.clear()

    def configure(self, limits: Limits) -> None:
        """Switch to new limits and start with full buckets."""
        self.limits = limits
        self.reset()

    def _global_bucket(self, paid: bool, now: float) -> TokenBucket:
        """Return (creating on first use) the bot-wide bucket, or the paid-broadcast one."""
        if paid:
            if self._paid is None:
                self._paid = TokenBucket(self.limits.paid_per_second, self.limits.paid_burst, now)
            return self._paid
        if self._global is None:
            self._global = TokenBucket(
                self.limits.global_per_second, self.limits.global_burst, now
            )
        return self._global

    def _chat_bucket(self, chat_id: int, is_group: bool, now: float) -> TokenBucket:
        """Return (creating on first use) the bucket of one chat."""
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                bucket = TokenBucket(
                    self.limits.group_per_minute / 60.0, self.limits.group_burst, now
                )
            else:
                bucket = TokenBucket(
                    self.limits.private_per_second, self.limits.private_burst, now
                )
            self._chats[chat_id] = bucket
        return bucket

    def check_send(self, chat_id: int, is_group: bool, n: int = 1, paid: bool = False) -> int:
        """Admit a send of `n` messages (consuming tokens) and return 0, or return retry_after.

        retry_after is the whole number of seconds (at least 1) until every bucket involved
        has room; nothing is consumed when the send is refused.
        """
        if not self.limits.enabled:
            return 0
        now = self.clock()
        buckets = (self._global_bucket(paid, now), self._chat_bucket(chat_id, is_group, now))
        wait = max(bucket.wait_time(n, now) for bucket in buckets)
        if wait > 0:
            if math.isinf(wait):
                return 3600
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(n, now)
        return 0
