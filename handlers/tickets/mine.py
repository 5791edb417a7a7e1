"""/tickets: the household's repairs and complaints, one ticket's history, and what to do next.

A resident may cancel a ticket nobody has started, reopen a finished one within
`tickets.reopen_days`, and add words, photos or voice notes to an open one (rating is in
handlers/tickets/rate.py). Every press names a ticket id, which is user input: the
services check that the presser belongs to the ticket's household (and audit refusals).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import Settings
from handlers.tickets import labels
from handlers.tickets.access import page_for, tell_if_not_reporter
from handlers.tickets.form import media_of
from handlers.tickets.pages import (
    CLOSED_TO_MESSAGES,
    PER_PAGE,
    ListCb,
    TicketAction,
    TicketCb,
    brief,
    ok_before,
    ok_id,
    page_data,
)
from handlers.ui import BTN_TICKETS, Button, error_text, kind_of, not_command, private, typed
from services.errors import DomainError
from services.households import estate_zone
from services.identities import Person
from services.tickets import lifecycle, queries
from services.tickets.machine import Action, next_status
from services.tickets.media import MediaIn

router = Routes()


class Following(StatesGroup):
    message = State()  # words, photos and voice notes go to one ticket (data: ticket_id)


# --- handlers: the list and a ticket's page -------------------------------------------------


async def _list_data(
    session: AsyncSession, person: Person, settings: Settings, before: int
) -> dict[str, Any] | None:
    assert person.resident is not None
    household = person.resident.household
    zone = estate_zone(household.building.community, settings.zone)
    tickets = await queries.for_household(
        session,
        household_id=household.id,
        limit=PER_PAGE + 1,
        before_id=before or None,
    )
    if not tickets:
        return None
    shown = tickets[:PER_PAGE]
    return {
        "before": before,
        "older": shown[-1].id if len(tickets) > PER_PAGE else 0,
        "items": [
            {
                "id": t.id,
                "number": t.number,
                "kind": t.kind.value,
                "category": t.category,
                "status": t.status.value,
                "date": labels.when(t.created_at, zone),
            }
            for t in shown
        ],
    }


@router.message(private, Command("tickets"))
@router.message(private, Button(BTN_TICKETS))
async def my_tickets(
    message: Message,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    settings: Settings,
) -> None:
    """List the household's tickets, newest first."""
    await show_tickets(person, reply, session, settings)


async def show_tickets(
    person: Person, reply: Replier, session: AsyncSession, settings: Settings
) -> None:
    """The household's newest tickets, each with its status (also the answer to "我的报修
    怎么样了?"); someone not in a home is told to join one first."""
    if person.resident is None:
        await reply("ticket_form.need_home", kind=kind_of(person))
        return
    data = await _list_data(session, person, settings, 0)
    if data is None:
        await reply("my_tickets.list_empty")
        return
    await reply("my_tickets.list", **data)


