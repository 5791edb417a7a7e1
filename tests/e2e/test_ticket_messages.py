"""Staff and residents writing to each other about a ticket: replies under a group alert
(internal notes, /say), and from the assignee's private chat."""

from __future__ import annotations

from sqlalchemy import select

from handlers.tickets.pages import TicketAction
from handlers.tickets.pages import TicketCb as ResidentTicketCb
from handlers.tickets_staff.base import Act, RelayCb, TicketCb, View, WriteCb
from models import AuditEntry, OutboxMessage
from services import identities
from services.tickets.lifecycle import add_message
from tests.e2e.conftest import Product
from tests.e2e.harness import buttons, has_button, settled, text_of
from tests.e2e.staff import (
    DISPATCHER,
    GROUP,
    OUTSIDER_TECH,
    STEWARD,
    TECHNICIAN,
    ZHANG,
    add_outsider_tech,
    alert_of,
    bind,
    file_ticket,
    press,
    remembered,
    repair,
    same_message,
    sent_to_resident,
    staff_messages,
)


async def test_staff_replies_stay_internal_unless_said(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    await remembered(product, GROUP, alert)

    said = await sim.send(
        DISPATCHER, "/say 师傅下午两点到", chat_id=GROUP, reply_to_message_id=alert["message_id"]
    )
    confirmed = await sim.wait_text(GROUP, "📤", ticket.number, "刘调度")
    assert confirmed["reply_to_message_id"] == said["message_id"]
    assert await sent_to_resident(product) == ["师傅下午两点到"]

    await sim.send(
        DISPATCHER,
        "业主家里没人，下午再去",
        chat_id=GROUP,
        reply_to_message_id=alert["message_id"],
    )
    keep = RelayCb(ticket_id=ticket.id, send=False).pack()
    offer = await sim.wait_for(GROUP, has_button(keep), what="the send-or-keep offer")
    await press(sim, DISPATCHER, GROUP, offer, keep)
    await same_message(sim, GROUP, offer, lambda m: not buttons(m))

    await sim.send(
        STEWARD, "阀门已经关好了", chat_id=GROUP, reply_to_message_id=alert["message_id"]
    )
    send = RelayCb(ticket_id=ticket.id, send=True).pack()
    offer = await sim.wait_for(
        GROUP, lambda m: has_button(send)(m) and m["message_id"] != offer["message_id"]
    )
    await press(sim, STEWARD, GROUP, offer, send)
    await same_message(sim, GROUP, offer, lambda m: "赵管家" in text_of(m) and not buttons(m))

    assert await sent_to_resident(product) == ["师傅下午两点到", "阀门已经关好了"]
    assert await staff_messages(product, ticket.id) == [
        ("师傅下午两点到", False),
        ("业主家里没人，下午再去", True),
        ("阀门已经关好了", True),
        ("阀门已经关好了", False),
    ]

    # A photo with a /say caption goes to the resident with the photo.
    shown = await sim.send(
        TECHNICIAN,
        chat_id=GROUP,
        photo={},
        caption="/say 这是换下来的旧阀门",
        reply_to_message_id=alert["message_id"],
    )
    await sim.wait_for(GROUP, lambda m: m.get("reply_to_message_id") == shown["message_id"])
    async with product.db.sessions() as session:
        row = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.notice == "ticket.staff_message")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    assert row is not None and row.data["text"] == "这是换下来的旧阀门"
    assert [m["kind"] for m in row.data["media"]] == ["photo"]

    # The resident writes again; a /say reply under their message reaches them too.
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        identity = await identities.touch(
            session, external_id=str(ZHANG), now=product.runtime.clock.now()
        )
        person = await identities.load_person(session, identity)
        await add_message(
            session,
            ticket_id=ticket.id,
            person=person,
            now=product.runtime.clock.now(),
            text="我下午三点以后在家",
            as_staff=False,
        )
        await session.commit()
    relayed = await sim.wait_text(GROUP, "我下午三点以后在家", ticket.number)
    assert relayed["reply_to_message_id"] == alert["message_id"]
    await remembered(product, GROUP, relayed)
    said = await sim.send(
        DISPATCHER,
        "/say 好的，三点后上门",
        chat_id=GROUP,
        reply_to_message_id=relayed["message_id"],
    )
    await sim.wait_for(
        GROUP,
        lambda m: m.get("reply_to_message_id") == said["message_id"] and "📤" in text_of(m),
        what="the confirmation under the second /say",
    )
    assert (await sent_to_resident(product))[-1] == "好的，三点后上门"


