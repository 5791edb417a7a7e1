"""A main-menu button or command pressed in the middle of a conversation leaves it first, and
so does a message typed long after the conversation's last step (`fsm.idle_minutes`).

The big menu buttons stay under the input box while a form asks its questions; residents tap
them there. The label must never be taken as an answer (a rating's comment, a message to the
staff) nor refused as "not a button". Nor may words typed the next day.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.broadcast.buttons import KindCb
from handlers.leaving import command_name
from handlers.tickets.form import WizAction
from handlers.tickets.offers import OfferAction, OfferCb
from handlers.tickets.pages import TicketAction, TicketCb
from models import FsmRecord, Ticket, TicketEvent
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    ShiftedClock,
    Sim,
    ask_and_press,
    has_button,
    press,
    text_of,
)
from tests.e2e.residents import (
    ZHANG,
    bind_zhang,
    count,
    file_repair,
    open_page,
    ticket_by_number,
    wiz,
    work_on,
)

MANAGER = 900001  # 陈经理
REPAIR_OFFER = OfferCb(action=OfferAction.repair).pack()
NOT_SENT = "没有提交"  # "Your unfinished repair report (complaint) was not sent."


async def states(product: Product) -> list[str | None]:
    async with product.db.sessions() as session:
        return list(await session.scalars(select(FsmRecord.state)))


async def offered_a_repair(sim: Sim) -> None:
    await sim.wait_for(ZHANG, has_button(REPAIR_OFFER), what="an offer to report a repair")


async def rated_and_invited_to_comment(product: Product, *, stars: int) -> Ticket:
    """Zhang's repair, done; she gave it `stars` and is asked for a few words."""
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "客厅灯不亮")
    await work_on(product, ticket)
    done = await sim.wait_text(ZHANG, ticket.number, "已处理完成")
    rate = TicketCb(action=TicketAction.rate_done, ticket_id=ticket.id, stars=stars).pack()
    await press(sim, ZHANG, done, rate)
    await sim.wait_text(ZHANG, "谢谢您的评价", "还想说几句吗")
    return ticket


async def writing_to_a_ticket(product: Product) -> Ticket:
    """Zhang's repair, its page open, "write a message" pressed: her words go to the staff."""
    sim = product.sim
    await bind_zhang(sim)
    ticket = await file_repair(product, ZHANG, "厨房水管漏水")
    await sim.wait_text(ZHANG, ticket.number, "您的报修已收到")
    page = await open_page(sim, ZHANG, ticket)
    message = TicketCb(action=TicketAction.message, ticket_id=ticket.id).pack()
    await press(sim, ZHANG, page, message)
    await sim.wait_text(ZHANG, "请输入关于", "说完请点")
    return ticket


async def notes_on(product: Product, ticket: Ticket) -> list[str | None]:
    async with product.db.sessions() as session:
        return list(
            await session.scalars(
                select(TicketEvent.note).where(
                    TicketEvent.ticket_id == ticket.id, TicketEvent.note.is_not(None)
                )
            )
        )


async def to_the_place_step(sim: Sim, command: str = "/repair") -> None:
    """A repair (or complaint) form, answered up to "where exactly?" (it waits for words)."""
    await sim.send(ZHANG, command)
    category = "electrical" if command == "/repair" else "parking"
    await ask_and_press(sim, ZHANG, wiz(WizAction.category, category))
    await ask_and_press(sim, ZHANG, wiz(WizAction.where, "public"))
    await sim.wait_text(ZHANG, "具体在哪里")


async def test_a_menu_button_mid_form_leaves_it_and_says_the_report_was_not_sent(
    product: Product,
) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await to_the_place_step(sim)

    await sim.send(ZHANG, "📋 我的工单")
    await sim.wait_text(ZHANG, "您之前没填完的报修没有提交")
    await sim.wait_text(ZHANG, "您家还没有报修或投诉")  # what the button is for
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("请点下面的按钮" in t for t in said)
    assert [s for s in await states(product) if s is not None] == []
    # Words typed now are not taken as the old form's place.
    await sim.send(ZHANG, "3单元楼道5楼")
    await sim.wait_count(ZHANG, len(said) + 1)
    assert not any("发生了什么" in text_of(m) for m in await sim.bot_messages(ZHANG))
    assert await count(product, Ticket) == 0


