"""Repairs and complaints as residents see them: the form, /tickets, rating, refusals (what
the bot offers for typed words: test_ticket_offers.py)."""

from __future__ import annotations

from typing import Any

from bot.i18n import Catalogue
from bot.notices import RenderContext, Rendered, notices
from handlers.tickets.form import WizAction
from handlers.tickets.offers import OfferAction, OfferCb
from handlers.tickets.pages import TicketAction, TicketCb
from models import (
    AuditEntry,
    FsmRecord,
    Ticket,
    TicketKind,
    TicketMedia,
    TicketStatus,
)
from services.demo import DISPATCH_GROUP_ID
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    ask_and_press,
    buttons,
    has_button,
    press,
    settled,
    text_of,
    tomorrow_morning,
)
from tests.e2e.residents import (
    LI,
    ZHANG,
    bind_li,
    bind_zhang,
    count,
    file_repair,
    join_by_code,
    latest_ticket,
    number_in,
    open_page,
    ticket_by_number,
    without_buttons,
    wiz,
    work_on,
)

# --- the form --------------------------------------------------------------------------------


async def test_a_full_repair_with_two_photos_gives_a_numbered_receipt(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    menu = await sim.wait_for(ZHANG, lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    assert "🔧 报修" in str(menu["reply_markup"])  # the big menu button is there

    await sim.send(ZHANG, "🔧 报修")  # the menu button, as an elderly resident would
    categories = await sim.wait_text(ZHANG, "什么需要修")
    assert "🚰 水管/下水道" in [t for t, _d in buttons(categories)]
    await press(sim, ZHANG, categories, wiz(WizAction.category, "plumbing"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "home"))
    await sim.wait_text(ZHANG, "发生了什么")
    await sim.send(ZHANG, "厨房水槽下面的水管漏水了，地上都是水")
    await sim.wait_text(ZHANG, "照片能帮工作人员")
    await sim.send(ZHANG, photo={})
    await sim.send(ZHANG, photo={})
    received = await sim.wait_text(ZHANG, "第 2 张")
    await press(sim, ZHANG, received, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    tomorrow = tomorrow_morning(product.runtime.clock.now())
    window = await sim.wait_for(ZHANG, has_button(wiz(WizAction.window, tomorrow)))
    assert "明天上午" in [t for t, _d in buttons(window)]
    await press(sim, ZHANG, window, wiz(WizAction.window, tomorrow))

    summary = await sim.wait_text(ZHANG, "请核对您的报修内容")
    month, day = (int(n) for n in tomorrow[5:10].split("-"))
    when = f"{month}月{day}日"  # with its date: staff read it on other days
    for part in ("水管/下水道", "1栋 1单元 101", "地上都是水", "照片：2 张", when):
        assert part in text_of(summary), part
    assert await press(sim, ZHANG, summary, wiz(WizAction.submit))

    receipt = await sim.wait_text(ZHANG, "您的报修已收到", "工单号：BX-")
    assert buttons(receipt)  # “See its progress”
    ticket = await ticket_by_number(product, number_in(receipt))
    assert (ticket.category, ticket.location, ticket.visit_window, ticket.status) == (
        "plumbing",
        "home",
        tomorrow,
        TicketStatus.new,
    )
    assert "地上都是水" in ticket.description
    assert await count(product, TicketMedia, TicketMedia.ticket_id == ticket.id) == 2
    assert await count(product, FsmRecord, FsmRecord.state.is_not(None)) == 0


async def test_bad_input_is_explained_and_cancel_works_at_any_step(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "/repair")
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "electrical"))
    await sim.send(ZHANG, "随便打的字")  # typing where a button is expected
    await sim.wait_text(ZHANG, "请点下面的按钮", "问题在哪里")
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "public"))
    await sim.wait_text(ZHANG, "具体在哪里")
    await sim.send(ZHANG, "楼" * 201)  # too long for a place
    await sim.wait_text(ZHANG, "内容太长了", "200")
    await sim.send(ZHANG, "3单元楼道5楼")
    await sim.wait_text(ZHANG, "发生了什么")
    await sim.send(ZHANG, sticker=True)  # a sticker is not a description
    await sim.wait_text(ZHANG, "请写一下发生了什么")
    await sim.send(ZHANG, voice={})  # a voice note is
    await sim.wait_text(ZHANG, "照片能帮工作人员")
    for _ in range(6):
        await sim.send(ZHANG, photo={})
    await sim.wait_text(ZHANG, "最多只能发 5 张照片")
    await sim.send(ZHANG, "/cancel")
    await sim.wait_text(ZHANG, "已取消")
    assert await count(product, Ticket) == 0
    assert await count(product, FsmRecord, FsmRecord.state.is_not(None)) == 0


