"""The sender's token buckets against the simulator's: never a request Telegram would refuse.

`Limits` gives the bot-wide bucket one token less than Telegram's burst, to absorb the
difference between when the sender takes a token and when the request reaches Telegram.
That token covers 33 ms of latency variation at 30/s, 2.5 ms at 400/s and 1 ms at 1,000/s
(paid broadcasts); the first requests of a broadcast, on new connections, are often later
than that. And with `paid_broadcast` the bucket runs at 1,000/s, which Telegram only allows
for requests that say `allow_paid_broadcast`.
"""

from __future__ import annotations

from core.clock import FixedClock
from core.settings import DeliverySettings
from models import OutboxMessage, OutboxStatus
from models.db import Database
from tests.delivery.support import (
    add_sim_users,
    bind_residents,
    build_bot,
    build_sender,
    now_utc,
    release_broadcast,
    set_sim_limits,
    status_counts,
)
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim


async def test_a_slow_first_batch_does_not_make_the_sender_overrun(
    db: Database, dsim: Sim, delivery_simulator: Server
) -> None:
    """The first batch reaches Telegram 50 ms late (new connections, a slow network).

    Meanwhile Telegram's bucket sits full and earns nothing, while the sender's, 50 tokens
    down, refills by 5: the sender then owes Telegram 5 tokens that one token of slack
    cannot cover, and its next burst meets 429s. Slack must be time, not one token: see
    bot/ratelimit.py, Limits.__init__.
    """
    people = [710_001 + i for i in range(300)]
    now = now_utc()
    await bind_residents(db, people, now)
    add_sim_users(delivery_simulator.app, people)
    broadcast_id = await release_broadcast(db, now)
    await set_sim_limits(dsim.http, global_per_second=100, global_burst=100)
    (
        await dsim.http.post("/faults", json={"method": "sendMessage", "delay": 0.05, "count": 50})
    ).raise_for_status()
    bot = build_bot(delivery_simulator.url)
    sender = build_sender(db, bot, DeliverySettings(per_second=100), FixedClock(now))
    assert sender._batch_size() == 50
    try:
        await sender.drain_until_idle()  # one pass: a 429'd row waits (the clock is fixed)
    finally:
        await bot.session.close()
    stats = await dsim.stats()
    counts = await status_counts(db, OutboxMessage.broadcast_id == broadcast_id)
    assert stats["violations"] == 0, f"{stats['violations_by_kind']}, rows: {dict(counts)}"
    assert counts == {OutboxStatus.sent.value: len(people)}


async def test_paid_broadcasts_ask_for_the_paid_limit(
    db: Database, dsim: Sim, delivery_simulator: Server
) -> None:
    """With `paid_broadcast` the sender goes at 1,000/s: Telegram's paid limit, if it asks."""
    people = [720_001 + i for i in range(300)]
    now = now_utc()
    await bind_residents(db, people, now)
    add_sim_users(delivery_simulator.app, people)
    broadcast_id = await release_broadcast(db, now)
    bot = build_bot(delivery_simulator.url)
    # Simulator defaults: 30/s, or 1,000/s for requests with allow_paid_broadcast.
    sender = build_sender(db, bot, DeliverySettings(paid_broadcast=True), FixedClock(now))
    try:
        await sender.drain_until_idle()  # one pass: nothing is retried with the clock fixed
    finally:
        await bot.session.close()
    stats = await dsim.stats()
    counts = await status_counts(db, OutboxMessage.broadcast_id == broadcast_id)
    assert stats["violations"] == 0, stats["violations_by_kind"]
    assert counts == {OutboxStatus.sent.value: len(people)}
