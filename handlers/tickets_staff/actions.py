"""Staff buttons on a ticket: accept, assign (from a picker), grab, start, done.

Every press goes through the ticket service with the presser's Person: it checks role and
scope and audits refusals; here a refusal only answers the press, and nothing changes.
Group alerts are redrawn by the services after each change; a private-chat card or detail
is redrawn here. Reject and Done-in-private ask a question first: see questions.py.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from core.settings import Settings
from handlers.tickets_staff import views
from handlers.tickets_staff.base import (
    ACTIONS,
    PRESSED,
    Act,
    AssignCb,
    TicketCb,
    View,
    refusal,
    router,
)
from handlers.ui import MAX_ID
from models import StaffRole
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle, notify, queries
from services.tickets.machine import Action

ok_id = F.ticket_id.func(lambda value: 0 < value <= MAX_ID)
pressed_in_private = F.message.chat.type == "private"


async def act_or_answer(
    query: CallbackQuery,
    *,
    ticket_id: int,
    action: Action,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
    **extra: Any,
) -> bool:
    """Run one action through the service; a refusal answers the press and changes nothing."""
    try:
        await lifecycle.act(
            session,
            ticket_id=ticket_id,
            action=action,
            person=person,
            now=clock.now(),
            settings=settings.tickets,
            **extra,
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return False
    return True


async def redraw(
    reply: Replier,
    message_id: int | None,
    *,
    ticket_id: int,
    view: View,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Draw a private-chat card or detail again after a change (the services redraw alerts)."""
    if view == View.group or message_id is None:
        return
    notice, data = await views.redraw(
        session,
        ticket_id=ticket_id,
        view=view,
        person=person,
        now=clock.now(),
        zone=settings.zone,
    )
    await reply.edit(message_id, notice, **data)


def message_id_of(query: CallbackQuery) -> int | None:
    return query.message.message_id if isinstance(query.message, Message) else None


# --- one press, one change -------------------------------------------------------------------


@router.callback_query(TicketCb.filter(ok_id & F.action.in_({Act.accept, Act.grab, Act.start})))
@router.callback_query(~pressed_in_private, TicketCb.filter(ok_id & (F.action == Act.finish)))
async def simple_action(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    _: Translator,
) -> None:
    """Accept, grab or start a ticket (or mark it done from a group alert)."""
    common: dict[str, Any] = dict(person=person, session=session, clock=clock, settings=settings)
    if not await act_or_answer(
        query,
        ticket_id=callback_data.ticket_id,
        action=ACTIONS[callback_data.action],
        _=_,
        **common,
    ):
        return
    await redraw(
        reply,
        message_id_of(query),
        ticket_id=callback_data.ticket_id,
        view=callback_data.view,
        **common,
    )
    await query.answer(_(PRESSED[callback_data.action]))


# --- assign: a picker of people in scope -----------------------------------------------------


@router.callback_query(TicketCb.filter(ok_id & (F.action == Act.assign)))
async def show_picker(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    _: Translator,
) -> None:
    """“Assign to…”: show, in place of the buttons, who could take this ticket."""
    now = clock.now()
    try:
        ticket = await lifecycle.check(
            session,
            ticket_id=callback_data.ticket_id,
            action=Action.assign,
            person=person,
            now=now,
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    people = await queries.staff_in_scope(
        session, ticket=ticket, roles=(StaffRole.technician, StaffRole.steward)
    )
    message_id = message_id_of(query)
    if message_id is not None:
        data = await notify.alert_data(session, ticket, now=now)
        await reply.edit(
            message_id,
            "ticket.picker",
            **data,
            view=callback_data.view.value,
            people=[[s.id, s.name, s.role.value] for s in people],
        )
    await query.answer()


@router.callback_query(AssignCb.filter(ok_id & F.staff_id.func(lambda v: 0 < v <= MAX_ID)))
async def assign(
    query: CallbackQuery,
    callback_data: AssignCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    _: Translator,
) -> None:
    """A name in the picker: assign the ticket to that person."""
    common: dict[str, Any] = dict(person=person, session=session, clock=clock, settings=settings)
    if not await act_or_answer(
        query,
        ticket_id=callback_data.ticket_id,
        action=Action.assign,
        assignee_id=callback_data.staff_id,
        _=_,
        **common,
    ):
        return
    await redraw(
        reply,
        message_id_of(query),
        ticket_id=callback_data.ticket_id,
        view=callback_data.view,
        **common,
    )
    await query.answer(_("Assigned."))


@router.callback_query(TicketCb.filter(ok_id & (F.action == Act.back)))
async def back(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    _: Translator,
) -> None:
    """“← Back” from the picker: the ticket and its buttons again."""
    message_id = message_id_of(query)
    try:
        notice, data = await views.redraw(
            session,
            ticket_id=callback_data.ticket_id,
            view=callback_data.view,
            person=person,
            now=clock.now(),
            zone=settings.zone,
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    if message_id is not None:
        await reply.edit(message_id, notice, **data)
    await query.answer()
