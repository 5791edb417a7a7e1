"""What the sender puts on the wire for a rendered notice: a file goes as a file, pins pin."""

from __future__ import annotations

from bot.notices import NoticeRegistry, RenderContext, Rendered
from core.clock import FixedClock
from core.settings import DeliverySettings
from models.db import Database
from services import outbox
from services.outbox import Recipient
from tests.delivery.support import (
    add_sim_users,
    build_bot,
    build_sender,
    now_utc,
    status_counts,
)
from tests.e2e.conftest import Server
from tests.e2e.harness import Sim

READER = 730_001


async def test_a_notice_with_a_document_goes_as_a_document_and_is_pinned(
    db: Database, dsim: Sim, delivery_simulator: Server
) -> None:
    registry = NoticeRegistry()

    @registry.register("test.bill")
    def render_bill(ctx: RenderContext) -> Rendered:
        return Rendered(
            "2026年11月水费账单", document="https://files.example.com/bill.pdf", pin=True
        )

    add_sim_users(delivery_simulator.app, [READER])
    now = now_utc()
    async with db.sessions() as session:
        await outbox.enqueue(session, to=Recipient(str(READER)), notice="test.bill", now=now)
        await session.commit()
    bot = build_bot(delivery_simulator.url)
    sender = build_sender(db, bot, DeliverySettings(), FixedClock(now), registry=registry)
    try:
        await sender.drain_until_idle()
    finally:
        await bot.session.close()
    assert await status_counts(db) == {"sent": 1}
    (message,) = await dsim.bot_messages(READER)
    assert message["document"] is not None, f"sent as text: {message['text']!r}"
    assert message["caption"] == "2026年11月水费账单"
    assert message["pinned"]
    assert (await dsim.stats())["violations"] == 0