async def test_where_and_how_urgent_may_be_typed_instead_of_tapped(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "/repair")
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "elevator"))
    await sim.wait_text(ZHANG, "问题在哪里")
    await sim.send(ZHANG, "3栋的电梯")  # the place itself: public, and not asked again
    await sim.wait_text(ZHANG, "发生了什么")
    await sim.send(ZHANG, "按钮不亮，门关不上")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await sim.wait_text(ZHANG, "情况紧急吗")
    await sim.send(ZHANG, "不急")
    summary = await sim.wait_text(ZHANG, "请核对您的报修内容")
    await press(sim, ZHANG, summary, wiz(WizAction.submit))
    await sim.wait_text(ZHANG, "工单号：BX-")
    ticket = await latest_ticket(product)
    assert (ticket.location, ticket.place, ticket.urgency) == ("public", "3栋的电梯", "normal")
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("具体在哪里" in t for t in said)
    assert not any("请点下面的按钮" in t for t in said)


async def test_edit_from_the_summary_and_an_anonymous_complaint(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await sim.send(ZHANG, "/complaint")
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "parking"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "public"))
    await sim.send(ZHANG, "地下车库入口")
    await sim.wait_text(ZHANG, "发生了什么")
    await sim.send(ZHANG, "每天晚上都有车堵在消防通道")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    anonymous = await sim.wait_text(ZHANG, "要对工作人员匿名吗")
    await press(sim, ZHANG, anonymous, wiz(WizAction.anonymous, "1"))
    summary = await sim.wait_text(ZHANG, "请核对您的投诉内容", "对工作人员匿名：是")
    assert "上门时间" not in text_of(summary)  # complaints have no visit window

    await press(sim, ZHANG, summary, wiz(WizAction.edit, "category"))  # change one answer
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, "security"))
    summary = await sim.wait_for(
        ZHANG,
        lambda m: "治安巡防" in text_of(m) and has_button(wiz(WizAction.submit))(m),
    )
    assert "消防通道" in text_of(summary)  # everything else was kept
    await press(sim, ZHANG, summary, wiz(WizAction.submit))

    receipt = await sim.wait_text(ZHANG, "您的投诉已收到", "TS-")
    ticket = await ticket_by_number(product, number_in(receipt, "TS-"))
    assert (ticket.kind, ticket.category, ticket.anonymous) == (
        TicketKind.complaint,
        "security",
        True,
    )
    assert (ticket.location, ticket.place, ticket.visit_window) == ("public", "地下车库入口", None)


# --- /tickets and what a resident may do -------------------------------------------------------


async def test_my_tickets_shows_the_history_and_cancel_works_before_work_starts(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "卫生间下水道堵了")
    await sim.wait_text(ZHANG, ticket.number, "您的报修已收到")

    await sim.send(ZHANG, "📋 我的工单")
    listing = await sim.wait_text(ZHANG, "您家的报修和投诉", ticket.number)
    assert "已收到，等待物业受理" in text_of(listing)
    await press(
        sim, ZHANG, listing, TicketCb(action=TicketAction.show, ticket_id=ticket.id).pack()
    )
    page = await sim.wait_text(ZHANG, "处理记录", "已提交", "卫生间下水道堵了")
    cancel = TicketCb(action=TicketAction.ask_cancel, ticket_id=ticket.id).pack()
    await press(sim, ZHANG, page, cancel)
    confirm = await sim.wait_text(ZHANG, "要撤销您的报修")
    await press(
        sim, ZHANG, confirm, TicketCb(action=TicketAction.cancel, ticket_id=ticket.id).pack()
    )
    await sim.wait_text(ZHANG, "您的报修", ticket.number, "已撤销")
    assert (await ticket_by_number(product, ticket.number)).status == TicketStatus.cancelled


