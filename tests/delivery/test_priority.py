"""An interactive reply goes out ahead of a 10,000-message broadcast that is draining.

An ordering property, not a timing one: the reply is enqueued once the broadcast is under
way; when its send is recorded, at most the batch that was already in flight plus the
reply's own batch of announcement rows may have gone out since, and the rest of the
broadcast is still waiting. The simulator's limits are off so the run is short.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from core.clock import SystemClock
from core.settings import DeliverySettings
from models import OutboxKind, OutboxMessage, OutboxStatus
from models.db import Database
from services import outbox
from services.outbox import Recipient
from tests.delivery.support import (
    add_sim_users,
    bind_residents,
    build_bot,
    build_sender,
    now_utc,
    release_broadcast,
    set_sim_limits,
)
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim

PEOPLE = [600_001 + i for i in range(10_000)]
ASKER = 699_999  # a resident who just pressed a button and waits for the answer
BATCH = 100


async def _bulk_sent(db: Database, *where: object) -> int:
    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.kind == OutboxKind.bulk,
                    OutboxMessage.status == OutboxStatus.sent,
                    *where,
                )
            )
            or 0
        )


async def test_a_reply_is_not_stuck_behind_a_broadcast(
    db: Database, dsim: Sim, delivery_simulator: Server
) -> None:
    now = now_utc()
    identities = await bind_residents(db, PEOPLE, now)
    add_sim_users(delivery_simulator.app, [*PEOPLE, ASKER])
    broadcast_id = await release_broadcast(db, now)
    await set_sim_limits(dsim.http, enabled=False)
    settings = DeliverySettings(per_second=100_000, batch_size=BATCH, idle_poll_seconds=0.05)
    bot = build_bot(delivery_simulator.url)
    sender = build_sender(db, bot, settings, SystemClock())
    assert sender._batch_size() == BATCH
    db.on_outbox_commit(sender.wake)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + 30
        while await _bulk_sent(db) < 3 * BATCH:
            assert time.monotonic() < deadline and not running.done(), "the broadcast stalled"
            await asyncio.sleep(0.01)
        async with db.sessions() as session:
            await outbox.enqueue(
                session,
                to=Recipient(chat_id=str(ASKER)),
                notice="common.cancelled",
                data={"kind": "guest"},
                now=now_utc(),
                kind=OutboxKind.reply,
                dedupe_key="test:reply",
            )
            await session.commit()
        before = await _bulk_sent(db)
        while True:
            async with db.sessions() as session:
                reply = await session.scalar(
                    select(OutboxMessage).where(OutboxMessage.dedupe_key == "test:reply")
                )
            assert reply is not None
            if reply.status == OutboxStatus.sent:
                break
            assert time.monotonic() < deadline and not running.done(), "the reply was not sent"
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=15)
        await bot.session.close()

    assert reply.sent_at is not None
    by_then = await _bulk_sent(db, OutboxMessage.sent_at <= reply.sent_at)
    waiting = len(PEOPLE) - by_then
    print(
        f"\nreply recorded after {by_then} announcement rows; {before} had gone when it was "
        f"enqueued; {waiting} still waiting behind it"
    )
    assert by_then - before <= 2 * BATCH  # the batch in flight, then the reply's own batch
    assert waiting >= len(PEOPLE) - before - 2 * BATCH > 0
    assert len(identities) == len(PEOPLE)
    assert (await dsim.bot_messages(ASKER))[0]["text"]
    stats = await dsim.stats()
    counts = stats["per_chat_counts"]
    assert counts.get(str(ASKER)) == 1
    assert sum(counts.values()) - 1 == await _bulk_sent(db), "one message per sent row"
    async with db.sessions() as session:
        assert await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id)
        ) == len(PEOPLE)
