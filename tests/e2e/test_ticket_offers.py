"""Typed problems, photos and small talk: what the bot offers a resident who just writes."""

from __future__ import annotations

from handlers.tickets.form import WizAction
from handlers.tickets.offers import OfferAction, OfferCb
from models import Ticket, TicketMedia
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    ask_and_press,
    buttons,
    press,
    text_of,
)
from tests.e2e.residents import (
    LI,
    ZHANG,
    bind_li,
    bind_zhang,
    count,
    latest_ticket,
    wiz,
)


async def test_a_typed_problem_is_offered_as_a_plumbing_repair(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "厨房水管漏水了")
    offer = await sim.wait_text(ZHANG, "水管/下水道报修", "物业服务中心")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.repair).pack())
    # the category is filled in, the words are the description, and a kitchen is in her
    # home: next are the photos
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.window, "any"))
    summary = await sim.wait_text(ZHANG, "请核对您的报修内容", "厨房水管漏水了")
    assert "位置：我家（金采小区 1栋 1单元 101）" in text_of(summary)
    assert wiz(WizAction.edit, "where") in [d for _t, d in buttons(summary)]  # still changeable
    await press(sim, ZHANG, summary, wiz(WizAction.submit))
    receipt = await sim.wait_text(ZHANG, "工单号：BX-")
    assert "119" not in text_of(receipt)  # not urgent: no emergency advice
    ticket = await latest_ticket(product)
    assert (ticket.category, ticket.description, ticket.location) == (
        "plumbing",
        "厨房水管漏水了",
        "home",
    )
    assert not any("问题在哪里" in text_of(m) for m in await sim.bot_messages(ZHANG))


async def test_a_typed_problem_naming_home_and_a_shared_place_is_asked_where(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "楼道的灯坏了，我家门口黑乎乎的")  # her door, but in the stairwell
    offer = await sim.wait_text(ZHANG, "报修", "物业服务中心")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.repair).pack())
    await sim.wait_text(ZHANG, "问题在哪里")


async def test_a_complaint_about_a_shared_place_asks_only_which_place(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "楼下每天晚上跳广场舞太吵了")
    offer = await sim.wait_text(ZHANG, "噪音投诉")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.complaint).pack())
    await sim.wait_text(ZHANG, "具体在哪里")
    await sim.send(ZHANG, "小区中心广场")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    assert not any("问题在哪里" in text_of(m) for m in await sim.bot_messages(ZHANG))


async def test_a_gas_smell_or_a_trapped_lift_gets_what_to_do_first(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await bind_li(product)
    await sim.send(ZHANG, "家里有燃气味")
    gas = await sim.wait_text(ZHANG, "燃气", "119")
    assert "不要开关电灯和电器" in text_of(gas), text_of(gas)
    # reported as urgent, the receipt says it again: help is on its way, not there yet
    await press(sim, ZHANG, gas, OfferCb(action=OfferAction.repair).pack())
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))  # "家里": not asked where
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "urgent"))
    # no visit time to pick: someone comes at once
    summary = await sim.wait_text(ZHANG, "请核对您的报修内容", "上门时间：尽快（紧急）")
    assert not any(d == wiz(WizAction.edit, "window") for _t, d in buttons(summary))
    await press(sim, ZHANG, summary, wiz(WizAction.submit))
    receipt = await sim.wait_text(ZHANG, "工单号：BX-")
    assert "119" in text_of(receipt) and "不要开关电灯和电器" in text_of(receipt)
    assert "物业服务中心电话：0571-8888 6666" in text_of(receipt), text_of(receipt)
    await sim.send(LI, "someone is trapped in the lift")
    lift = await sim.wait_text(LI, "lift", "119")
    assert "call 96333" in text_of(lift), text_of(lift)
    await sim.send(ZHANG, "水管爆了 水漫了一地")
    flood = await sim.wait_text(ZHANG, "水管/下水道", "119")
    assert "总水阀" in text_of(flood), text_of(flood)
    # an ordinary lift fault is offered without the emergency steps
    await sim.send(ZHANG, "电梯又坏了")
    ordinary = await sim.wait_text(ZHANG, "电梯")
    assert "96333" not in text_of(ordinary) and "119" not in text_of(ordinary)


