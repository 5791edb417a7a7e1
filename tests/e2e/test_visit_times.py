"""The visit-time question on a clock the test moves: what is offered, and a time that
passed while the question waited."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.tickets.form import WizAction
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    ShiftedClock,
    Sim,
    ask_and_press,
    buttons,
    has_button,
    text_of,
)
from tests.e2e.residents import (
    ZHANG,
    bind_zhang,
    wiz,
)

# A Tuesday, ten to eleven in the morning in the demo estate.
ALMOST_ELEVEN = datetime(2026, 12, 8, 10, 50, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def clock() -> ShiftedClock:
    return ShiftedClock(ALMOST_ELEVEN)


async def to_the_visit_question(sim: Sim) -> None:
    """张阿姨 reports, in her home, a light that is out, and is next asked when to visit."""
    await bind_zhang(sim)
    await sim.send(ZHANG, "/repair")
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "electrical"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "home"))
    await sim.send(ZHANG, "卧室的灯不亮了")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))


async def test_a_morning_that_passed_while_the_question_waited_is_asked_again(
    product_at: Product, clock: ShiftedClock
) -> None:
    sim = product_at.sim
    await to_the_visit_question(sim)
    this_morning = wiz(WizAction.window, "2026-12-08.morning")
    asked = await sim.wait_for(ZHANG, has_button(this_morning), what="the visit question")
    assert [t for t, _d in buttons(asked)][:3] == ["什么时间都可以", "今天上午", "今天下午"]

    clock.advance(minutes=15)  # 11:05: too late to send someone this morning
    pressed = await sim.press(ZHANG, ZHANG, asked["message_id"], this_morning)
    answer = await sim.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["show_alert"] and "这个时间已经过了" in answer["text"], answer
    again = await sim.wait_for(
        ZHANG,
        lambda m: m["message_id"] != asked["message_id"] and "什么时间上门" in text_of(m),
        what="the question asked again",
    )
    offered = [d for _t, d in buttons(again)]
    assert this_morning not in offered and wiz(WizAction.window, "2026-12-08.afternoon") in offered
    await ask_and_press(sim, ZHANG, wiz(WizAction.window, "2026-12-08.afternoon"))
    await sim.wait_text(ZHANG, "请核对您的报修内容", "12月8日（周二）下午")


async def test_a_visit_time_may_be_typed_when_it_names_one_offered(
    product_at: Product, clock: ShiftedClock
) -> None:
    sim = product_at.sim
    await to_the_visit_question(sim)
    await sim.wait_for(ZHANG, has_button(wiz(WizAction.window, "any")), what="the question")
    await sim.send(ZHANG, "明天")  # morning or afternoon? asked again
    await sim.wait_text(ZHANG, "请点下面的按钮", "什么时间上门")
    await sim.send(ZHANG, "明天上午")
    await sim.wait_text(ZHANG, "请核对您的报修内容", "12月9日（周三）上午")
