"""Questions typed in the chat that are not problems to report: how a report is going, whom
to call, how to pay (the cut and fee questions are in test_broadcast.py, beside the
announcements that answer them)."""

from __future__ import annotations

from tests.e2e.conftest import Product
from tests.e2e.harness import text_of
from tests.e2e.residents import ZHANG, bind_zhang
from tests.e2e.staff import file_ticket, repair

WANG = 10003  # 王女士, a tenant not yet in any home


async def test_asked_how_a_report_is_going_the_resident_sees_their_tickets(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "我的报修怎么样了？")
    await sim.wait_text(
        ZHANG, "您家还没有报修或投诉"
    )  # nothing yet: said so, no new report offered
    ticket = await file_ticket(product, repair())
    await sim.wait_text(ZHANG, "您的报修已收到")

    await sim.send(ZHANG, "我的报修怎么样了？")
    listed = await sim.wait_text(ZHANG, "您家的报修和投诉", ticket.number)
    assert "已收到" in text_of(listed)  # its status, in words
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("要帮您报给物业服务中心吗" in t for t in said), said


async def test_asked_whom_to_call_a_resident_gets_the_steward_and_the_office(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "物业电话是多少")
    told = await sim.wait_text(ZHANG, "您的管家：赵管家", "0571-8888 6666")
    assert "直接在这里告诉我问题" in text_of(told)  # and reporting here needs no call

    # Someone not yet in a home gets the office's phone (every demo estate shares it).
    await sim.send(WANG, "物业几点上班？")
    told = await sim.wait_text(WANG, "0571-8888 6666")
    assert "管家" not in text_of(told) and "没看明白" not in text_of(told)


async def test_wanting_to_pay_a_fee_is_told_how_not_offered_a_complaint(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "我要交物业费")
    await sim.wait_text(ZHANG, "这里还查不到", "0571-8888 6666")
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("投诉" in t for t in said), said
