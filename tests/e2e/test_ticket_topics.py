"""Per-ticket forum topics in staff groups: the topic with the alert inside, /say and internal
notes in it, the resident's follow-ups relayed into it, and the topic closing and reopening
with the ticket — through the simulator, against the real product."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from handlers.tickets_staff.base import Act, RelayCb, TicketCb
from models import (
    MessageRef,
    OutboxMessage,
    OutboxStatus,
    Staff,
    StaffGroup,
    Ticket,
    TicketStatus,
)
from services import identities
from services import staff as staff_service
from services.demo import COMMUNITY
from services.tickets import lifecycle
from services.tickets.machine import Action
from services.tickets.media import MediaIn
from tests.e2e.conftest import Product
from tests.e2e.harness import Message, Sim, buttons, text_of
from tests.e2e.staff import (
    DISPATCHER,
    GROUP,
    PHOTOS,
    STEWARD,
    TECHNICIAN,
    ZHANG,
    alert_of,
    anonymous_noise_complaint,
    bind,
    file_ticket,
    press,
    repair,
    same_message,
    sent_to_resident,
    staff_messages,
    ticket_row,
)

FORUM = -1009990001  # a dispatch group with topics enabled
NOT_FORUM = -1009990002  # registered as a forum by mistake: a plain supergroup
STAFF = [DISPATCHER, STEWARD, TECHNICIAN]


# --- helpers ---------------------------------------------------------------------------------


async def staff_group(
    product: Product, chat_id: int = FORUM, *, forum: bool = True, registered: bool | None = True
) -> None:
    """A dispatch group of 金采小区 in the simulator (a forum or not) and in the database."""
    await product.sim.group(chat_id, "工单处理群", STAFF, forum=forum)
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        await staff_service.add_group(
            session,
            chat_id=str(chat_id),
            purpose="dispatch",
            now=product.runtime.clock.now(),
            community=COMMUNITY,
            forum=registered,
        )
        await session.commit()


async def topic_of(sim: Sim, ticket: Ticket, *, closed: bool = False) -> dict[str, Any]:
    """The ticket's topic in the forum, once it exists (and is closed or open as asked)."""
    found: list[dict[str, Any]] = []
    for _ in range(200):
        found = [t for t in await sim.topics(FORUM) if t["name"].startswith(ticket.number)]
        if found and found[0]["closed"] == closed:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {'closed' if closed else 'open'} topic for {ticket.number}: {found}")


async def alert_in(sim: Sim, ticket: Ticket, chat: int = FORUM) -> Message:
    """The ticket's alert (the message with its buttons) in a group."""
    return await sim.wait_for(
        chat,
        lambda m: ticket.number in text_of(m) and not m.get("media_group_id") and bool(buttons(m)),
        what=f"the alert of {ticket.number}",
    )


async def act_as(
    product: Product, telegram_id: int, ticket_id: int, action: Action, **extra: Any
) -> None:
    """One step of the ticket's life, taken by a resident or staff member through the service."""
    now = product.runtime.clock.now()
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        identity = await identities.touch(session, external_id=str(telegram_id), now=now)
        person = await identities.load_person(session, identity)
        await lifecycle.act(
            session,
            ticket_id=ticket_id,
            action=action,
            person=person,
            now=now,
            settings=product.settings.tickets,
            **extra,
        )
        await session.commit()


async def resident_writes(product: Product, ticket: Ticket, text: str = "", **extra: Any) -> None:
    """The resident adds a message (or photo) to the ticket, as /tickets lets them."""
    now = product.runtime.clock.now()
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        identity = await identities.touch(session, external_id=str(ZHANG), now=now)
        person = await identities.load_person(session, identity)
        await lifecycle.add_message(
            session,
            ticket_id=ticket.id,
            person=person,
            now=now,
            text=text,
            as_staff=False,
            **extra,
        )
        await session.commit()


def answering(message: dict[str, Any]) -> Any:
    return lambda m: m.get("reply_to_message_id") == message["message_id"]


# --- the topic -------------------------------------------------------------------------------


async def test_each_ticket_gets_a_topic_with_its_alert_inside(product: Product) -> None:
    sim = product.sim
    await bind(product)
    await staff_group(product)
    first = await file_ticket(product, repair(media=[MediaIn("photo", PHOTOS[0])]))
    second = await file_ticket(product, repair("阳台的地漏反水"))

    topic, other = await topic_of(sim, first), await topic_of(sim, second)
    assert topic["name"] == f"{first.number} · 🚰 水管/下水道"
    assert topic["message_thread_id"] != other["message_thread_id"]
    alert = await alert_in(sim, first)
    assert alert["message_thread_id"] == topic["message_thread_id"]
    photo = await sim.wait_for(FORUM, lambda m: bool(m.get("photo")), what="the photo")
    assert photo["message_thread_id"] == topic["message_thread_id"]
    assert photo["message_id"] < alert["message_id"]
    assert (await alert_in(sim, second))["message_thread_id"] == other["message_thread_id"]
    # A plain group is as before: the alert is in the chat itself.
    assert (await alert_of(sim, first)).get("message_thread_id") is None

    # The alert in the topic updates in place.
    await press(
        sim, DISPATCHER, FORUM, alert, TicketCb(action=Act.accept, ticket_id=first.id).pack()
    )
    accepted = await same_message(sim, FORUM, alert, lambda m: "刘调度" in text_of(m))
    assert accepted["message_thread_id"] == topic["message_thread_id"]
    await no_retries(product)