@router.callback_query(ListCb.filter(ok_before))
async def turnpage_for(
    query: CallbackQuery,
    callback_data: ListCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    settings: Settings,
    _: Translator,
) -> None:
    """Older (or the newest) tickets, in place."""
    if person.resident is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."))
        return
    data = await _list_data(session, person, settings, max(0, callback_data.before))
    if data is None:
        await reply.edit(query.message.message_id, "my_tickets.list_empty")
    else:
        await reply.edit(query.message.message_id, "my_tickets.list", **data)
    await query.answer()


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.show)))
async def show_ticket(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """One ticket's page with its history and what can be done now."""
    page = await page_for(query, callback_data.ticket_id, person, session, _, clock.now())
    if page is None:
        return
    await reply("my_tickets.page", **page_data(page, clock.now(), settings))
    await query.answer()


# --- handlers: cancel --------------------------------------------------------------------------


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.ask_cancel)))
async def ask_cancel(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Make sure before cancelling."""
    page = await page_for(query, callback_data.ticket_id, person, session, _, clock.now())
    if page is None:
        return
    ticket = page.ticket
    if next_status(ticket.status, Action.cancel) is None:
        await query.answer(
            error_text(_, "ticket.illegal", {"number": ticket.number}), show_alert=True
        )
        return
    await reply("my_tickets.confirm_cancel", **brief(ticket))
    await query.answer()


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.cancel)))
async def cancel_ticket(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Cancel (the service checks the household and that nobody has started)."""
    try:
        ticket = await lifecycle.act(
            session,
            ticket_id=callback_data.ticket_id,
            action=Action.cancel,
            person=person,
            now=clock.now(),
            settings=settings.tickets,
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id,
            "my_tickets.confirm_cancel",
            **brief(ticket),
            chosen="cancel",
        )
    await tell_if_not_reporter(reply, ticket, person, "ticket.cancelled")
    await query.answer("✓")


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.keep)))
async def keep_ticket(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Changed their mind: nothing happens."""
    page = await page_for(query, callback_data.ticket_id, person, session, _, clock.now())
    if page is None:
        return
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id,
            "my_tickets.confirm_cancel",
            **brief(page.ticket),
            chosen="keep",
        )
    await query.answer()


# --- handlers: reopen and follow-up messages ------------------------------------------------


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.reopen)))
async def reopen_ticket(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Reopen a finished ticket, then ask what is still wrong."""
    try:
        ticket = await lifecycle.act(
            session,
            ticket_id=callback_data.ticket_id,
            action=Action.reopen,
            person=person,
            now=clock.now(),
            settings=settings.tickets,
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    await tell_if_not_reporter(reply, ticket, person, "ticket.reopened")
    await state.set_state(Following.message)
    await state.set_data({"ticket_id": ticket.id, "number": ticket.number})
    await reply("my_tickets.ask_message", ticket_id=ticket.id, number=ticket.number, reopened=True)
    await query.answer("✓")


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.message)))
async def start_message(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Send the next words, photos or voice notes to this ticket."""
    page = await page_for(query, callback_data.ticket_id, person, session, _, clock.now())
    if page is None:
        return
    ticket = page.ticket
    if ticket.status in CLOSED_TO_MESSAGES:
        await query.answer(
            error_text(_, "ticket.closed", {"number": ticket.number}), show_alert=True
        )
        return
    await state.set_state(Following.message)
    await state.set_data({"ticket_id": ticket.id, "number": ticket.number})
    await reply("my_tickets.ask_message", ticket_id=ticket.id, number=ticket.number)
    await query.answer()


@router.callback_query(Following.message, TicketCb.filter(ok_id & (F.action == TicketAction.done)))
async def stop_messages(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """Finished adding to the ticket."""
    await state.clear()
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "my_tickets.following_done")
    await reply("menu.main", kind=kind_of(person))
    await query.answer()


@router.callback_query(TicketCb.filter(ok_id & (F.action == TicketAction.done)))
async def stale_done(query: CallbackQuery, _: Translator) -> None:
    """“Done” when nothing is being added any more."""
    await query.answer(_("✓ Done."))


@router.message(private, Following.message, typed)
@router.message(private, Following.message, F.photo | F.voice)
async def follow_up(
    message: Message,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Words, a photo or a voice note for the ticket: relayed to the staff."""
    pending = await state.get_data()
    item = media_of(message)
    text = (message.text or message.caption or "").strip()
    try:
        ticket = await lifecycle.add_message(
            session,
            ticket_id=int(pending["ticket_id"]),
            person=person,
            now=clock.now(),
            text=text,
            media=[MediaIn(**item)] if item else None,
            as_staff=False,
        )
    except DomainError as exc:
        if exc.key in ("ticket.closed", "ticket.not_allowed", "ticket.missing"):
            await state.clear()
        await reply("error", key=exc.key, **exc.data)
        return
    await reply("my_tickets.message_sent", ticket_id=ticket.id, number=ticket.number)


@router.message(private, Following.message, not_command)
async def not_a_follow_up(message: Message, reply: Replier) -> None:
    """A sticker or file while adding to a ticket."""
    await reply("my_tickets.follow_hint")
