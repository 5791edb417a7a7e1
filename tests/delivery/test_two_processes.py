"""Two `linli run` processes on one PostgreSQL database share a broadcast: each person once.

Both processes poll the same simulator for updates (they take turns, with 409 Conflicts:
harmless here), and both senders claim outbox rows with FOR UPDATE SKIP LOCKED. The
announcement is released only once both senders beat, so both take part; then every
recipient has exactly one message and the rows are split between the two workers.
PostgreSQL only: SQLite serves one process (ARCHITECTURE.md, "Scaling out").
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import DeliveryWorker, OutboxMessage, OutboxStatus
from models.db import Database
from tests.conftest import PG_URL, Templates
from tests.delivery.support import (
    add_sim_users,
    bind_residents,
    now_utc,
    open_rows,
    release_broadcast,
    set_sim_limits,
    start_linli,
)
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim, free_port

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LINLI_TEST_DATABASE_URL (PostgreSQL)")

PEOPLE = [740_001 + i for i in range(1_500)]
RATE = 300  # each process
SIM_RATE = 2 * RATE + 40  # the simulator's limit, above the two senders together


@pytest.fixture
async def pg_url(templates: Templates) -> AsyncIterator[str]:
    url, name = await templates.postgresql()
    yield url
    await templates.drop_pg(name)


async def test_two_processes_send_each_message_once(
    pg_url: str, dsim: Sim, delivery_simulator: Server, tmp_path: Path
) -> None:
    db = Database(pg_url)
    try:
        now = now_utc()
        await bind_residents(db, PEOPLE, now)
        add_sim_users(delivery_simulator.app, PEOPLE)
        await set_sim_limits(dsim.http, global_per_second=SIM_RATE, global_burst=SIM_RATE)
        processes = [
            start_linli(
                database_url=pg_url,
                simulator_url=delivery_simulator.url,
                port=free_port(),
                log=tmp_path / f"linli-{n}.log",
                delivery={"per_second": RATE, "idle_poll_seconds": 0.2},
            )
            for n in (1, 2)
        ]
        try:
            for p in processes:
                await p.wait_healthy()
            deadline = time.monotonic() + 30
            while True:
                async with db.sessions() as session:
                    workers = await session.scalar(
                        select(func.count()).select_from(DeliveryWorker)
                    )
                if workers == 2:
                    break
                assert time.monotonic() < deadline, "both senders should beat within 30 s"
                await asyncio.sleep(0.1)
            broadcast_id = await release_broadcast(db, now_utc())
            ours = OutboxMessage.broadcast_id == broadcast_id
            deadline = time.monotonic() + 60
            while await open_rows(db, ours):
                for p in processes:
                    assert p.process.poll() is None, p.output()
                assert time.monotonic() < deadline, "the broadcast did not finish in 60 s"
                await asyncio.sleep(0.2)
        finally:
            codes = [p.stop() for p in processes]
        async with db.sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.status, OutboxMessage.claimed_by).where(ours)
                )
            ).all()
    finally:
        await db.dispose()

    stats = await dsim.stats()
    counts = {int(k): v for k, v in stats["per_chat_counts"].items()}
    per_worker = Counter(worker for _, worker in rows)
    print(f"\nrows per worker: {sorted(per_worker.values())}; exit codes {codes}")
    assert {status for status, _ in rows} == {OutboxStatus.sent}
    assert sorted(counts.get(p, 0) for p in PEOPLE) == [1] * len(PEOPLE), (
        f"repeats: {sum(c - 1 for c in counts.values() if c > 1)}, "
        f"missing: {sum(1 for p in PEOPLE if p not in counts)}"
    )
    assert len(per_worker) == 2 and min(per_worker.values()) > 0, per_worker
    assert stats["violations"] == 0, stats["violations_by_kind"]