async def test_done_is_rated_with_stars_and_a_comment(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "客厅灯不亮")
    await work_on(product, ticket, message="明天上午九点上门，请家里留人")

    await sim.wait_text(ZHANG, "孙师傅", ticket.number, "负责处理")
    await sim.wait_text(ZHANG, "明天上午九点上门")  # the staff message came through
    done = await sim.wait_text(ZHANG, ticket.number, "已处理完成")
    await press(
        sim,
        ZHANG,
        done,
        TicketCb(action=TicketAction.rate_done, ticket_id=ticket.id, stars=4).pack(),
    )
    # The stars are spent: the "done" message keeps its words and shows the choice instead.
    await without_buttons(sim, ZHANG, done, "the done notice without its stars")
    assert text_of(await sim.wait_text(ZHANG, ticket.number, "已处理完成")).endswith(
        "✓ ⭐⭐⭐⭐ 满意"
    )
    # One message thanks her and invites a few words, with a Skip button.
    thanks = await sim.wait_text(ZHANG, "谢谢您的评价", "已关闭", "还想说几句吗")
    assert [label for label, _ in buttons(thanks)] == ["跳过"]
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert sum("谢谢您的评价" in t or "还想说几句吗" in t for t in said) == 1
    # The stars count at once: a resident who walks away now has still rated.
    rated = await ticket_by_number(product, ticket.number)
    assert (rated.status, rated.rating, rated.rating_comment) == (TicketStatus.closed, 4, None)
    await sim.send(ZHANG, "好" * 501)  # too long: refused whole, and still asked
    await sim.wait_text(ZHANG, "内容太长", "500")
    await sim.send(ZHANG, "师傅很认真，谢谢")
    await sim.wait_text(ZHANG, "已转达物业")
    # The invitation has been answered: its Skip button goes.
    await without_buttons(sim, ZHANG, thanks, "the invitation without its Skip button")
    commented = await ticket_by_number(product, ticket.number)
    assert (commented.rating, commented.rating_comment) == (4, "师傅很认真，谢谢")


async def test_skip_keeps_the_thanks_and_later_words_are_not_taken_as_a_comment(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "阳台下水口堵了")
    await work_on(product, ticket)
    await sim.wait_text(ZHANG, ticket.number, "已处理完成")
    # Rated from the ticket's page this time: the page then shows the ticket as it is now.
    page = await open_page(sim, ZHANG, ticket)
    await press(
        sim, ZHANG, page, TicketCb(action=TicketAction.rate, ticket_id=ticket.id, stars=5).pack()
    )
    closed = await sim.wait_for(
        ZHANG,
        lambda m: m["message_id"] == page["message_id"] and "您的评价：⭐⭐⭐⭐⭐" in text_of(m),
        what="the page, closed and rated",
    )
    assert "已关闭" in text_of(closed)
    assert not any("rt:r:" in data for _label, data in buttons(closed))
    thanks = await sim.wait_text(ZHANG, "谢谢您的评价", "还想说几句吗")
    await sim.press_button(ZHANG, ZHANG, thanks, "跳过")
    # The same message keeps its thanks, loses its button and shows the answer.
    skipped = await without_buttons(sim, ZHANG, thanks, "the thanks without its Skip button")
    assert "谢谢您的评价" in text_of(skipped) and text_of(skipped).endswith("✓")
    # Words typed now are not a comment on the rating.
    before = len(await sim.bot_messages(ZHANG))
    await sim.send(ZHANG, "师傅辛苦了")
    await sim.wait_count(ZHANG, before + 1)
    assert not any("已转达物业" in text_of(m) for m in await sim.bot_messages(ZHANG))
    rated = await ticket_by_number(product, ticket.number)
    assert (rated.status, rated.rating, rated.rating_comment) == (TicketStatus.closed, 5, None)


async def test_a_forged_button_for_another_homes_ticket_is_refused_and_audited(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "厨房水龙头一直滴水")
    await bind_li(product)
    await sim.send(LI, "/tickets")
    empty = await sim.wait_text(LI, "no repairs or complaints yet")
    for action in (TicketAction.cancel, TicketAction.show):
        forged = await sim.press(
            LI,
            LI,
            empty["message_id"],
            TicketCb(action=action, ticket_id=ticket.id).pack(),
        )
        answer = await sim.callback_answer(forged["callback_query_id"], wait=10)
        assert "not one of yours" in (answer["text"] or "")
    assert (await ticket_by_number(product, ticket.number)).status == TicketStatus.new
    refused = await settled(
        lambda: count(
            product,
            AuditEntry,
            AuditEntry.action == "ticket.cancel",
            AuditEntry.outcome == "refused",
            AuditEntry.subject_id == ticket.id,
        ),
        1,
    )
    assert refused == 1
    looked = await settled(
        lambda: count(
            product,
            AuditEntry,
            AuditEntry.action == "ticket.view",
            AuditEntry.outcome == "refused",
            AuditEntry.subject_id == ticket.id,
        ),
        1,
    )
    assert looked == 1
    # nothing of Zhang's ticket reached Mr Li
    assert not any(ticket.number in text_of(m) for m in await sim.bot_messages(LI))


