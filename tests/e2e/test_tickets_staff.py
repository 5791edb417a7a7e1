"""Tickets as staff handle them: group alerts, assigning, the technician's work, refusals,
replies under an alert, and /queue — through the simulator, against the real product."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from core.phone import mask_phone
from handlers.tickets.pages import TicketAction
from handlers.tickets.pages import TicketCb as ResidentTicketCb
from handlers.tickets_staff.base import (
    Act,
    AssignCb,
    FinishCb,
    FinishStep,
    QueueCb,
    QueueStep,
    RelayCb,
    TicketCb,
    View,
)
from models import (
    AuditEntry,
    Building,
    Household,
    MessageRef,
    OutboxMessage,
    StaffRole,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketMedia,
    TicketStatus,
    Urgency,
)
from services import identities
from services import staff as staff_service
from services.demo import COMMUNITY, DISPATCH_GROUP_ID
from services.tickets.filing import TicketDraft, create
from services.tickets.lifecycle import add_message
from services.tickets.media import MediaIn
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    Message,
    Sim,
    buttons,
    has_button,
    settled,
    text_of,
    tomorrow_morning,
)
from tests.services.factories import resident

GROUP = int(DISPATCH_GROUP_ID)
ZHANG = 10001  # 张阿姨, owner of 1栋 1单元 101
DISPATCHER, STEWARD, TECHNICIAN = 900002, 900003, 900004
OUTSIDER_TECH = 900005  # a technician who looks after 5栋 only
PHOTOS = ["https://photos.example/drain-1.jpg", "https://photos.example/drain-2.jpg"]


# --- helpers ---------------------------------------------------------------------------------


async def bind(product: Product, telegram_id: int = ZHANG, room: str = "101") -> None:
    """A resident of 1栋 1单元 <room>, bound in the database."""
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        await resident(
            session,
            telegram_id=telegram_id,
            building="1栋",
            unit="1单元",
            room=room,
            now=product.runtime.clock.now(),
        )
        await session.commit()


async def owner_phone(product: Product) -> str:
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        phone = await session.scalar(
            select(Household.owner_phone)
            .join(Building)
            .where(Building.name == "1栋", Household.unit == "1单元", Household.room == "101")
        )
    assert phone
    return phone


async def file_ticket(
    product: Product,
    draft: TicketDraft,
    *,
    telegram_id: int = ZHANG,
    at: datetime | None = None,
) -> Ticket:
    """A ticket filed through the service, as the resident's chat form would."""
    now = at or product.runtime.clock.now()
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        identity = await identities.touch(session, external_id=str(telegram_id), now=now)
        person = await identities.load_person(session, identity)
        ticket = await create(
            session, person=person, draft=draft, now=now, settings=product.settings.tickets
        )
        await session.commit()
        return ticket


def repair(description: str = "厨房下水道堵了，水漫出来", **extra: Any) -> TicketDraft:
    return TicketDraft(
        kind=TicketKind.repair, category="plumbing", description=description, **extra
    )


def anonymous_noise_complaint() -> TicketDraft:
    return TicketDraft(
        kind=TicketKind.complaint,
        category="noise",
        description="半夜总有人在楼道里大声喧哗",
        anonymous=True,
    )


async def ticket_row(product: Product, ticket_id: int) -> Ticket:
    async with product.db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def resident_notices(product: Product, telegram_id: int = ZHANG) -> list[str]:
    """The notices queued for the resident, oldest first."""
    async with product.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.notice)
            .where(OutboxMessage.chat_id == str(telegram_id))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def refused(product: Product, action: str, subject_id: int) -> int:
    async with product.db.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == action,
                AuditEntry.subject_id == subject_id,
                AuditEntry.outcome == "refused",
            )
        )
        return int(count or 0)


