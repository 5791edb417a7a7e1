"""A resident's words about an open ticket reach its staff: a Telegram reply to anything the
office told them about it, or words typed on their own while the home has a ticket open."""

from __future__ import annotations

from handlers.tickets.followups import FollowCb
from handlers.tickets.offers import OfferAction, OfferCb
from models import Ticket, TicketMedia
from tests.e2e.conftest import Product
from tests.e2e.harness import Message, Sim, buttons, settled, text_of
from tests.e2e.residents import count
from tests.e2e.staff import (
    GROUP,
    ZHANG,
    anonymous_noise_complaint,
    bind,
    file_ticket,
    press,
    remembered,
    repair,
    same_message,
    staff_messages,
)


async def test_a_reply_to_the_receipt_reaches_the_ticket_s_staff(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    receipt = await sim.wait_text(ZHANG, "您的报修已收到", ticket.number)
    await remembered(product, ZHANG, receipt)

    await sim.send(ZHANG, "师傅几点能来？", reply_to_message_id=receipt["message_id"])
    await sim.wait_text(ZHANG, "转给物业服务中心", ticket.number)
    relayed = await sim.wait_text(GROUP, "师傅几点能来？")
    assert ticket.number in text_of(relayed) and "🔴" not in text_of(relayed)
    assert await staff_messages(product, ticket.id) == [("师傅几点能来？", False)]

    # Words that sound like danger on a ticket filed as ordinary are flagged to staff.
    await sim.send(ZHANG, "现在水漫出来了，地上全是水", reply_to_message_id=receipt["message_id"])
    relayed = await sim.wait_text(GROUP, "地上全是水")
    assert "🔴 住户的话听起来很紧急" in text_of(relayed)


async def test_words_typed_while_a_ticket_is_open_are_offered_to_it(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    await sim.wait_text(ZHANG, "您的报修已收到")

    # Words no feature takes: offered to the open ticket, not "not understood".
    await sim.send(ZHANG, "师傅几点能来？")
    asked = await sim.wait_text(ZHANG, "还在处理中", ticket.number, "转给负责的工作人员")
    assert not any("没看明白" in text_of(m) for m in await sim.bot_messages(ZHANG))
    yes = buttons(asked)[0][1]
    await press(sim, ZHANG, ZHANG, asked, yes)
    await same_message(sim, ZHANG, asked, lambda m: "✓ 转给" in text_of(m) and not buttons(m))
    await sim.wait_text(ZHANG, "转给物业服务中心", ticket.number)
    await sim.wait_text(GROUP, "师傅几点能来？")

    # A used button does not pass the words on twice.
    answer = await press(sim, ZHANG, ZHANG, asked, yes)
    assert "已失效" in answer["text"]

    # Small talk is still answered in kind; a typed "no" forgets the words.
    await sim.send(ZHANG, "谢谢")
    await sim.wait_for(ZHANG, lambda m: "不客气" in text_of(m), what="thanks answered")
    await sim.send(ZHANG, "下午家里没人")
    asked = await next_offer(sim, asked)
    await sim.send(ZHANG, "不用了")
    await sim.wait_text(ZHANG, "没有转出去")
    await same_message(sim, ZHANG, asked, lambda m: "✓ 不用了" in text_of(m) and not buttons(m))

    # A typed "yes" passes them on.
    await sim.send(ZHANG, "明天上午家里有人")
    await next_offer(sim, asked)
    await sim.send(ZHANG, "好的")
    await sim.wait_text(GROUP, "明天上午家里有人")
    assert await staff_messages(product, ticket.id) == [
        ("师傅几点能来？", False),
        ("明天上午家里有人", False),
    ]


async def test_with_several_tickets_open_the_resident_picks_one(product: Product) -> None:
    sim = product.sim
    await bind(product)
    leak = await file_ticket(product, repair())
    noise = await file_ticket(product, anonymous_noise_complaint())
    await sim.wait_text(ZHANG, noise.number)

    await sim.send(ZHANG, "请问什么时候有结果？")
    asked = await sim.wait_text(ZHANG, "这句话是关于哪一张的")
    labels = [label for label, _data in buttons(asked)]
    assert labels[:2] == [f"💬 {noise.number} 🔊 噪音扰民", f"💬 {leak.number} 🚰 水管/下水道"]

    # "好的" does not say which: it is not taken as a choice, the buttons are pointed to.
    await sim.send(ZHANG, "好的")
    await sim.wait_text(ZHANG, "请点上面的按钮，选一下这句话是关于哪一张工单的")
    chosen = FollowCb(ticket_id=noise.id, asked=_asked(asked)).pack()
    await press(sim, ZHANG, ZHANG, asked, chosen)
    await sim.wait_text(ZHANG, "转给物业服务中心", noise.number)
    await settled(lambda: staff_messages(product, noise.id), [("请问什么时候有结果？", False)])
    assert await staff_messages(product, leak.id) == []


async def test_forged_and_stale_choices_pass_nothing_on(product: Product) -> None:
    sim = product.sim
    await bind(product)
    await bind(product, telegram_id=10002, room="102")
    ticket = await file_ticket(product, repair())
    theirs = await file_ticket(product, repair("卫生间漏水"), telegram_id=10002)

    await sim.send(ZHANG, "师傅几点能来？")
    first = await sim.wait_text(ZHANG, "还在处理中", "转给负责的工作人员")
    # Another home's ticket, forged into the button: refused, nothing relayed.
    forged = FollowCb(ticket_id=theirs.id, asked=_asked(first)).pack()
    answer = await press(sim, ZHANG, ZHANG, first, forged)
    assert "已失效" in answer["text"]

    # Newer words replace the older: the older question's button no longer sends anything.
    await sim.send(ZHANG, "我下午三点以后在家")
    await next_offer(sim, first)
    answer = await press(sim, ZHANG, ZHANG, first, buttons(first)[0][1])
    assert "已失效" in answer["text"]
    assert await staff_messages(product, ticket.id) == []
    assert await staff_messages(product, theirs.id) == []


async def next_offer(sim: Sim, after: Message) -> Message:
    """The offer (with its buttons) that follows `after`."""
    return await sim.wait_for(
        ZHANG,
        lambda m: (
            "还在处理中" in text_of(m)
            and bool(buttons(m))
            and m["message_id"] > after["message_id"]
        ),
        what="the next offer",
    )


def _asked(message: Message) -> int:
    """The time stamp the offer's buttons carry."""
    return FollowCb.unpack(buttons(message)[0][1]).asked


async def test_the_same_problem_typed_again_is_added_to_its_open_ticket(product: Product) -> None:
    """ "还是漏水" after a plumbing report: one ticket for the office, the words on it."""
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    await sim.wait_text(ZHANG, "您的报修已收到")

    await sim.send(ZHANG, "厨房水管还是漏水")
    offer = await sim.wait_text(ZHANG, "水管/下水道报修", ticket.number, "是同一件事吗")
    add, new, no = (data for _label, data in buttons(offer))
    assert (add, new, no) == tuple(
        OfferCb(action=a).pack() for a in (OfferAction.add, OfferAction.repair, OfferAction.no)
    )
    await sim.send(ZHANG, "好的")  # which: the same, or new? the buttons say
    await sim.wait_text(ZHANG, "请点上面的按钮选择", ticket.number)
    await press(sim, ZHANG, ZHANG, offer, add)
    await same_message(sim, ZHANG, offer, lambda m: f"✓ 已补充到 {ticket.number}" in text_of(m))
    await sim.wait_text(ZHANG, "转给物业服务中心", ticket.number)
    await sim.wait_text(GROUP, "厨房水管还是漏水")
    assert await staff_messages(product, ticket.id) == [("厨房水管还是漏水", False)]
    assert await count(product, Ticket) == 1

    # Another kind of problem is offered as a report of its own, with no ticket to add to.
    await sim.send(ZHANG, "楼上天天半夜装修，吵死了")
    offer = await sim.wait_text(ZHANG, "噪音投诉", "要帮您报给物业服务中心吗")
    assert add not in [data for _label, data in buttons(offer)]
    answer = await press(sim, ZHANG, ZHANG, offer, add)  # forged onto it
    assert "已失效" in answer["text"]

    # "A new problem" starts the form as usual.
    await sim.send(ZHANG, "卫生间的水管也漏了")
    offer = await sim.wait_for(
        ZHANG, lambda m: "是同一件事吗" in text_of(m) and bool(buttons(m)), what="the next offer"
    )
    await press(sim, ZHANG, ZHANG, offer, new)
    await sim.wait_text(ZHANG, "照片能帮工作人员看清问题")
    assert await staff_messages(product, ticket.id) == [("厨房水管还是漏水", False)]


async def test_a_photo_sent_while_a_ticket_is_open_can_be_added_to_it(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    await sim.wait_text(ZHANG, "您的报修已收到")

    await sim.send(ZHANG, photo={})
    offer = await sim.wait_text(ZHANG, "这张照片是关于您家还在处理中的", ticket.number)
    add = OfferCb(action=OfferAction.add).pack()
    assert buttons(offer)[0][1] == add  # first, then a new report
    await press(sim, ZHANG, ZHANG, offer, add)
    await same_message(sim, ZHANG, offer, lambda m: f"✓ 已补充到 {ticket.number}" in text_of(m))
    await sim.wait_text(ZHANG, "转给物业服务中心", ticket.number)
    await settled(lambda: count(product, TicketMedia, TicketMedia.ticket_id == ticket.id), 1)
    assert await count(product, Ticket) == 1
