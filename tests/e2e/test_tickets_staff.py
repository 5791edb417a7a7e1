"""Tickets as staff handle them: group alerts, assigning, the technician's work, refusals
and /queue — through the simulator, against the real product (what staff and residents
write to each other: test_ticket_messages.py)."""

from __future__ import annotations

from datetime import timedelta

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
    TicketCb,
    View,
)
from models import (
    TicketKind,
    TicketMedia,
    TicketStatus,
    Urgency,
)
from services import identities
from services.demo import COMMUNITY
from services.tickets.filing import TicketDraft
from services.tickets.lifecycle import add_message
from services.tickets.media import MediaIn
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    buttons,
    has_button,
    settled,
    text_of,
    tomorrow_morning,
)
from tests.e2e.staff import (
    DISPATCHER,
    GROUP,
    OUTSIDER_TECH,
    PHOTOS,
    STEWARD,
    TECHNICIAN,
    ZHANG,
    add_outsider_tech,
    alert_of,
    anonymous_noise_complaint,
    bind,
    file_ticket,
    owner_phone,
    press,
    refused,
    repair,
    resident_notices,
    same_message,
    skip_photos,
    start_then_finish,
    ticket_row,
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
    for shown in ("1栋 1单元 101", "居民10001", "厨房下水道堵了", "📷 照片：1 张", "🕒"):
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
    # The resident's photo and the work's, counted apart.
    assert "📷 照片：1 张" in text_of(finished) and "🛠 完工照片：1 张" in text_of(finished)
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

    # The resident sees the work's photo with "done", and rates under it.
    done = await sim.wait_text(ZHANG, "已处理完成")
    assert done.get("photo"), done
    stars = ResidentTicketCb(action=TicketAction.rate_done, ticket_id=ticket.id, stars=4).pack()
    await press(sim, ZHANG, ZHANG, done, stars)
    rated = await same_message(sim, ZHANG, done, lambda m: not buttons(m))
    assert "已处理完成" in text_of(rated) and "⭐⭐⭐⭐" in text_of(rated) and rated.get("photo")


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
    prompt = await start_then_finish(sim, ticket)
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, skip_photos(ticket))
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
    assert "写几句做了什么" in text_of(await start_then_finish(sim, ticket))

    # Words instead of photos: taken as what was done, several messages adding up.
    await sim.send(TECHNICIAN, "疏通了下水管")
    await sim.wait_text(TECHNICIAN, "处理情况：疏通了下水管")
    await sim.send(TECHNICIAN, "x" * 500)  # too long: refused, what was said is kept
    await sim.wait_text(TECHNICIAN, "内容太长了", "500")
    await sim.send(TECHNICIAN, "换了一段老化的管子")
    prompt = await sim.wait_text(TECHNICIAN, "处理情况：疏通了下水管\n换了一段老化的管子")
    await press(sim, TECHNICIAN, TECHNICIAN, prompt, skip_photos(ticket))
    closed = await same_message(sim, TECHNICIAN, prompt, lambda m: not buttons(m))
    assert "已完工（没有拍照）" in text_of(closed) and "换了一段老化的管子" in text_of(closed)

    done = await sim.wait_text(ZHANG, "已处理完成")
    assert "🛠 处理情况：疏通了下水管\n换了一段老化的管子" in text_of(done)
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
    assert "📷 照片：2 张" in text_of(alert)


# --- refusals --------------------------------------------------------------------------------


async def test_refusals_are_answered_audited_and_change_nothing(product: Product) -> None:
    sim = product.sim
    await bind(product)
    ticket = await file_ticket(product, repair())
    alert = await alert_of(sim, ticket)
    await add_outsider_tech(product)

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
    await sim.send(DISPATCHER, "太" * 301, chat_id=GROUP)  # too long: refused, still asked
    await sim.wait_text(GROUP, "内容太长", "300")
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