async def press(sim: Sim, user: int, chat: int, message: Message | None, data: str) -> dict:
    """Press (or forge) a button; returns how the bot answered the press."""
    message_id = message["message_id"] if message else None
    pressed = await sim.press(user, chat, message_id, data)  # type: ignore[arg-type]
    answer = await sim.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["answered"], f"press of {data!r} was not answered"
    return answer


async def alert_of(sim: Sim, ticket: Ticket) -> Message:
    """The ticket's alert in the dispatcher group (the message with its buttons)."""
    return await sim.wait_for(
        GROUP,
        lambda m: ticket.number in text_of(m) and not m.get("media_group_id") and bool(buttons(m)),
        what=f"the alert of {ticket.number}",
    )


async def remembered(product: Product, chat: int, message: Message) -> None:
    """Wait until the bot has recorded the message it sent (a reply to it can then be placed)."""
    for _ in range(200):
        async with product.db.sessions() as session:
            found = await session.scalar(
                select(MessageRef.key).where(
                    MessageRef.chat_id == str(chat),
                    MessageRef.message_id == message["message_id"],
                )
            )
        if found:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message['message_id']} was never remembered")


async def same_message(sim: Sim, chat: int, message: Message, predicate: Any) -> Message:
    """The given message once it has been edited to satisfy `predicate`."""
    return await sim.wait_for(
        chat,
        lambda m: m["message_id"] == message["message_id"] and predicate(m),
        what=f"message {message['message_id']} edited",
    )


# --- the happy path --------------------------------------------------------------------------


async def test_dispatcher_assigns_and_the_technician_does_the_work(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(
        product,
        repair(
            media=[MediaIn("photo", PHOTOS[0])],
            visit_window=tomorrow_morning(product.runtime.clock.now()),
        ),
    )

    alert = await alert_of(sim, ticket)
    photo = await sim.wait_for(GROUP, lambda m: bool(m.get("photo")), what="the photo")
    assert ticket.number in text_of(photo) and photo["message_id"] < alert["message_id"]
    text = text_of(alert)
    for shown in ("1栋 1单元 101", "居民10001", "厨房下水道堵了", "📷 1", "🕒"):
        assert shown in text, f"{shown!r} not in {text!r}"
    # The owner's roster phone, to call them back: masked for the whole group to see.
    phone = await owner_phone(product)
    assert f"📞 {mask_phone(phone)}" in text and phone[-8:] not in text, text
    group_buttons = [d for _t, d in buttons(alert)]
    for act in (Act.accept, Act.assign, Act.grab, Act.reject):
        assert TicketCb(action=act, ticket_id=ticket.id).pack() in group_buttons

    # The dispatcher opens the picker and picks 孙师傅.
    answer = await press(
        sim, DISPATCHER, GROUP, alert, TicketCb(action=Act.assign, ticket_id=ticket.id).pack()
    )
    assert not answer.get("show_alert")
    picker = await same_message(
        sim, GROUP, alert, lambda m: any("孙师傅" in t for t, _d in buttons(m))
    )
    assert any("赵管家" in t for t, _d in buttons(picker))  # the steward of 1栋 may take it too
    sun = next(d for t, d in buttons(picker) if "孙师傅" in t)
    assert AssignCb.unpack(sun).ticket_id == ticket.id
    await press(sim, DISPATCHER, GROUP, picker, sun)
    await same_message(
        sim, GROUP, alert, lambda m: "孙师傅" in text_of(m) and "刘调度" in text_of(m)
    )

    # 孙师傅 gets the job in private chat: Start, then Done with a photo of the work.
    start = TicketCb(action=Act.start, ticket_id=ticket.id, view=View.card).pack()
    card = await sim.wait_for(TECHNICIAN, has_button(start), what="the job card")
    assert ticket.number in text_of(card) and "1栋 1单元 101" in text_of(card)
    assert f"📞 {phone}" in text_of(card)  # whole, for the one who goes there
    await press(sim, TECHNICIAN, TECHNICIAN, card, start)
    finish = TicketCb(action=Act.finish, ticket_id=ticket.id, view=View.card).pack()
    card = await same_message(sim, TECHNICIAN, card, has_button(finish))
    await same_message(sim, GROUP, alert, lambda m: "维修中" in text_of(m))

    await press(sim, TECHNICIAN, TECHNICIAN, card, finish)
    done = FinishCb(step=FinishStep.done, ticket_id=ticket.id).pack()
    prompt = await sim.wait_for(TECHNICIAN, has_button(done), what="the photo question")
    await sim.send(TECHNICIAN, photo={})
    prompt = await same_message(sim, TECHNICIAN, prompt, lambda m: "📷" in text_of(m))
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, done)
    closed = await same_message(sim, TECHNICIAN, prompt, lambda m: not buttons(m))
    assert f"{ticket.number} 已完工，照片 1 张" in text_of(closed)

    finished = await same_message(
        sim, GROUP, alert, lambda m: "已完工" in text_of(m) and "孙师傅" in text_of(m)
    )
    assert buttons(finished) == []  # nothing left for staff to press
    row = await ticket_row(product, ticket.id)
    assert row.status == TicketStatus.done
    async with product.db.sessions() as session:
        work_photos = await session.scalar(
            select(func.count())
            .select_from(TicketMedia)
            .where(TicketMedia.ticket_id == ticket.id, TicketMedia.by == "staff")
        )
    assert work_photos == 1
    told = await resident_notices(product)
    for notice in (
        "ticket.created",
        "ticket.assigned_to_someone",
        "ticket.started",
        "ticket.done",
    ):
        assert notice in told, f"the resident was not told {notice}: {told}"


