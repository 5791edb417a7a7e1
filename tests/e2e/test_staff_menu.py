"""Staff have buttons for their own work, and /help tells them about it."""

from __future__ import annotations

from tests.e2e.conftest import Product
from tests.e2e.harness import reply_buttons, text_of
from tests.e2e.staff import ZHANG, bind, file_ticket, repair

MANAGER, TECHNICIAN = 900001, 900004


async def test_staff_get_their_queue_and_managers_announcements_on_buttons(
    product: Product,
) -> None:
    sim = product.sim
    await sim.send(TECHNICIAN, "/help")
    helped = await sim.wait_text(TECHNICIAN, "/queue", "/say")
    assert "/broadcast" not in text_of(helped)  # not a technician's to send
    assert "遇到困难" not in text_of(helped)  # staff are the office they would be told to call
    assert [b["text"] for b in reply_buttons(helped)] == ["🗂 工单队列", "🌐 语言", "❓ 帮助"]
    await sim.send(TECHNICIAN, "🗂 工单队列")  # the button, as it is pressed
    await sim.wait_text(TECHNICIAN, "没有未完结的工单")

    await sim.send(MANAGER, "/help")
    helped = await sim.wait_text(MANAGER, "/broadcast")
    assert "📢 发布通知" in [b["text"] for b in reply_buttons(helped)]
    await sim.send(MANAGER, "📢 发布通知")
    await sim.wait_text(MANAGER, "给金采小区发布新通知")


async def test_staff_asking_for_work_in_words_get_their_queue(product: Product) -> None:
    """ "有新工单吗" from a technician is /queue, not "I didn't understand"."""
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair(), telegram_id=ZHANG)  # 1栋: his area
    await sim.send(TECHNICIAN, "今天有什么新工单吗？")
    queue = await sim.wait_text(TECHNICIAN, "未完结工单", ticket.number)
    assert "没看明白" not in text_of(queue)
    await sim.send(TECHNICIAN, "今天天气不错")  # other words still are not understood
    await sim.wait_text(TECHNICIAN, "没看明白")
