"""Reporting a repair (/repair) or a complaint (/complaint), one plain question at a time.

category → where (my home, or a public place typed in a few words) → what happened (text
and/or a voice note) → up to five photos → how urgent → (repairs) a visit window, or
(complaints) whether to stay anonymous to staff → a summary with Edit and Submit.

The answers live in the FSM data (the database by default, so a restart loses nothing);
photos and voice notes are kept as Telegram file ids. Each step is the first one still
unanswered, so "Edit" forgets one answer and the person comes back to the summary after
giving it again. services.tickets.filing.create checks everything once more on Submit.

Here: starting a form, and every button on it. What people type, say or send at a step is
handlers/tickets/answers.py; the questions themselves are handlers/tickets/questions.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import DEFAULT_TIMEZONE, Settings
from handlers.tickets.form import (
    FORGETS,
    NOTICE_OF,
    Filing,
    Step,
    WizAction,
    WizardCb,
    draft_of,
    next_state,
    view,
)
from handlers.ui import BTN_COMPLAINT, BTN_REPAIR, Button, error_text, kind_of, private
from models import TicketKind, Urgency
from services.errors import DomainError
from services.households import estate_zone
from services.identities import Person
from services.tickets import filing, rules, visits

router = Routes()


# --- moving through the form ---------------------------------------------------------------


async def begin(
    kind: TicketKind,
    *,
    person: Person,
    reply: Replier,
    state: FSMContext,
    settings: Settings,
    prefill: dict[str, Any] | None = None,
) -> None:
    """Start a fresh form (replacing any earlier one) and ask its first open question."""
    if person.resident is None:
        await state.clear()
        await reply("ticket_form.need_home", kind=kind_of(person))
        return
    community = person.resident.household.building.community
    data: dict[str, Any] = {
        "kind": kind.value,
        "description": "",
        "media": [],
        "zone": estate_zone(community, settings.zone).key,  # for the visit times offered
    }
    data.update(prefill or {})
    await advance(reply, state, person, data)


def local_now(reply: Replier, data: dict[str, Any]) -> datetime:
    """Now in the estate's zone (kept in the form as it began; older forms: the default)."""
    return reply.now().astimezone(ZoneInfo(data.get("zone") or DEFAULT_TIMEZONE))


async def advance(
    reply: Replier, state: FSMContext, person: Person, data: dict[str, Any], **extra: Any
) -> None:
    """Save the answers and ask the next question (or show the summary)."""
    step = next_state(data)
    if step == Filing.window:  # the visit times still ahead now, in the estate's zone
        local = local_now(reply, data)
        data["visit_choices"] = visits.choices(local)
        data["visit_today"] = local.date().isoformat()
    await state.set_state(step)
    await state.set_data(data)
    await reply(NOTICE_OF[step.state], **view(data, person), **extra)


async def _close_prompt(
    query: CallbackQuery, reply: Replier, notice: str, data: dict[str, Any], **extra: Any
) -> None:
    """Replace the pressed question's buttons with the answer given."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, notice, **data, **extra)


# --- handlers: starting ----------------------------------------------------------------------


@router.message(private, Command("repair"))
@router.message(private, Button(BTN_REPAIR))
async def start_repair(
    message: Message, person: Person, reply: Replier, state: FSMContext, settings: Settings
) -> None:
    """Start reporting a repair: first, what needs repairing."""
    await begin(TicketKind.repair, person=person, reply=reply, state=state, settings=settings)


@router.message(private, Command("complaint"))
@router.message(private, Button(BTN_COMPLAINT))
async def start_complaint(
    message: Message, person: Person, reply: Replier, state: FSMContext, settings: Settings
) -> None:
    """Start a complaint: first, what it is about."""
    await begin(TicketKind.complaint, person=person, reply=reply, state=state, settings=settings)


# --- handlers: buttons -----------------------------------------------------------------------


@router.callback_query(StateFilter(Filing), WizardCb.filter(F.action == WizAction.cancel))
async def cancel_form(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """Drop the form; nothing is sent."""
    await state.clear()
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "ticket_form.cancelled")
    await reply("common.cancelled", kind=kind_of(person))
    await query.answer()


@router.callback_query(Filing.category, WizardCb.filter(F.action == WizAction.category))
async def picked_category(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Remember the category and ask where."""
    data = await state.get_data()
    if callback_data.value not in rules.CATEGORIES[TicketKind(data["kind"])]:
        await query.answer(_("This button is no longer valid."))
        return
    data["category"] = callback_data.value
    await _close_prompt(
        query, reply, "ticket_form.ask_category", view(data, person), chosen=callback_data.value
    )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.where, WizardCb.filter(F.action == WizAction.where))
