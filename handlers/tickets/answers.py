"""The report form's answers that are typed, spoken or sent rather than tapped: a category,
where ("家里", or the place itself) and how urgent ("不急") in words, a public place, what
happened (text or a voice note), photos with their captions, and anything else sent at a
step, which gets the same question again with a hint.

Its router goes right after handlers/tickets/filing.py's (which starts the form and takes its
buttons); commands typed mid-form go to their own handlers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from handlers.tickets import labels
from handlers.tickets.filing import advance, local_now
from handlers.tickets.form import (
    NOTICE_OF,
    PLACE_MAX,
    Filing,
    count_of,
    media_of,
    view,
)
from handlers.ui import not_command, private, typed
from models import TicketKind
from services import matcher
from services.identities import Person
from services.tickets import rules, visits

router = Routes()


# --- handlers: typed answers, voice notes and photos -----------------------------------------


@router.message(private, Filing.category, typed)
async def typed_instead_of_category(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """Words typed instead of a tap: pick the category from them when we can."""
    data = await state.get_data()
    text = (message.text or "").strip()
    match = matcher.classify(text)
    if match.kind == data["kind"] and match.category in rules.CATEGORIES[TicketKind(data["kind"])]:
        data["category"] = match.category
        if not data.get("described") and len(text) <= rules.DESCRIPTION_MAX:
            data["description"], data["described"] = text, True
        data["urgent_hint"] = data.get("urgent_hint") or match.urgent_hint
        await advance(reply, state, person, data)
        return
    await reply("ticket_form.ask_category", **view(data, person), hint="buttons")


@router.message(private, Filing.where, typed)
async def typed_where(message: Message, person: Person, reply: Replier, state: FSMContext) -> None:
    """ "家里", "公共区域" or the place itself ("3单元楼道5楼") typed instead of a tap."""
    text = (message.text or "").strip()
    said = matcher.where_said(text)
    if said is None:
        await use_the_buttons(message, person, reply, state)
        return
    data = await state.get_data()
    data["location"], named = said
    if data["location"] == "home":
        data.pop("place", None)
    elif named and len(text) <= PLACE_MAX:  # the place itself: not asked again
        data["place"] = text
    await advance(reply, state, person, data)


@router.message(private, Filing.urgency, typed)
async def typed_urgency(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """ "不急" or "紧急" typed instead of a tap."""
    said = matcher.urgency_said(message.text or "")
    if said is None:
        await use_the_buttons(message, person, reply, state)
        return
    data = await state.get_data()
    data["urgency"] = said
    await advance(reply, state, person, data)


@router.message(private, Filing.window, typed)
async def typed_window(
    message: Message, person: Person, reply: Replier, state: FSMContext, _: Translator
) -> None:
    """A visit time typed instead of a tap ("明天上午", "周末", "随时"): the one offered time
    it names."""
    data = await state.get_data()
    code = _visit_named(_, message.text or "", data)
    if code is None:
        await use_the_buttons(message, person, reply, state)
        return
    if visits.acceptable(code, local_now(reply, data)):  # else asked again, with times ahead
        data["visit_window"] = code
    await advance(reply, state, person, data)


def _visit_named(_: Translator, text: str, data: dict[str, Any]) -> str | None:
    """The offered visit time whose button's words contain the typed words, if just one does."""
    choices = data.get("visit_choices") or []
    if matcher.any_time_said(text) and visits.ANY in choices:
        return visits.ANY
    typed = _folded(text)
    today = date.fromisoformat(data["visit_today"]) if data.get("visit_today") else None
    if len(typed) < 2 or typed.isdigit():  # "1", "12": part of a date, not a choice
        return None
    named = [c for c in choices if typed in _folded(labels.visit_choice(_, c, today))]
    return named[0] if len(named) == 1 else None


def _folded(text: str) -> str:
    """Words without spaces, marks or case: "Tomorrow, morning" and "tomorrow morning" meet."""
    return re.sub(r"[\W_]+", "", text).casefold()


