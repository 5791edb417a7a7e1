"""Helpers for the staff-side ticket tests: the demo's people, tickets filed through the
service, and waiting for what the bot did in a chat."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from handlers.tickets_staff.base import Act, FinishCb, FinishStep, TicketCb, View
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
)
from services import identities
from services import staff as staff_service
from services.demo import COMMUNITY, DISPATCH_GROUP_ID
from services.tickets.filing import TicketDraft, create
from tests.e2e.conftest import Product
from tests.e2e.harness import (
    Message,
    Sim,
    buttons,
    has_button,
    text_of,
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


async def add_outsider_tech(product: Product) -> None:
    """钱师傅, a technician who looks after 5栋 only, with a chat of his own."""
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
    await product.sim.user(OUTSIDER_TECH, "钱师傅")


def skip_photos(ticket: Ticket) -> str:
    return FinishCb(step=FinishStep.skip, ticket_id=ticket.id).pack()


async def start_then_finish(sim: Sim, ticket: Ticket) -> Message:
    """The assignee, on their job card: Start, then Done; the question that Done asks."""
    start = TicketCb(action=Act.start, ticket_id=ticket.id, view=View.card).pack()
    card = await sim.wait_for(TECHNICIAN, has_button(start), what="the job card")
    await press(sim, TECHNICIAN, TECHNICIAN, card, start)
    finish = TicketCb(action=Act.finish, ticket_id=ticket.id, view=View.card).pack()
    card = await same_message(sim, TECHNICIAN, card, has_button(finish))
    await press(sim, TECHNICIAN, TECHNICIAN, card, finish)
    return await sim.wait_for(TECHNICIAN, has_button(skip_photos(ticket)), what="the question")