async def test_work_marked_done_without_photos_says_so(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    picker = TicketCb(action=Act.assign, ticket_id=ticket.id).pack()
    await press(sim, DISPATCHER, GROUP, alert, picker)
    alert = await same_message(
        sim, GROUP, alert, lambda m: any("孙师傅" in t for t, _d in buttons(m))
    )
    await press(sim, DISPATCHER, GROUP, alert, next(d for t, d in buttons(alert) if "孙师傅" in t))
    start = TicketCb(action=Act.start, ticket_id=ticket.id, view=View.card).pack()
    card = await sim.wait_for(TECHNICIAN, has_button(start), what="the job card")
    await press(sim, TECHNICIAN, TECHNICIAN, card, start)
    finish = TicketCb(action=Act.finish, ticket_id=ticket.id, view=View.card).pack()
    card = await same_message(sim, TECHNICIAN, card, has_button(finish))
    await press(sim, TECHNICIAN, TECHNICIAN, card, finish)
    skip = FinishCb(step=FinishStep.skip, ticket_id=ticket.id).pack()
    prompt = await sim.wait_for(TECHNICIAN, has_button(skip), what="the photo question")
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, skip)
    closed = await same_message(sim, TECHNICIAN, prompt, lambda m: not buttons(m))
    assert text_of(closed) == f"✅ {ticket.number} 已完工（没有拍照）。"
    assert (await ticket_row(product, ticket.id)).status == TicketStatus.done


