"""The staff side's router, button data, conversation states and names shown to staff."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.i18n import N_, Translator
from bot.routing import Routes
from core.clock import Clock
from handlers.ui import error_text
from services.errors import DomainError
from services.tickets.machine import Action

router = Routes()
in_group = F.chat.type.in_({"group", "supergroup"})
PROMPT_MINUTES = 15  # an unanswered "send the reason" question lapses after this long


# --- button data ---------------------------------------------------------------------------


class Act(enum.StrEnum):
    """What a ticket button does; the first six are the status machine's staff actions."""

    accept = "a"
    assign = "s"  # opens the picker of people to assign
    grab = "g"
    start = "t"
    finish = "f"
    reject = "r"
    back = "b"  # from the picker back to the actions
    photos = "p"  # send the ticket's photos here
    detail = "d"  # open the ticket with its history
    message = "m"  # write to the resident from private chat


ACTIONS = {
    Act.accept: Action.accept,
    Act.grab: Action.grab,
    Act.start: Action.start,
    Act.finish: Action.finish,
    Act.reject: Action.reject,
}


class View(enum.StrEnum):
    """Which message carried the button, so it can be redrawn the same way."""

    group = "g"  # the alert in a staff group (the services redraw it after every change)
    card = "c"  # the assignee's card in private chat
    detail = "d"  # a ticket opened from /queue


class TicketCb(CallbackData, prefix="tka"):
    action: Act
    ticket_id: int
    view: View = View.group


class AssignCb(CallbackData, prefix="tkp"):
    ticket_id: int
    staff_id: int
    view: View = View.group


class ReasonCb(CallbackData, prefix="tkx"):
    """Cancel the question "why reject?"."""

    ticket_id: int


class FinishStep(enum.StrEnum):
    done = "d"  # finish with the photos sent so far
    skip = "s"  # finish without photos


class FinishCb(CallbackData, prefix="tkf"):
    step: FinishStep
    ticket_id: int


class RelayCb(CallbackData, prefix="tkr"):
    """After a plain staff reply under an alert: send it to the resident, or keep it internal."""

    ticket_id: int
    send: bool


class QueueStep(enum.StrEnum):
    open = "o"
    more = "m"


class QueueCb(CallbackData, prefix="tkq"):
    step: QueueStep
    ticket_id: int  # the ticket to open, or the last one shown before "More"


# --- conversation states -------------------------------------------------------------------


class Rejecting(StatesGroup):
    reason = State()  # data: ticket_id, number, view, asked_at, prompt (ref key)


class WriteCb(CallbackData, prefix="tkw"):
    """Cancel the question "what shall I tell the resident?"."""

    ticket_id: int


class Finishing(StatesGroup):
    photos = State()  # data: ticket_id, number, photos [[file_id, unique_id]], note, prompt


class Writing(StatesGroup):
    words = State()  # data: ticket_id, number, view, source, prompt, asked_at


class FreshPrompt(Filter):
    """The person's open question was asked recently; an old one lapses and is forgotten."""

    async def __call__(self, message: Message, state: FSMContext, clock: Clock) -> bool:
        data = await state.get_data()
        asked = data.get("asked_at")
        if asked and (clock.now() - datetime.fromisoformat(asked)).total_seconds() < (
            PROMPT_MINUTES * 60
        ):
            return True
        await state.clear()
        return False


# --- names staff read ----------------------------------------------------------------------

KIND_NAMES = {"repair": N_("Repair"), "complaint": N_("Complaint")}
STATUS_NAMES = {
    "new": N_("🆕 New"),
    "accepted": N_("✓ Accepted"),
    "assigned": N_("👷 Assigned"),
    "in_progress": N_("🔧 In progress"),
    "done": N_("✅ Finished"),
    "closed": N_("🔒 Closed"),
    "rejected": N_("✗ Rejected"),
    "cancelled": N_("🚫 Cancelled"),
    "reopened": N_("↩️ Reopened"),
}
BUTTONS = {
    Act.accept: N_("✓ Accept"),
    Act.assign: N_("👷 Assign to…"),
    Act.grab: N_("🙋 Grab it"),
    Act.start: N_("🔧 Start work"),
    Act.finish: N_("✅ Work done"),
    Act.reject: N_("✗ Reject"),
}
PRESSED = {
    Act.accept: N_("Accepted."),
    Act.grab: N_("It is yours now."),
    Act.start: N_("Work started."),
    Act.finish: N_("Marked as done."),
}


def name_of(_: Translator, names: dict[str, str], value: str) -> str:
    """A translated name, or the raw value when we have no name for it."""
    return _(names[value]) if value in names else value


# Refusals worded for staff where the residents' wording (handlers/ui.py) would mislead.
STAFF_ERRORS = {
    "ticket.illegal": N_("{number} is now “{status}”, so this button no longer applies."),
    "ticket.not_allowed": N_("Sorry, this ticket is outside your area or your role."),
    "ticket.missing": N_("That ticket no longer exists."),
}


def refusal(_: Translator, exc: DomainError) -> str:
    """The service's refusal as staff read it (statuses named, not coded)."""
    data: dict[str, Any] = dict(exc.data)
    if "status" in data:
        data["status"] = name_of(_, STATUS_NAMES, str(data["status"]))
    template = STAFF_ERRORS.get(exc.key)
    if template is not None:
        text = _(template, **{k: v for k, v in data.items() if isinstance(v, str | int)})
    else:
        text = error_text(_, exc.key, data)
    return text[:200]  # answerCallbackQuery takes 200 characters


STAFF_ROLE_NAMES = {
    "admin": N_("administrator"),
    "manager": N_("manager"),
    "dispatcher": N_("dispatcher"),
    "steward": N_("steward"),
    "technician": N_("technician"),
    "grid_worker": N_("grid worker"),
    "committee": N_("owners' committee"),
}
