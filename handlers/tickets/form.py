"""The report form: its states, its buttons' callback data, and its answers.

A form's answers are plain FSM data (kind, category, location, place, description, media as
Telegram file ids, urgency, visit_window, anonymous, and flags for steps done). The next
question is always the first one still unanswered (`next_state`), so an Edit button only has
to forget an answer. The questions as residents read them are in handlers/tickets/questions.py;
the handlers that move through the form are in handlers/tickets/filing.py.
"""

from __future__ import annotations

import enum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.i18n import N_
from models import TicketKind, Urgency
from services.identities import Person, address_of
from services.tickets import rules, visits
from services.tickets.filing import TicketDraft
from services.tickets.media import MediaIn

PLACE_MAX = rules.PLACE_MAX


class Filing(StatesGroup):
    category = State()
    where = State()
    place = State()  # typing where in a public area
    describe = State()
    photos = State()
    urgency = State()
    window = State()  # repairs only
    anonymous = State()  # complaints only
    summary = State()


class WizAction(enum.StrEnum):
    category = "c"
    where = "w"
    photos_done = "p"
    photos_clear = "x"
    urgency = "u"
    window = "v"
    anonymous = "a"
    submit = "s"
    edit = "e"
    cancel = "q"


class Step(enum.StrEnum):
    """What the summary's Edit buttons go back to."""

    category = "category"
    where = "where"
    describe = "describe"
    photos = "photos"
    urgency = "urgency"
    window = "window"
    anonymous = "anonymous"


class WizardCb(CallbackData, prefix="rtw"):
    action: WizAction
    value: str = ""


NOTICE_OF: dict[str | None, str] = {
    Filing.category.state: "ticket_form.ask_category",
    Filing.where.state: "ticket_form.ask_where",
    Filing.place.state: "ticket_form.ask_place",
    Filing.describe.state: "ticket_form.ask_describe",
    Filing.photos.state: "ticket_form.ask_photos",
    Filing.urgency.state: "ticket_form.ask_urgency",
    Filing.window.state: "ticket_form.ask_window",
    Filing.anonymous.state: "ticket_form.ask_anonymous",
    Filing.summary.state: "ticket_form.summary",
}

# Which answers an Edit button forgets, so that step is asked again.
FORGETS: dict[Step, tuple[str, ...]] = {
    Step.category: ("category",),
    Step.where: ("location", "place"),
    Step.describe: ("described",),
    Step.photos: ("photos_done",),
    Step.urgency: ("urgency",),
    Step.window: ("visit_window",),
    Step.anonymous: ("anonymous",),
}

HINTS = {
    "buttons": N_("🙏 Please tap one of the buttons below."),
    "place": N_("🙏 Please type a few words about the place."),
    "describe": N_("🙏 Please type what happened, or send a voice note."),
    "photos": N_("🙏 Please send photos here (not files or stickers), or tap a button below."),
}


# --- the form's data ---------------------------------------------------------------------------


def next_state(data: dict[str, Any]) -> State:
    """The first question still unanswered (the summary when none is left)."""
    kind = TicketKind(data["kind"])
    if data.get("category") not in rules.CATEGORIES[kind]:
        return Filing.category
    if data.get("location") not in ("home", "public"):
        return Filing.where
    if data["location"] == "public" and not data.get("place"):
        return Filing.place
    if not data.get("described"):
        return Filing.describe
    if not data.get("photos_done"):
        return Filing.photos
    if data.get("urgency") not in (Urgency.normal, Urgency.urgent):
        return Filing.urgency
    if asks_visit(data) and not visits.known(data.get("visit_window")):
        return Filing.window
    if kind == TicketKind.complaint and data.get("anonymous") is None:
        return Filing.anonymous
    return Filing.summary


def asks_visit(data: dict[str, Any]) -> bool:
    return rules.asks_visit(data["kind"], data.get("location"), data.get("urgency"))


def visit_shown(data: dict[str, Any]) -> str:
    """The visit time the summary shows ("" for none)."""
    return rules.visit_shown(
        data["kind"], data.get("location"), data.get("urgency"), data.get("visit_window")
    )


def count_of(data: dict[str, Any], kind: str) -> int:
    return sum(1 for m in data.get("media", []) if m["kind"] == kind)


def view(data: dict[str, Any], person: Person) -> dict[str, Any]:
    """What the prompts and the summary show (plain values, translated when rendered)."""
    category = data.get("category") or ""
    address = address_of(person.resident.household) if person.resident else {}
    return {
        **address,
        "kind": data["kind"],
        "category": category,
        "location": data.get("location") or "",
        "place": data.get("place") or "",
        "description": data.get("description") or "",
        "photos": count_of(data, "photo"),
        "voice": count_of(data, "voice"),
        "urgency": data.get("urgency") or "",
        "urgent_suggested": category in rules.URGENT_SUGGESTED or bool(data.get("urgent_hint")),
        "visit_window": data.get("visit_window") or "",
        "visit_choices": data.get("visit_choices") or [],  # set as the question is asked
        "visit_today": data.get("visit_today") or "",
        "anonymous": data.get("anonymous"),
        "max_photos": rules.MAX_PHOTOS,
    }


def draft_of(data: dict[str, Any]) -> TicketDraft:
    """The finished form as the service takes it."""
    kind = TicketKind(data["kind"])
    return TicketDraft(
        kind=kind,
        category=data["category"],
        description=data.get("description") or "",
        location=data["location"],
        place=data.get("place") if data["location"] == "public" else None,
        urgency=Urgency(data["urgency"]),
        visit_window=data.get("visit_window") if asks_visit(data) else None,
        anonymous=bool(data.get("anonymous")) and kind == TicketKind.complaint,
        media=[MediaIn(**m) for m in data.get("media", [])],
    )


def media_of(message: Message) -> dict[str, Any] | None:
    """A photo (largest size) or voice note as the form stores it."""
    if message.photo:
        photo = message.photo[-1]
        return {"kind": "photo", "file_id": photo.file_id, "file_unique_id": photo.file_unique_id}
    if message.voice:
        voice = message.voice
        return {
            "kind": "voice",
            "file_id": voice.file_id,
            "file_unique_id": voice.file_unique_id,
            "duration": voice.duration,
        }
    return None