async def test_in_the_topic_say_reaches_the_resident_and_the_rest_stays_internal(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    await staff_group(product)
    ticket = await file_ticket(product, repair())
    thread = (await alert_in(sim, ticket))["message_thread_id"]

    said = await sim.send(
        DISPATCHER, "/say 师傅下午两点到", chat_id=FORUM, message_thread_id=thread
    )
    confirmed = await sim.wait_for(FORUM, answering(said), what="the /say confirmation")
    assert "📤" in text_of(confirmed) and confirmed["message_thread_id"] == thread
    await sim.wait_text(ZHANG, "师傅下午两点到")

    # Plain words in the topic stay internal; the bot offers to send them on, in the topic.
    note = await sim.send(
        DISPATCHER, "业主家里没人，下午再去", chat_id=FORUM, message_thread_id=thread
    )
    offer = await sim.wait_for(FORUM, answering(note), what="the send-or-keep offer")
    assert offer["message_thread_id"] == thread
    assert {d for _t, d in buttons(offer)} == {
        RelayCb(ticket_id=ticket.id, send=True).pack(),
        RelayCb(ticket_id=ticket.id, send=False).pack(),
    }
    # A reply to a colleague in the topic is about the ticket too; this one is sent on.
    answer = await sim.send(
        STEWARD, "阀门已经关好了", chat_id=FORUM, reply_to_message_id=note["message_id"]
    )
    offer = await sim.wait_for(FORUM, answering(answer), what="the second offer")
    await press(sim, STEWARD, FORUM, offer, RelayCb(ticket_id=ticket.id, send=True).pack())
    await same_message(sim, FORUM, offer, lambda m: "赵管家" in text_of(m) and not buttons(m))
    await sim.wait_text(ZHANG, "阀门已经关好了")

    assert await sent_to_resident(product) == ["师傅下午两点到", "阀门已经关好了"]
    assert not any("业主家里没人" in text_of(m) for m in await sim.bot_messages(ZHANG))
    assert await staff_messages(product, ticket.id) == [
        ("师傅下午两点到", False),
        ("业主家里没人，下午再去", True),
        ("阀门已经关好了", True),
        ("阀门已经关好了", False),
    ]


async def test_the_residents_follow_ups_land_in_the_topic(product: Product) -> None:
    sim = product.sim
    await bind(product)
    await staff_group(product)
    ticket = await file_ticket(product, repair())
    thread = (await alert_in(sim, ticket))["message_thread_id"]
    plain_alert = await alert_of(sim, ticket)

    await resident_writes(product, ticket, "我下午三点以后在家")
    relayed = await sim.wait_text(FORUM, "我下午三点以后在家", ticket.number)
    assert relayed["message_thread_id"] == thread
    # In the plain group it is still a reply to the alert.
    elsewhere = await sim.wait_text(GROUP, "我下午三点以后在家")
    assert elsewhere["reply_to_message_id"] == plain_alert["message_id"]

    await resident_writes(product, ticket, media=[MediaIn("photo", PHOTOS[1])])
    photo = await sim.wait_for(
        FORUM, lambda m: bool(m.get("photo")) and ticket.number in text_of(m), what="the photo"
    )
    assert photo["message_thread_id"] == thread
    # A voice note too (sent to the bot first, as a resident would record it).
    recorded = await sim.send(ZHANG, voice={"duration": 3})
    voice_id = recorded["message"]["voice"]["file_id"]
    await resident_writes(product, ticket, media=[MediaIn("voice", voice_id)])
    voice = await sim.wait_for(
        FORUM, lambda m: bool(m.get("voice")) and ticket.number in text_of(m), what="the voice"
    )
    assert voice["voice"]["file_id"] == voice_id and voice["message_thread_id"] == thread

    # Staff answer it right there.
    said = await sim.send(
        TECHNICIAN,
        "/say 好的，三点后上门",
        chat_id=FORUM,
        reply_to_message_id=relayed["message_id"],
    )
    await sim.wait_for(FORUM, answering(said), what="the /say confirmation")
    assert (await sent_to_resident(product))[-1] == "好的，三点后上门"


async def test_the_topic_closes_with_the_ticket_and_reopens_with_it(product: Product) -> None:
    sim = product.sim
    await bind(product)
    await staff_group(product)

    # Rejected from the topic itself: the reason is asked and given there.
    ticket = await file_ticket(product, repair("楼下邻居装修太吵"))
    alert = await alert_in(sim, ticket)
    thread = alert["message_thread_id"]
    await press(
        sim, DISPATCHER, FORUM, alert, TicketCb(action=Act.reject, ticket_id=ticket.id).pack()
    )
    prompt = await sim.wait_text(FORUM, "刘调度", ticket.number, "驳回")
    assert prompt["message_thread_id"] == thread
    await sim.send(DISPATCHER, "不属于物业维修范围", chat_id=FORUM, message_thread_id=thread)
    await same_message(
        sim, FORUM, alert, lambda m: "不属于物业维修范围" in text_of(m) and not buttons(m)
    )
    await topic_of(sim, ticket, closed=True)
    assert (await ticket_row(product, ticket.id)).status == TicketStatus.rejected
    assert await staff_messages(product, ticket.id) == []  # the reason was no note
    # Staff may still explain to the resident from the closed topic; the bot, an admin that
    # manages topics, confirms it there.
    late = await sim.send(
        DISPATCHER, "/say 可联系业委会协调", chat_id=FORUM, message_thread_id=thread
    )
    confirmed = await sim.wait_for(FORUM, answering(late), what="the /say confirmation")
    assert "📤" in text_of(confirmed) and confirmed["message_thread_id"] == thread
    await sim.wait_text(ZHANG, "可联系业委会协调")

    # Done, rated (closed), then reopened by the resident: the topic follows.
    ticket = await file_ticket(product, repair("卫生间水龙头关不紧"))
    await topic_of(sim, ticket)
    async with product.db.sessions() as session:
        sun = await session.scalar(select(Staff.id).where(Staff.external_id == str(TECHNICIAN)))
    await act_as(product, DISPATCHER, ticket.id, Action.assign, assignee_id=sun)
    await act_as(product, TECHNICIAN, ticket.id, Action.start)
    await act_as(product, TECHNICIAN, ticket.id, Action.finish)
    assert not (await topic_of(sim, ticket))["closed"]  # done: the resident may still answer
    await act_as(product, ZHANG, ticket.id, Action.rate, rating=5)
    await topic_of(sim, ticket, closed=True)
    await act_as(product, ZHANG, ticket.id, Action.reopen)
    topic = await topic_of(sim, ticket)
    await resident_writes(product, ticket, "又开始滴水了")
    relayed = await sim.wait_text(FORUM, "又开始滴水了")
    assert relayed["message_thread_id"] == topic["message_thread_id"]
    await no_retries(product)


async def test_an_anonymous_complaints_topic_names_neither_the_resident_nor_the_room(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    await staff_group(product)
    ticket = await file_ticket(product, anonymous_noise_complaint())
    topic = await topic_of(sim, ticket)
    alert = await alert_in(sim, ticket)
    assert topic["name"] == f"{ticket.number} · 🔊 噪音扰民"
    assert alert["message_thread_id"] == topic["message_thread_id"] and "匿名" in text_of(alert)
    for hidden in ("101", "1单元", "居民10001", "张阿姨"):
        assert hidden not in topic["name"] and hidden not in text_of(alert)
    # The resident cancels it: the topic closes.
    await act_as(product, ZHANG, ticket.id, Action.cancel)
    await topic_of(sim, ticket, closed=True)


# --- which groups are forums -----------------------------------------------------------------


async def test_the_forum_flag_is_learned_and_a_group_that_is_none_still_gets_its_alerts(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    # Registered without --forum; its first message shows it is a forum.
    await staff_group(product, registered=None)
    await sim.send(DISPATCHER, "大家好", chat_id=FORUM)
    for _ in range(200):
        async with product.db.sessions() as session:
            learned = await session.scalar(
                select(StaffGroup.is_forum).where(StaffGroup.chat_id == str(FORUM))
            )
        if learned:
            break
        await asyncio.sleep(0.05)
    assert learned, "the forum flag was never learned"
    ticket = await file_ticket(product, repair())
    assert (await alert_in(sim, ticket))["message_thread_id"] == (await topic_of(sim, ticket))[
        "message_thread_id"
    ]

    # Registered as a forum, but it is not one: its alerts and follow-ups come all the same.
    await staff_group(product, NOT_FORUM, forum=False, registered=True)
    ticket = await file_ticket(product, repair("阳台的地漏反水"))
    alert = await alert_in(sim, ticket, NOT_FORUM)
    assert alert.get("message_thread_id") is None
    await resident_writes(product, ticket, "我下午三点以后在家")
    await sim.wait_text(NOT_FORUM, "我下午三点以后在家")
    async with product.db.sessions() as session:
        none = await session.scalar(
            select(MessageRef.message_id).where(
                MessageRef.chat_id == str(NOT_FORUM), MessageRef.key.like("%:topic:%")
            )
        )
    assert none == 0  # remembered as "no topic", so nothing waits for one
    await no_retries(product)


async def no_retries(product: Product) -> None:
    """Nothing went to the dead letters or had to be retried (a topic was always there in time)."""
    async with product.db.sessions() as session:
        troubled = await session.execute(
            select(OutboxMessage.notice, OutboxMessage.status, OutboxMessage.last_error).where(
                (OutboxMessage.attempts > 0) | (OutboxMessage.status == OutboxStatus.dead)
            )
        )
        assert list(troubled) == []