async def test_the_technician_says_what_was_done_and_the_resident_is_told(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    grab = TicketCb(action=Act.grab, ticket_id=ticket.id).pack()
    await press(sim, TECHNICIAN, GROUP, alert, grab)
    start = TicketCb(action=Act.start, ticket_id=ticket.id, view=View.card).pack()
    card = await sim.wait_for(TECHNICIAN, has_button(start), what="the job card")
    await press(sim, TECHNICIAN, TECHNICIAN, card, start)
    finish = TicketCb(action=Act.finish, ticket_id=ticket.id, view=View.card).pack()
    card = await same_message(sim, TECHNICIAN, card, has_button(finish))
    await press(sim, TECHNICIAN, TECHNICIAN, card, finish)
    skip = FinishCb(step=FinishStep.skip, ticket_id=ticket.id).pack()
    await sim.wait_text(TECHNICIAN, "写几句做了什么")

    # Words instead of photos: taken as what was done, several messages adding up.
    await sim.send(TECHNICIAN, "疏通了下水管")
    await sim.wait_text(TECHNICIAN, "处理情况：疏通了下水管")
    await sim.send(TECHNICIAN, "x" * 500)  # too long: refused, what was said is kept
    await sim.wait_text(TECHNICIAN, "内容太长了", "500")
    await sim.send(TECHNICIAN, "换了一段老化的管子")
    prompt = await sim.wait_text(TECHNICIAN, "处理情况：疏通了下水管\n换了一段老化的管子")
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, skip)
    closed = await same_message(sim, TECHNICIAN, prompt, lambda m: not buttons(m))
    assert "已完工（没有拍照）" in text_of(closed) and "换了一段老化的管子" in text_of(closed)

    done = await sim.wait_text(ZHANG, "已处理完成")
    assert "📝 处理情况：疏通了下水管\n换了一段老化的管子" in text_of(done)
    finished = await same_message(sim, GROUP, alert, lambda m: "已完工" in text_of(m))
    assert "处理情况：疏通了下水管" in text_of(finished)
    row = await ticket_row(product, ticket.id)
    assert (row.status, row.work_note) == (TicketStatus.done, "疏通了下水管\n换了一段老化的管子")

    stars = ResidentTicketCb(action=TicketAction.rate_done, ticket_id=ticket.id, stars=5).pack()
    await press(sim, ZHANG, ZHANG, done, stars)  # the stars replace the buttons, words stay
    rated = await same_message(sim, ZHANG, done, lambda m: not buttons(m))
    assert "处理情况：疏通了下水管" in text_of(rated) and "⭐" in text_of(rated)


async def test_several_photos_arrive_as_one_album_before_the_alert(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair(media=[MediaIn("photo", p) for p in PHOTOS]))
    alert = await alert_of(sim, ticket)
    album = [m for m in await sim.bot_messages(GROUP) if m.get("media_group_id")]
    assert len(album) == 2 and ticket.number in text_of(album[0])
    assert album[0]["message_id"] < alert["message_id"]
    assert "📷 2" in text_of(alert)


# --- refusals --------------------------------------------------------------------------------