async def test_small_talk_is_not_offered_and_no_means_no(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "你好呀，在吗？")
    await sim.wait_text(ZHANG, "您好！我是邻里", "厨房水管漏水了")  # greeted, not an offer
    await sim.send(ZHANG, "谢谢")
    await sim.wait_text(ZHANG, "不客气")
    await sim.send(ZHANG, "楼上天天半夜装修，吵死了")
    offer = await sim.wait_text(ZHANG, "噪音投诉")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.no).pack())
    await sim.wait_text(ZHANG, "没有提交")
    assert await count(product, Ticket) == 0


async def test_a_lone_photo_is_offered_as_a_repair_and_kept(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, photo={})  # no words, no command
    offer = await sim.wait_text(ZHANG, "要用这张照片报修")
    await sim.send(ZHANG, photo={})  # the second photo of an album joins the offer
    await sim.wait_text(ZHANG, "已加上")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.repair).pack())
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "doors_windows"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "home"))
    await sim.wait_text(ZHANG, "发生了什么")
    await sim.send(ZHANG, "阳台推拉门的滑轮坏了，推不动")
    photos = await sim.wait_text(ZHANG, "您已发了 2 张照片")
    await press(sim, ZHANG, photos, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.window, "any"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.submit))
    receipt = await sim.wait_text(ZHANG, "工单号：BX-")
    ticket = await latest_ticket(product)
    assert ticket.number in text_of(receipt)
    assert ticket.category == "doors_windows"
    assert await count(product, TicketMedia, TicketMedia.ticket_id == ticket.id) == 2


async def test_a_typed_yes_or_no_answers_the_offer(product: Product) -> None:
    """Many type "好的" rather than tap: taken as the tap, while the offer waits."""
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "楼上天天半夜装修，吵死了")
    await sim.wait_text(ZHANG, "噪音投诉")
    await sim.send(ZHANG, "不用了，谢谢")
    await sim.wait_text(ZHANG, "没有提交")
    await sim.send(ZHANG, "好的")  # no offer waits any more: just "OK"
    await sim.wait_text(ZHANG, "有需要随时找我")
    said = await sim.send(ZHANG, "不用了")  # nor a report of its own (no electrical repair)
    after = await sim.wait_for(
        ZHANG, lambda m: m["message_id"] > said["message_id"], what="the answer to 不用了"
    )
    assert "好的。有需要随时找我" in text_of(after)

    await sim.send(ZHANG, "厨房水管漏水了")
    await sim.wait_text(ZHANG, "水管/下水道报修")
    await sim.send(ZHANG, "好的，麻烦了")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))  # the form, pre-filled
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.window, "any"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.submit))
    await sim.wait_text(ZHANG, "工单号：BX-")
    ticket = await latest_ticket(product)
    assert (ticket.category, ticket.description) == ("plumbing", "厨房水管漏水了")


async def test_words_too_long_for_a_description_are_asked_for_again_not_cut(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "厨房水管漏水了，" + "水一直在流" * 420)  # 2,108 characters
    offer = await sim.wait_text(ZHANG, "水管/下水道报修")
    await press(sim, ZHANG, offer, OfferCb(action=OfferAction.repair).pack())
    await sim.wait_text(ZHANG, "发生了什么")  # asked in fewer words, none of it stored cut
    await sim.send(ZHANG, "厨房水管漏水了")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.window, "any"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.submit))
    await sim.wait_text(ZHANG, "工单号：BX-")
    assert (await latest_ticket(product)).description == "厨房水管漏水了"