async def picked_where(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Home, or a public place (then ask which)."""
    if callback_data.value not in ("home", "public"):
        await query.answer(_("This button is no longer valid."))
        return
    data = await state.get_data()
    data["location"] = callback_data.value
    if callback_data.value == "home":
        data.pop("place", None)
    await _close_prompt(
        query, reply, "ticket_form.ask_where", view(data, person), chosen=callback_data.value
    )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.photos, WizardCb.filter(F.action == WizAction.photos_done))
async def photos_done(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """No (more) photos: on to urgency."""
    data = await state.get_data()
    data["photos_done"] = True
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id, "ticket_form.photos_closed", **view(data, person)
        )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.photos, WizardCb.filter(F.action == WizAction.photos_clear))
async def photos_clear(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """Forget the photos sent so far (the voice note stays)."""
    data = await state.get_data()
    data["media"] = [m for m in data.get("media", []) if m["kind"] != "photo"]
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id, "ticket_form.photos_closed", **view(data, person)
        )
    await advance(reply, state, person, data)
    await query.answer("🗑")


@router.callback_query(Filing.urgency, WizardCb.filter(F.action == WizAction.urgency))
async def picked_urgency(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Normal or urgent."""
    if callback_data.value not in (Urgency.normal, Urgency.urgent):
        await query.answer(_("This button is no longer valid."))
        return
    data = await state.get_data()
    data["urgency"] = callback_data.value
    await _close_prompt(
        query, reply, "ticket_form.ask_urgency", view(data, person), chosen=callback_data.value
    )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.window, WizardCb.filter(F.action == WizAction.window))
async def picked_window(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """When a visit suits: one of the times offered, if it is still ahead."""
    data = await state.get_data()
    if callback_data.value not in (data.get("visit_choices") or []):
        await query.answer(_("This button is no longer valid."))
        return
    local = local_now(reply, data)
    if not visits.acceptable(callback_data.value, local):  # the question sat unanswered
        await query.answer(_("That time has passed. Please choose another."), show_alert=True)
        await advance(reply, state, person, data)  # asked again, with the times ahead now
        return
    data["visit_window"] = callback_data.value
    await _close_prompt(
        query, reply, "ticket_form.ask_window", view(data, person), chosen=callback_data.value
    )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.anonymous, WizardCb.filter(F.action == WizAction.anonymous))
async def picked_anonymous(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Whether staff may see who complains."""
    if callback_data.value not in ("0", "1"):
        await query.answer(_("This button is no longer valid."))
        return
    data = await state.get_data()
    data["anonymous"] = callback_data.value == "1"
    await _close_prompt(
        query, reply, "ticket_form.ask_anonymous", view(data, person), chosen=callback_data.value
    )
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.summary, WizardCb.filter(F.action == WizAction.edit))
async def edit_step(
    query: CallbackQuery,
    callback_data: WizardCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Ask one question again; the summary comes back once it is answered."""
    if callback_data.value not in Step.__members__:
        await query.answer(_("This button is no longer valid."))
        return
    data = await state.get_data()
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id, "ticket_form.summary", **view(data, person), closed="editing"
        )
    for key in FORGETS[Step(callback_data.value)]:
        data.pop(key, None)
    await advance(reply, state, person, data)
    await query.answer()


@router.callback_query(Filing.summary, WizardCb.filter(F.action == WizAction.submit))
async def submit(
    query: CallbackQuery,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """File the ticket; the service's “ticket.created” notice is the receipt."""
    data = await state.get_data()
    try:
        await filing.create(
            session,
            person=person,
            draft=draft_of(data),
            now=clock.now(),
            settings=settings.tickets,
            default_zone=settings.zone,
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        if exc.key in ("ticket.no_household", "ticket.daily_limit"):
            await state.clear()
        await reply("error", key=exc.key, **exc.data)
        return
    await state.clear()
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id,
            "ticket_form.summary",
            **view(data, person),
            closed="submitted",
        )
    await query.answer("✓")