async def test_a_section_command_mid_form_leaves_it_too(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await to_the_place_step(sim, "/complaint")
    await sim.send(ZHANG, "/home")
    await sim.wait_text(ZHANG, "您之前没填完的投诉没有提交")
    await sim.wait_text(ZHANG, "我的家：")
    assert [s for s in await states(product) if s is not None] == []
    # /menu leaves a form the same way.
    await to_the_place_step(sim)
    await sim.send(ZHANG, "/menu")
    await sim.wait_text(ZHANG, "您之前没填完的报修没有提交")
    await sim.wait_text(ZHANG, "请问您要办什么")
    assert [s for s in await states(product) if s is not None] == []
    # So does a button's words typed by hand, as the button does.
    await to_the_place_step(sim)
    last = (await sim.bot_messages(ZHANG))[-1]["message_id"]
    await sim.send(ZHANG, "我的家")
    await sim.wait_for(
        ZHANG, lambda m: m["message_id"] > last and "我的家：" in text_of(m), what="the home"
    )
    said = [text_of(m) for m in await sim.bot_messages(ZHANG) if m["message_id"] > last]
    assert any("您之前没填完的报修没有提交" in t for t in said), said
    assert [s for s in await states(product) if s is not None] == []


async def test_a_staff_menu_button_mid_announcement_says_it_was_not_sent(
    product: Product,
) -> None:
    sim = product.sim
    await sim.send(MANAGER, "/broadcast")
    await ask_and_press(sim, MANAGER, KindCb().pack())  # write my own
    await sim.wait_text(MANAGER, "请输入通知标题")
    await sim.send(MANAGER, "🗂 工单队列")
    await sim.wait_text(MANAGER, "之前没写完的通知没有发出")
    await sim.wait_text(MANAGER, "没有未完结的工单")  # the queue, as the button says
    # The title question is over: the next words are not taken as a title.
    before = len(await sim.bot_messages(MANAGER))
    await sim.send(MANAGER, "电梯保养")
    await sim.wait_count(MANAGER, before + 1)
    assert not any("通知正文" in text_of(m) for m in await sim.bot_messages(MANAGER))


async def test_help_mid_form_answers_and_the_form_goes_on(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    await to_the_place_step(sim)
    await sim.send(ZHANG, "❓ 帮助")
    await sim.wait_text(ZHANG, "/cancel")
    await sim.send(ZHANG, "3单元楼道5楼")
    await sim.wait_text(ZHANG, "发生了什么")  # still the same form, one step on
    assert not any(NOT_SENT in text_of(m) for m in await sim.bot_messages(ZHANG))


async def test_a_menu_button_is_not_taken_as_a_rating_comment(product: Product) -> None:
    sim = product.sim
    ticket = await rated_and_invited_to_comment(product, stars=5)

    await sim.send(ZHANG, "📋 我的工单")
    await sim.wait_text(ZHANG, "您家的报修和投诉", ticket.number)
    # The form is over: words typed later are not taken as the comment either.
    before = len(await sim.bot_messages(ZHANG))
    await sim.send(ZHANG, "师傅辛苦了")
    await sim.wait_count(ZHANG, before + 1)
    rated = await ticket_by_number(product, ticket.number)
    assert (rated.rating, rated.rating_comment) == (5, None)  # the stars kept, no comment
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("已转达物业" in t or NOT_SENT in t for t in said)


async def test_a_menu_button_is_not_sent_to_the_staff_as_a_message(product: Product) -> None:
    sim = product.sim
    await bind_zhang(sim)
    ticket = await writing_to_a_ticket(product)
    await sim.send(ZHANG, "楼下邻居家也开始漏水了")
    await sim.wait_text(ZHANG, "转给物业服务中心。可以继续发")

    await sim.send(ZHANG, "🏠 我的家")
    await sim.wait_text(ZHANG, "我的家：")
    # Done with the ticket: words typed later are not relayed to the staff either.
    before = len(await sim.bot_messages(ZHANG))
    await sim.send(ZHANG, "谢谢")
    await sim.wait_count(ZHANG, before + 1)
    notes = await notes_on(product, ticket)
    assert "楼下邻居家也开始漏水了" in notes  # what she meant to send went
    assert not any("我的家" in note or "谢谢" in note for note in notes)
    # Her message had already gone: nothing was lost, so she is not told otherwise.
    assert not any(NOT_SENT in text_of(m) for m in await sim.bot_messages(ZHANG))


async def test_words_typed_long_after_the_invitation_are_not_a_comment(
    product_at: Product, clock: ShiftedClock
) -> None:
    product = product_at
    sim = product.sim
    ticket = await rated_and_invited_to_comment(product, stars=4)

    clock.advance(minutes=product.settings.fsm.idle_minutes + 1)  # she walked away
    await sim.send(ZHANG, "楼道的灯坏了")  # a new problem, the next day
    await offered_a_repair(sim)  # offered as the repair it is
    rated = await ticket_by_number(product, ticket.number)
    assert (rated.rating, rated.rating_comment) == (4, None)
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert not any("已转达物业" in t or NOT_SENT in t for t in said)


async def test_a_form_left_for_long_is_dropped_by_words_but_its_buttons_still_work(
    product_at: Product, clock: ShiftedClock
) -> None:
    product = product_at
    sim = product.sim
    await bind_zhang(sim)
    idle = product.settings.fsm.idle_minutes
    await to_the_place_step(sim)
    clock.advance(minutes=idle - 1)  # a while, but not too long: the form goes on
    await sim.send(ZHANG, "3单元楼道5楼")
    await sim.wait_text(ZHANG, "发生了什么")

    clock.advance(minutes=idle + 1)  # too long: words typed now start afresh
    await sim.send(ZHANG, "电梯一直停在3楼不动")
    await sim.wait_text(ZHANG, NOT_SENT)
    await offered_a_repair(sim)
    assert [s for s in await states(product) if s is not None] == []

    # A summary confirmed long after it was shown is still sent: buttons do not lapse.
    await to_the_place_step(sim, "/complaint")
    await sim.send(ZHANG, "地下车库入口")
    await sim.send(ZHANG, "每天晚上都有车堵在消防通道")
    await ask_and_press(sim, ZHANG, wiz(WizAction.photos_done))
    await ask_and_press(sim, ZHANG, wiz(WizAction.urgency, "normal"))
    await ask_and_press(sim, ZHANG, wiz(WizAction.anonymous, "0"))
    summary = await sim.wait_text(ZHANG, "请核对您的投诉内容")
    clock.advance(minutes=idle + 1)
    await press(sim, ZHANG, summary, wiz(WizAction.submit))
    await sim.wait_text(ZHANG, "您的投诉已收到", "TS-")
    assert await count(product, Ticket) == 1


async def test_messages_to_a_ticket_keep_the_conversation_going(
    product_at: Product, clock: ShiftedClock
) -> None:
    product = product_at
    sim = product.sim
    ticket = await writing_to_a_ticket(product)
    idle = product.settings.fsm.idle_minutes
    said = ("楼下邻居家也开始漏水了", "水已经流到楼道里了")
    for words in said:  # each a while after the last, together longer than the idle time
        clock.advance(minutes=idle - 5)
        before = len(await sim.bot_messages(ZHANG))
        await sim.send(ZHANG, words)
        answer = (await sim.wait_count(ZHANG, before + 1))[-1]
        assert "转给物业服务中心。可以继续发" in text_of(answer)  # relayed, not read afresh
    assert set(said) <= set(await notes_on(product, ticket))


def test_command_names_are_read_as_telegram_sends_them() -> None:
    assert command_name("/Tickets@linli_bot now") == "tickets"
    assert command_name("/start ABCD2345") == "start"
    assert command_name("/") == ""
    assert command_name("tickets") is None
