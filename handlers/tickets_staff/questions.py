"""Buttons that ask before they act: Reject wants the reason the resident will read; Done
in private chat wants photos of the finished work (optional). The question is a state of
the presser in that chat; the service is asked first whether they may, so nobody is asked
for what they may not do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from core.settings import Settings
from handlers.tickets_staff.actions import (
    act_or_answer,
    message_id_of,
    ok_id,
    pressed_in_private,
    redraw,
)
from handlers.tickets_staff.base import (
    PRESSED,
    Act,
    FinishCb,
    Finishing,
    FinishStep,
    FreshPrompt,
    ReasonCb,
    Rejecting,
    TicketCb,
    View,
    in_group,
    refusal,
    router,
)
from handlers.ui import private
from models import Ticket
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle
from services.tickets.machine import Action
from services.tickets.media import MediaIn
from services.tickets.rules import WORK_NOTE_MAX

MAX_WORK_PHOTOS = 10  # one album


# --- reject: ask for the reason first --------------------------------------------------------


@router.callback_query(TicketCb.filter(ok_id & (F.action == Act.reject)))
async def ask_reason(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Reject: ask the presser, in this chat, for the reason the resident will read."""
    asked = await _ask(
        query,
        callback_data,
        person,
        session,
        clock,
        state,
        _,
        Action.reject,
        Rejecting.reason,
        {"asked_at": clock.now().isoformat()},
    )
    if asked is None:
        return
    ticket, prompt = asked
    await reply.tracked(
        "ticket.reason_prompt",
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "name": person.staff.name if person.staff else "",
        },
        ref_key=prompt,
        reply_to=message_id_of(query) if callback_data.view == View.group else None,
    )
    await query.answer(_("Send the reason as your next message."))


@router.message(Rejecting.reason, F.text, ~F.text.startswith("/"), FreshPrompt())
async def got_reason(
    message: Message,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    state: FSMContext,
) -> None:
    """The reason: reject the ticket with it (the service tells the resident)."""
    asked = await state.get_data()
    reason = (message.text or "").strip()
    try:
        await lifecycle.act(
            session,
            ticket_id=asked["ticket_id"],
            action=Action.reject,
            person=person,
            now=clock.now(),
            settings=settings.tickets,
            reason=reason,
        )
    except DomainError as exc:
        await reply("ticket.refused", key=exc.key, **exc.data)
        if exc.key not in ("ticket.reason_needed", "ticket.too_long"):  # else still asked
            await state.clear()
            await reply.edit_ref(
                asked["prompt"], "ticket.reason_closed", {"number": asked["number"]}
            )
        return
    await state.clear()
    await reply.edit_ref(
        asked["prompt"], "ticket.reason_closed", {"number": asked["number"], "reason": reason}
    )
    await redraw(
        reply,
        asked.get("source"),
        ticket_id=asked["ticket_id"],
        view=View(asked["view"]),
        person=person,
        session=session,
        clock=clock,
        settings=settings,
    )


