"""`linli run` killed with SIGKILL in the middle of a 2,000-recipient broadcast, then restarted.

The process is the product itself: `python -m bot.cli run` as a subprocess. It is killed
once the simulator has received 800 or more of the messages, in the middle of a batch; a
new process then finishes the broadcast, taking back the rows the dead one had claimed once
its heartbeat has been silent for `services.outbox.WORKER_SILENCE`. Every recipient gets the
message; the only repeats are exactly the rows that had gone out but were not yet recorded
when the process died: at most one claimed batch (`Sender._batch_size()`).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select

from core.settings import DeliverySettings
from models import OutboxMessage, OutboxStatus
from models.db import Database
from tests.delivery.support import (
    add_sim_users,
    bind_residents,
    now_utc,
    open_rows,
    release_broadcast,
    set_sim_limits,
    start_linli,
    status_counts,
)
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim, free_port

PEOPLE = [700_001 + i for i in range(2_000)]
RATE = 400  # messages a second the sender may send
SIM_RATE = 420  # the simulator's limit: see test_limits.py for why not exactly RATE
DELIVERY = {"per_second": RATE, "idle_poll_seconds": 0.5}
KILL_AFTER = 800  # announcement messages the simulator has received


def window() -> int:
    """The in-flight window of one process: the batch size its sender claims."""
    settings = DeliverySettings(per_second=RATE)
    return max(1, min(settings.batch_size, int(RATE / 2)))


async def test_a_killed_process_repeats_at_most_one_batch(
    database_url: str, db: Database, dsim: Sim, delivery_simulator: Server, tmp_path: Path
) -> None:
    now = now_utc()
    await bind_residents(db, PEOPLE, now)
    add_sim_users(delivery_simulator.app, PEOPLE)
    broadcast_id = await release_broadcast(db, now)
    ours = OutboxMessage.broadcast_id == broadcast_id
    await set_sim_limits(dsim.http, global_per_second=SIM_RATE, global_burst=SIM_RATE)

    first = start_linli(
        database_url=database_url,
        simulator_url=delivery_simulator.url,
        port=free_port(),
        log=tmp_path / "first.log",
        delivery=DELIVERY,
    )
    state = delivery_simulator.app.state.sim  # read in-process: polled every few ms
    try:
        deadline = time.monotonic() + 60
        # Mid-way, and in the middle of a batch (batches are `window()` rows; at RATE they
        # take 125 ms to go out), so that some of its rows have gone and some have not.
        while not (
            (sent := state.sent_by_method["sendMessage"]) >= KILL_AFTER
            and window() // 5 <= sent % window() <= window() * 4 // 5
        ):
            assert first.process.poll() is None, first.output()
            assert time.monotonic() < deadline, f"only {sent} sent in 60 s:\n{first.output()}"
            await asyncio.sleep(0.002)
        first.kill()
    finally:
        first.stop()
    # Requests the process wrote before it died are still answered: wait until none arrive.
    killed_at = -1
    while killed_at != state.sent_by_method["sendMessage"]:
        killed_at = state.sent_by_method["sendMessage"]
        await asyncio.sleep(0.3)
    at_kill = await status_counts(db, ours)
    unrecorded = killed_at - at_kill["sent"]  # delivered, but the process died before saying so
    assert 0 < killed_at < len(PEOPLE), "killed mid-way"
    assert 0 < at_kill["sending"] <= window(), at_kill  # claimed, outcome not recorded
    assert 0 <= unrecorded <= at_kill["sending"], (killed_at, at_kill)

    second = start_linli(
        database_url=database_url,
        simulator_url=delivery_simulator.url,
        port=free_port(),
        log=tmp_path / "second.log",
        delivery=DELIVERY,
    )
    restarted = time.monotonic()
    try:
        while await open_rows(db, ours):
            assert second.process.poll() is None, second.output()
            assert time.monotonic() - restarted < 60, (
                f"not finished 60 s after the restart: {await status_counts(db, ours)}"
            )
            await asyncio.sleep(0.25)
        took = time.monotonic() - restarted
    finally:
        second.stop()

    stats = await dsim.stats()
    counts = {int(k): v for k, v in stats["per_chat_counts"].items()}
    missing = [p for p in PEOPLE if counts.get(p, 0) == 0]
    duplicates = sum(counts.get(p, 0) - 1 for p in PEOPLE if counts.get(p, 0) > 1)
    async with db.sessions() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status).where(ours)))
    print(
        f"\n[{db.url.get_backend_name()}] killed after {killed_at} sends, {at_kill['sending']} "
        f"rows claimed of which {unrecorded} already delivered; restart finished in "
        f"{took:.1f} s; duplicates: {duplicates} (in-flight window {window()})"
    )
    assert not missing, f"{len(missing)} recipients got nothing, e.g. {missing[:5]}"
    assert statuses == {OutboxStatus.sent}
    assert duplicates == unrecorded  # exactly the claimed rows that had gone out
    assert duplicates <= at_kill["sending"] <= window()
    assert stats["violations"] == 0, stats["violations_by_kind"]