async def test_refusals_are_answered_audited_and_change_nothing(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        await staff_service.add_staff(
            session,
            external_id=str(OUTSIDER_TECH),
            name="钱师傅",
            role=StaffRole.technician,
            now=product.runtime.clock.now(),
            community=COMMUNITY,
            buildings=["5栋"],
        )
        await session.commit()
    await sim.user(OUTSIDER_TECH, "钱师傅")

    # A resident forges the group's Accept button in their own chat.
    accept = TicketCb(action=Act.accept, ticket_id=ticket.id).pack()
    answer = await press(sim, ZHANG, ZHANG, None, accept)
    assert answer["show_alert"] and answer["text"]
    # ... or the picker, which would show the staff's names.
    answer = await press(
        sim, ZHANG, ZHANG, None, TicketCb(action=Act.assign, ticket_id=ticket.id).pack()
    )
    assert answer["show_alert"]
    # A technician of 5栋 tries to grab a 1栋 job, and to accept it (not their role anyway).
    grab = TicketCb(action=Act.grab, ticket_id=ticket.id).pack()
    answer = await press(sim, OUTSIDER_TECH, GROUP, alert, grab)
    assert answer["show_alert"] and answer["text"]
    await press(sim, OUTSIDER_TECH, GROUP, alert, accept)
    # A forged button for a ticket that does not exist.
    ghost = TicketCb(action=Act.accept, ticket_id=987654).pack()
    answer = await press(sim, DISPATCHER, GROUP, alert, ghost)
    assert answer["show_alert"] and answer["text"]

    assert (await ticket_row(product, ticket.id)).status == TicketStatus.new
    assert (await ticket_row(product, ticket.id)).assignee_id is None
    assert (
        await settled(lambda: refused(product, "ticket.accept", ticket.id), 2) == 2
    )  # the resident, 钱师傅
    assert await settled(lambda: refused(product, "ticket.assign", ticket.id), 1) == 1
    assert await settled(lambda: refused(product, "ticket.grab", ticket.id), 1) == 1
    assert await settled(lambda: refused(product, "ticket.accept", 987654), 1) == 1
    assert [d for _t, d in buttons(await alert_of(sim, ticket))] == [d for _t, d in buttons(alert)]

    # The technician in scope may grab it; the alert then says who took it.
    await press(sim, TECHNICIAN, GROUP, alert, grab)
    await same_message(sim, GROUP, alert, lambda m: "孙师傅" in text_of(m))
    assert (await ticket_row(product, ticket.id)).status == TicketStatus.assigned


async def test_reject_asks_the_presser_for_a_reason(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair("楼下邻居装修太吵"))
    alert = await alert_of(sim, ticket)
    reject = TicketCb(action=Act.reject, ticket_id=ticket.id).pack()
    await press(sim, DISPATCHER, GROUP, alert, reject)
    prompt = await sim.wait_text(GROUP, "刘调度", ticket.number, "驳回")
    await sim.send(STEWARD, "我来看看", chat_id=GROUP)  # someone else talking: not the reason
    await sim.send(DISPATCHER, "不属于物业维修范围，请联系装修公司", chat_id=GROUP)
    rejected = await same_message(
        sim, GROUP, alert, lambda m: "不属于物业维修范围" in text_of(m) and not buttons(m)
    )
    assert "刘调度" in text_of(rejected)
    await same_message(sim, GROUP, prompt, lambda m: not buttons(m))
    row = await ticket_row(product, ticket.id)
    assert row.status == TicketStatus.rejected
    assert row.reject_reason == "不属于物业维修范围，请联系装修公司"
    assert "ticket.rejected" in await resident_notices(product)


async def test_an_anonymous_complaint_shows_neither_name_nor_room(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, anonymous_noise_complaint())
    alert = await alert_of(sim, ticket)
    text = text_of(alert)
    assert ticket.number.startswith("TS-")
    assert "1栋" in text and "匿名" in text and "半夜" in text
    for hidden in ("101", "1单元", "居民10001", "张阿姨", "📞"):
        assert hidden not in text, f"{hidden!r} leaked into {text!r}"
    # Complaints are for the desk: no Grab button for technicians.
    assert TicketCb(action=Act.grab, ticket_id=ticket.id).pack() not in [
        d for _t, d in buttons(alert)
    ]


async def test_a_public_place_is_where_the_alert_sends_staff(product: Product) -> None:
    """📍 is where to go: the lift, not the reporter's flat (marked as their home)."""
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(
        product,
        TicketDraft(
            kind=TicketKind.repair,
            category="elevator",
            description="电梯门关不上",
            location="public",
            place="3栋电梯",
        ),
    )
    lines = text_of(await alert_of(sim, ticket)).splitlines()
    located = [line for line in lines if line.startswith("📍")]
    assert located == ["📍 公共区域：3栋电梯"], lines
    assert "🏠 报修人住址：1栋 1单元 101" in lines and "👤 居民10001" in lines, lines

    complaint = anonymous_noise_complaint()
    complaint.location, complaint.place = "public", "2号门广场"
    ticket = await file_ticket(product, complaint)
    text = text_of(await alert_of(sim, ticket))
    assert "📍 公共区域：2号门广场" in text and "👤 匿名住户（1栋）" in text, text
    for hidden in ("101", "1单元", "居民10001", "📞"):
        assert hidden not in text, f"{hidden!r} leaked into {text!r}"


# --- replies under an alert ------------------------------------------------------------------


async def staff_messages(product: Product, ticket_id: int) -> list[tuple[str | None, bool]]:
    async with product.db.sessions() as session:
        rows = await session.execute(
            select(TicketEvent.note, TicketEvent.internal)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "message")
            .order_by(TicketEvent.id)
        )
        return [(note, internal) for note, internal in rows]