# --- from the assignee's private chat --------------------------------------------------------


async def test_the_assignee_and_the_resident_write_to_each_other_privately(
    product: Product,
) -> None:
    """A technician with no phone number to call arranges the visit from his private chat;
    the resident's answer reaches him there too, not only the group he may not be in."""
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    await press(
        sim, TECHNICIAN, GROUP, alert, TicketCb(action=Act.grab, ticket_id=ticket.id).pack()
    )
    write = TicketCb(action=Act.message, ticket_id=ticket.id, view=View.card).pack()
    card = await sim.wait_for(TECHNICIAN, has_button(write), what="the job card")

    # Asked, then withdrawn: nothing goes out.
    await press(sim, TECHNICIAN, TECHNICIAN, card, write)
    prompt = await sim.wait_text(TECHNICIAN, "要对住户说什么", ticket.number)
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, WriteCb(ticket_id=ticket.id).pack())
    await same_message(sim, TECHNICIAN, prompt, lambda m: "没有发送" in text_of(m))

    await press(sim, TECHNICIAN, TECHNICIAN, card, write)
    prompt = await sim.wait_for(
        TECHNICIAN, lambda m: "要对住户说什么" in text_of(m) and bool(buttons(m))
    )
    await sim.send(TECHNICIAN, "我明天上午9点上门，请留人在家")
    await same_message(
        sim, TECHNICIAN, prompt, lambda m: "已发给" in text_of(m) and not buttons(m)
    )
    said = await sim.wait_text(ZHANG, "孙师傅", "我明天上午9点上门")
    assert ticket.number in text_of(said)

    # The resident answers with the button under it: the technician gets it, with a button.
    reply = ResidentTicketCb(action=TicketAction.message, ticket_id=ticket.id).pack()
    await press(sim, ZHANG, ZHANG, said, reply)
    await sim.wait_text(ZHANG, "请输入关于")
    await sim.send(ZHANG, "好的，我在家等")
    answer = await sim.wait_text(TECHNICIAN, "好的，我在家等")
    assert ticket.number in text_of(answer) and has_button(write)(answer)
    await sim.wait_text(GROUP, "好的，我在家等")  # the desk still sees it under the alert

    # A Telegram reply does the same, either way, without a button.
    await remembered(product, TECHNICIAN, answer)
    await sim.send(TECHNICIAN, "好，九点见", reply_to_message_id=answer["message_id"])
    await sim.wait_text(TECHNICIAN, "已发给", ticket.number)
    said = await sim.wait_text(ZHANG, "孙师傅", "好，九点见")
    await remembered(product, ZHANG, said)
    await sim.send(ZHANG, "麻烦带个新的水龙头", reply_to_message_id=said["message_id"])
    await sim.wait_text(ZHANG, "转给物业服务中心", ticket.number)
    await sim.wait_text(TECHNICIAN, "麻烦带个新的水龙头")
    assert [note for note, _internal in await staff_messages(product, ticket.id)][-2:] == [
        "好，九点见",
        "麻烦带个新的水龙头",
    ]


async def test_only_staff_of_the_ticket_s_area_may_write_from_private_chat(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    await alert_of(sim, ticket)
    await add_outsider_tech(product)
    write = TicketCb(action=Act.message, ticket_id=ticket.id, view=View.card).pack()
    for forger in (ZHANG, OUTSIDER_TECH):  # a resident, and a technician of 5栋 only
        await sim.send(forger, "/help")
        helped = await sim.wait_text(forger, "/queue" if forger == OUTSIDER_TECH else "报修")
        answer = await press(sim, forger, forger, helped, write)  # forged under /help's answer
        assert answer["show_alert"] and answer["text"], answer
    for forger in (ZHANG, OUTSIDER_TECH):
        assert not any("要对住户说什么" in text_of(m) for m in await sim.bot_messages(forger))

    async def refusals() -> int:
        async with product.db.sessions() as session:
            return len(
                list(
                    await session.scalars(
                        select(AuditEntry.id).where(
                            AuditEntry.action == "ticket.message",
                            AuditEntry.outcome == "refused",
                        )
                    )
                )
            )

    assert await settled(refusals, 2) == 2