@router.callback_query(Rejecting.reason, ReasonCb.filter(ok_id))
async def cancel_reason(
    query: CallbackQuery,
    callback_data: ReasonCb,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """“Cancel” under the reason question: the ticket is not rejected."""
    asked = await state.get_data()
    if asked.get("ticket_id") != callback_data.ticket_id:
        await query.answer(_("This button is no longer valid."))
        return
    await state.clear()
    message_id = message_id_of(query)
    if message_id is not None:
        await reply.edit(message_id, "ticket.reason_closed", number=asked["number"])
    await query.answer()


@router.message(in_group, Rejecting.reason, Command("cancel"))
async def cancel_reason_typed(message: Message, reply: Replier, state: FSMContext) -> None:
    """/cancel in the group while asked for a reason: the ticket is not rejected."""
    asked = await state.get_data()
    await state.clear()
    await reply.edit_ref(asked["prompt"], "ticket.reason_closed", {"number": asked["number"]})


# --- done in private chat: photos of the work first ------------------------------------------


@router.callback_query(pressed_in_private, TicketCb.filter(ok_id & (F.action == Act.finish)))
async def ask_for_photos(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Done, in private chat: ask for photos of the finished work (they may skip)."""
    asked = await _ask(
        query,
        callback_data,
        person,
        session,
        clock,
        state,
        _,
        Action.finish,
        Finishing.photos,
        {"photos": []},
    )
    if asked is None:
        return
    ticket, prompt = asked
    await reply.tracked(
        "ticket.finish_prompt",
        {"ticket_id": ticket.id, "number": ticket.number, "count": 0},
        ref_key=prompt,
    )
    await query.answer()


def _finish_prompt(asked: dict[str, Any]) -> dict[str, Any]:
    return {
        "ticket_id": asked["ticket_id"],
        "number": asked["number"],
        "count": len(asked.get("photos", [])),
        "note": asked.get("note", ""),
    }


@router.message(private, Finishing.photos, F.photo)
async def work_photo(message: Message, reply: Replier, state: FSMContext) -> None:
    """Keep a photo of the finished work; the question shows how many are ready."""
    asked = await state.get_data()
    photos = list(asked.get("photos", []))
    if len(photos) >= MAX_WORK_PHOTOS or not message.photo:
        return
    largest = message.photo[-1]
    photos.append([largest.file_id, largest.file_unique_id])
    await state.update_data(photos=photos)
    await reply.edit_ref(
        asked["prompt"], "ticket.finish_prompt", _finish_prompt(asked | {"photos": photos})
    )


@router.message(private, Finishing.photos, F.text, ~F.text.startswith("/"))
async def work_note(message: Message, reply: Replier, state: FSMContext) -> None:
    """Words while photos are awaited: what was done, told to the resident with "done"
    (several messages add up). The question is asked again below them, buttons at hand."""
    asked = await state.get_data()
    note = "\n".join(p for p in (asked.get("note", ""), (message.text or "").strip()) if p)
    if len(note) > WORK_NOTE_MAX:  # kept as it was: nothing said so far is lost
        await reply("ticket.refused", key="ticket.work_note_too_long", limit=WORK_NOTE_MAX)
    else:
        asked = asked | {"note": note}
        await state.update_data(note=note)
    await reply.tracked("ticket.finish_prompt", _finish_prompt(asked), ref_key=asked["prompt"])


@router.callback_query(Finishing.photos, FinishCb.filter(ok_id))
async def finish_work(
    query: CallbackQuery,
    callback_data: FinishCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Done (with the photos sent) or Skip photos (without): mark the work done, with what
    was said about it either way."""
    asked = await state.get_data()
    if asked.get("ticket_id") != callback_data.ticket_id:
        await query.answer(_("This button is no longer valid."))
        return
    await state.clear()
    photos = asked.get("photos", []) if callback_data.step == FinishStep.done else []
    media = [MediaIn("photo", file_id, unique_id) for file_id, unique_id in photos]
    common: dict[str, Any] = dict(person=person, session=session, clock=clock, settings=settings)
    done = await act_or_answer(
        query,
        ticket_id=callback_data.ticket_id,
        action=Action.finish,
        media=media,
        work_note=asked.get("note") or None,
        _=_,
        **common,
    )
    message_id = message_id_of(query)
    if message_id is not None:
        await reply.edit(
            message_id,
            "ticket.finish_closed",
            number=asked["number"],
            done=done,
            count=len(media),
            note=asked.get("note", "") if done else "",
        )
    if not done:
        return
    await redraw(
        reply,
        asked.get("source"),
        ticket_id=callback_data.ticket_id,
        view=View(asked["view"]),
        **common,
    )
    await query.answer(_(PRESSED[Act.finish]))


async def _ask(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    _: Translator,
    action: Action,
    question: State,
    extra: dict[str, Any],
) -> tuple[Ticket, str] | None:
    """Check the presser may do `action`, then remember the question about to be asked.

    Returns the ticket and the question's message key, or None after a polite refusal.
    """
    now = clock.now()
    try:
        ticket = await lifecycle.check(
            session, ticket_id=callback_data.ticket_id, action=action, person=person, now=now
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return None
    prompt = await remember_question(
        state, question, query, callback_data, ticket, person, now, what=action.value, extra=extra
    )
    return ticket, prompt


async def remember_question(
    state: FSMContext,
    question: State,
    query: CallbackQuery,
    pressed: TicketCb,
    ticket: Ticket,
    person: Person,
    now: datetime,
    *,
    what: str,
    extra: dict[str, Any],
) -> str:
    """Set the presser's conversation to `question` about `ticket`, keeping what the answer
    needs (the ticket, the button's view and message, `extra`); returns the ref key the
    question's message is to be sent under, so it can be closed in place later."""
    prompt = f"ticket:{ticket.id}:{what}:{person.identity.id}:{int(now.timestamp())}"
    await state.set_state(question)
    await state.set_data(
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "view": pressed.view.value,
            "source": message_id_of(query),
            "prompt": prompt,
            **extra,
        }
    )
    return prompt
