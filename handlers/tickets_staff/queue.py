"""/queue for staff in private chat (or asked in words: "有新工单吗", "any new jobs?"): open
tickets in their area, oldest first, and one ticket opened with its whole history (internal
notes included) and its action buttons."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, Filter, StateFilter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from core.settings import Settings
from handlers.tickets_staff import views
from handlers.tickets_staff.actions import ok_id
from handlers.tickets_staff.base import Act, QueueCb, QueueStep, TicketCb, refusal, router
from handlers.ui import BTN_QUEUE, Button, private, typed
from services import matcher
from services.errors import DomainError
from services.identities import Person


class AsksForWork(Filter):
    """Active staff asking, in their own words, what work there is ("有新工单吗")."""

    async def __call__(self, message: Message, person: Person | None = None) -> bool:
        staff = person.staff if person is not None else None
        return staff is not None and staff.active and matcher.asks_for_work(message.text or "")


@router.message(private, Command("queue"))
@router.message(private, Button(BTN_QUEUE))
@router.message(private, StateFilter(None), typed, AsksForWork())
async def show_queue(
    message: Message, person: Person, session: AsyncSession, clock: Clock, reply: Replier
) -> None:
    """List the open tickets in the staff member's area, oldest first, overdue ones marked."""
    if person.staff is None:
        await reply("tickets.staff_only")
        return
    await reply(
        "tickets.queue", **await views.queue_page(session, staff=person.staff, now=clock.now())
    )


@router.callback_query(QueueCb.filter(ok_id & (F.step == QueueStep.more)))
async def more(
    query: CallbackQuery,
    callback_data: QueueCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    _: Translator,
) -> None:
    """“More”: the next page, after the last ticket shown."""
    if person.staff is None:
        await query.answer(refusal(_, DomainError("staff.not_allowed")), show_alert=True)
        return
    try:
        page = await views.queue_page(
            session, staff=person.staff, now=clock.now(), after_id=callback_data.ticket_id
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    await reply("tickets.queue", **page)
    await query.answer()


@router.callback_query(QueueCb.filter(ok_id & (F.step == QueueStep.open)))
@router.callback_query(TicketCb.filter(ok_id & (F.action == Act.detail)))
async def open_ticket(
    query: CallbackQuery,
    callback_data: QueueCb | TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    _: Translator,
) -> None:
    """Open one ticket: details, history with internal notes, and its action buttons."""
    try:
        data = await views.detail(
            session,
            ticket_id=callback_data.ticket_id,
            person=person,
            now=clock.now(),
            zone=settings.zone,
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    await reply("ticket.detail", **data)
    await query.answer()


@router.callback_query(TicketCb.filter(ok_id & (F.action == Act.photos)))
async def send_photos(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    _: Translator,
) -> None:
    """“Photos”: the ticket's photos (the resident's and the work's) as an album here."""
    try:
        data = await views.detail(
            session,
            ticket_id=callback_data.ticket_id,
            person=person,
            now=clock.now(),
            zone=settings.zone,
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    await reply("ticket.photos", number=data["number"], photos=data["photo_ids"])
    await query.answer()