async def sent_to_resident(product: Product) -> list[str]:
    async with product.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.chat_id == str(ZHANG),
                OutboxMessage.notice == "ticket.staff_message",
            )
            .order_by(OutboxMessage.id)
        )
        return [row.data["text"] for row in rows]


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


# --- /queue ----------------------------------------------------------------------------------


async def test_queue_lists_open_tickets_oldest_first_with_the_overdue_marked(
    product: Product,
) -> None:
    sim = product.sim
    await bind(product)
    await bind(product, 10009, room="102")
    now = product.runtime.clock.now()
    old = await file_ticket(product, repair("楼道灯不亮"), at=now - timedelta(hours=3))
    tickets = [old] + [
        await file_ticket(product, repair(f"第{i}处漏水"), telegram_id=10009) for i in range(8)
    ]
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        identity = await identities.touch(session, external_id=str(DISPATCHER), now=now)
        person = await identities.load_person(session, identity)
        await add_message(
            session,
            ticket_id=old.id,
            person=person,
            now=now,
            text="先去查电闸",
            internal=True,
            as_staff=True,
        )
        await session.commit()

    await sim.send(DISPATCHER, "/queue")
    more = QueueCb(step=QueueStep.more, ticket_id=tickets[7].id).pack()
    page = await sim.wait_for(DISPATCHER, has_button(more), what="the first queue page")
    text = text_of(page)
    numbers = [t.number for t in tickets[:8]]
    assert [text.index(n) for n in numbers] == sorted(text.index(n) for n in numbers)
    assert f"⏰ {old.number}" in text
    assert f"⏰ {tickets[1].number}" not in text
    assert tickets[8].number not in text
    await press(sim, DISPATCHER, DISPATCHER, page, more)
    await sim.wait_text(DISPATCHER, tickets[8].number)

    opened = QueueCb(step=QueueStep.open, ticket_id=old.id).pack()
    await press(sim, DISPATCHER, DISPATCHER, page, opened)
    detail = await sim.wait_text(DISPATCHER, old.number, "先去查电闸")
    assert "🔒" in text_of(detail)  # the internal note is marked as such
    accept = TicketCb(action=Act.accept, ticket_id=old.id, view=View.detail).pack()
    await press(sim, DISPATCHER, DISPATCHER, detail, accept)
    await same_message(sim, DISPATCHER, detail, lambda m: "刘调度" in text_of(m))
    assert (await ticket_row(product, old.id)).status == TicketStatus.accepted

    # Residents have no queue; the technician sees the unassigned repairs.
    await sim.send(ZHANG, "/queue")
    await sim.wait_text(ZHANG, "物业")
    await sim.send(TECHNICIAN, "/queue")
    page = await sim.wait_text(TECHNICIAN, old.number)
    assert f"⏰ {old.number}" not in text_of(page)  # accepted now, so no longer late to accept


async def test_escalation_and_summary_reach_the_group(product: Product) -> None:
    from services.tickets import sla

    sim = product.sim
    await bind(product)
    now = product.runtime.clock.now()
    late = await file_ticket(
        product, repair("电梯困人", urgency=Urgency.urgent), at=now - timedelta(hours=1)
    )
    await alert_of(sim, late)
    async with product.runtime.db.sessions() as session:  # type: ignore[union-attr]
        await sla.escalate(session, now=now)
        await sla.daily_summary(session, now=now, zone=product.settings.zone)
        await session.commit()
    escalated = await sim.wait_text(GROUP, "⚠️", late.number)
    assert "🔴" in text_of(escalated)
    summary = await sim.wait_text(GROUP, "⏰", COMMUNITY, late.number)
    assert "🔴" in text_of(summary)