@router.message(private, Filing.place, typed)
async def typed_place(message: Message, person: Person, reply: Replier, state: FSMContext) -> None:
    """The public place, in a few words."""
    place = (message.text or "").strip()
    if len(place) > PLACE_MAX:
        await reply("error", key="ticket.too_long", max=PLACE_MAX)
        return
    data = await state.get_data()
    data["place"] = place
    await advance(reply, state, person, data)


@router.message(private, Filing.describe, typed)
async def typed_description(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """What happened, typed (replaces an earlier description when editing)."""
    text = (message.text or "").strip()
    if len(text) > rules.DESCRIPTION_MAX:
        await reply("error", key="ticket.too_long", max=rules.DESCRIPTION_MAX)
        return
    data = await state.get_data()
    data["description"], data["described"] = text, True
    await advance(reply, state, person, data)


@router.message(private, Filing.describe, F.voice)
async def spoken_description(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """What happened, as a voice note (replaces an earlier one)."""
    data = await state.get_data()
    voice = media_of(message)
    data["media"] = [m for m in data.get("media", []) if m["kind"] != "voice"] + [voice]
    data["described"] = True
    await advance(reply, state, person, data)


@router.message(private, Filing.describe, F.photo)
@router.message(private, Filing.photos, F.photo)
async def photo_sent(message: Message, person: Person, reply: Replier, state: FSMContext) -> None:
    """Keep a photo (at most rules.MAX_PHOTOS); its caption adds to the description."""
    data = await state.get_data()
    if count_of(data, "photo") >= rules.MAX_PHOTOS:
        await reply("error", key="ticket.too_many_photos", max=rules.MAX_PHOTOS)
        return
    data["media"] = [*data.get("media", []), media_of(message)]
    caption = (message.caption or "").strip()
    if caption and _add_words(data, caption) and not data.get("described"):
        data["described"] = True  # the caption says what happened: on to more photos
        await advance(reply, state, person, data)
        return
    await state.set_data(data)
    step = "describe" if not data.get("described") else "photos"
    await reply("ticket_form.added", **view(data, person), what="photo", step=step)


@router.message(private, Filing.photos, F.voice)
async def voice_with_photos(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """A voice note added while sending photos (one per report)."""
    data = await state.get_data()
    if count_of(data, "voice") >= rules.MAX_VOICE:
        await reply("error", key="ticket.too_many_voice", max=rules.MAX_VOICE)
        return
    data["media"] = [*data.get("media", []), media_of(message)]
    await state.set_data(data)
    await reply("ticket_form.added", **view(data, person), what="voice", step="photos")


@router.message(private, Filing.photos, typed)
async def words_with_photos(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """More words while sending photos: added to the description."""
    data = await state.get_data()
    if not _add_words(data, (message.text or "").strip()):
        await reply("error", key="ticket.too_long", max=rules.DESCRIPTION_MAX)
        return
    await state.set_data(data)
    await reply("ticket_form.added", **view(data, person), what="text", step="photos")


def _add_words(data: dict[str, Any], text: str) -> bool:
    """Append to the description; False when it would be too long."""
    current = data.get("description") or ""
    combined = f"{current}\n{text}" if current else text
    if len(combined) > rules.DESCRIPTION_MAX:
        return False
    data["description"] = combined
    return True


# --- handlers: anything else at a step -------------------------------------------------------

BUTTON_STEPS = (Filing.category, Filing.where, Filing.urgency, Filing.window, Filing.anonymous)


@router.message(private, StateFilter(*BUTTON_STEPS, Filing.summary), not_command)
async def use_the_buttons(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """Typing or a sticker where a button is expected: ask the same question again."""
    data = await state.get_data()
    current = await state.get_state()
    await reply(NOTICE_OF[current], **view(data, person), hint="buttons")


@router.message(private, Filing.place, not_command)
@router.message(private, Filing.describe, not_command)
@router.message(private, Filing.photos, not_command)
async def wrong_kind_of_message(
    message: Message, person: Person, reply: Replier, state: FSMContext
) -> None:
    """A sticker, file or location where words, a voice note or photos are expected."""
    data = await state.get_data()
    current = await state.get_state()
    hint = {
        Filing.place.state: "place",
        Filing.describe.state: "describe",
        Filing.photos.state: "photos",
    }.get(current, "")
    await reply(NOTICE_OF[current], **view(data, person), hint=hint)