async def test_an_english_resident_reports_a_repair_in_english(product: Product) -> None:
    sim = product.sim
    await bind_li(product)
    await sim.send(LI, "the hallway light is out")
    offer = await sim.wait_text(LI, "It sounds like an electrical or lighting repair")
    await press(sim, LI, offer, OfferCb(action=OfferAction.repair).pack())
    await sim.wait_text(LI, "Where exactly?")  # a hallway is a public place: only which one
    await sim.send(LI, "2单元 stairwell, 3rd floor")
    await ask_and_press(sim, LI, wiz(WizAction.photos_done))
    urgency = await sim.wait_text(LI, "How urgent is it?")
    await press(sim, LI, urgency, wiz(WizAction.urgency, "normal"))
    # A stairwell needs nobody at home: no visit time is asked, shown or kept.
    summary = await sim.wait_text(LI, "Please check your repair", "Electrical & lighting")
    assert "Visit" not in text_of(summary)
    assert wiz(WizAction.edit, "window") not in [d for _t, d in buttons(summary)]
    await press(sim, LI, summary, wiz(WizAction.submit))
    receipt = await sim.wait_text(LI, "We have received your repair", "Number: BX-")
    ticket = await ticket_by_number(product, number_in(receipt))
    assert (ticket.category, ticket.place) == ("electrical", "2单元 stairwell, 3rd floor")
    assert ticket.visit_window is None
    assert not any("When would a visit" in text_of(m) for m in await sim.bot_messages(LI))
    assert not any("Where is the problem?" in text_of(m) for m in await sim.bot_messages(LI))
    alert = await sim.wait_text(int(DISPATCH_GROUP_ID), ticket.number, "公共区域")
    assert "上门时间" not in text_of(alert)

    await sim.send(LI, "📋 My tickets")
    listing = await sim.wait_text(LI, ticket.number, "Received, waiting for the office")
    await press(sim, LI, listing, TicketCb(action=TicketAction.show, ticket_id=ticket.id).pack())
    await sim.wait_text(LI, "History:", "Reported", "Status:")


def test_a_staff_message_with_a_photo_or_voice_note_is_rendered_with_it() -> None:
    catalogue = Catalogue()
    base = {"ticket_id": 7, "number": "BX-0000007", "kind": "repair", "category": "plumbing"}
    _ = catalogue.get("en")

    def render(**data: Any) -> Rendered:
        return notices.render(
            "ticket.staff_message", RenderContext(_, catalogue, "linli_bot", {**base, **data})
        )

    with_photo = render(
        staff="孙师傅",
        text="x" * 1500,
        media=[{"kind": "voice", "file_id": "v1"}, {"kind": "photo", "file_id": "p1"}],
    )
    assert (with_photo.photo, with_photo.voice) == ("p1", None)
    assert len(with_photo.text) <= 1024 and "孙师傅" in with_photo.text
    with_voice = render(staff="", text="", media=[{"kind": "voice", "file_id": "v1"}])
    assert (with_voice.photo, with_voice.voice) == (None, "v1")
    assert "The property office" in with_voice.text
    assert "BX-0000007" in render(text="hello").text


async def test_a_family_member_who_rates_is_the_one_asked_for_a_few_words(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "卧室空调不制冷")
    son = 10077
    await sim.user(son, "小张")
    await join_by_code(product, son, ("1栋", "1单元", "101"), "我是家庭成员")
    await sim.wait_text(son, "绑定成功")
    await work_on(product, ticket)

    page = await open_page(sim, son, ticket)
    await press(
        sim, son, page, TicketCb(action=TicketAction.rate, ticket_id=ticket.id, stars=3).pack()
    )
    # The son, who rated, is thanked and asked; his mother, who reported it, is only thanked.
    invitation = await sim.wait_text(son, "谢谢您的评价", "还想说几句吗")
    thanked = await sim.wait_text(ZHANG, "谢谢您的评价", ticket.number)
    assert "还想说几句吗" not in text_of(thanked) and not buttons(thanked)
    await sim.send(son, "修得很快")
    await sim.wait_text(son, "已转达物业")
    await without_buttons(sim, son, invitation, "the invitation without its Skip button")
    rated = await ticket_by_number(product, ticket.number)
    assert (rated.rating, rated.rating_comment) == (3, "修得很快")
