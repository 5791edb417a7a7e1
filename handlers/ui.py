"""Pieces every feature's handlers share: the person's kind, menu buttons, the error notice."""

from __future__ import annotations

import functools
from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup

from bot.i18n import LOCALES, N_, Catalogue, Translator, bare_label
from bot.notices import RenderContext, Rendered, notices
from services.identities import Person

# Main-menu buttons. Pressing one sends its text, so handlers match every language's text.
# Filters most handlers share.
private = F.chat.type == "private"
not_command = ~F.text.startswith("/")  # also true for photos, voice notes, stickers…
typed = F.text & not_command  # words, not a command typed mid-conversation
MAX_ID = 2**63 - 1  # callback data is user input: ids beyond a BIGINT are not ours

BTN_HOME = N_("🏠 My home")
BTN_NOTICES = N_("📢 Notices")
BTN_REPAIR = N_("🔧 Repair")
BTN_COMPLAINT = N_("📣 Complaint")
BTN_TICKETS = N_("📋 My tickets")
BTN_LANGUAGE = N_("🌐 Language")
BTN_HELP = N_("❓ Help")
BTN_SHARE_PHONE = N_("📱 Share my phone number")
BTN_ENTER_CODE = N_("🔑 I have a binding code")
BTN_QUEUE = N_("🗂 Open tickets")  # staff: /queue
BTN_BROADCAST = N_("📢 New announcement")  # managers: /broadcast

ROLE_NAMES = {"owner": N_("owner"), "family": N_("family member"), "tenant": N_("tenant")}
# Whole phrases per role, because English needs the article the role takes.
ROLE_CLAIMS = {
    "owner": N_("I am the owner"),
    "family": N_("I am a family member"),
    "tenant": N_("I am a tenant"),
}
ROLE_AS = {
    "owner": N_("as the owner"),
    "family": N_("as a family member"),
    "tenant": N_("as a tenant"),
}


def kind_of(person: Person | None) -> str:
    """Which menu the person gets (services.identities.Person.kind; 'guest' for nobody)."""
    return "guest" if person is None else person.kind


@functools.lru_cache(maxsize=32)
def menu_keyboard(_: Translator, kind: str) -> ReplyKeyboardMarkup:
    """Big buttons under the input box: the things this person can do now.

    Built once per language and kind of person (aiogram's types are frozen, so one object
    serves every message): nearly every reply carries it, and building its dozen pydantic
    models was a tenth of the sender's work per message."""
    if kind == "guest":
        rows = [
            [KeyboardButton(text=_(BTN_SHARE_PHONE), request_contact=True)],
            [KeyboardButton(text=_(BTN_ENTER_CODE)), KeyboardButton(text=_(BTN_HELP))],
            [KeyboardButton(text=_(BTN_LANGUAGE))],
        ]
    elif kind == "resident":
        rows = [
            [KeyboardButton(text=_(BTN_REPAIR)), KeyboardButton(text=_(BTN_COMPLAINT))],
            [KeyboardButton(text=_(BTN_TICKETS)), KeyboardButton(text=_(BTN_NOTICES))],
            [KeyboardButton(text=_(BTN_HOME)), KeyboardButton(text=_(BTN_HELP))],
            [KeyboardButton(text=_(BTN_LANGUAGE))],
        ]
    else:  # staff: their queue, and for managers announcements
        work = [KeyboardButton(text=_(BTN_QUEUE))]
        if kind == "manager":
            work.append(KeyboardButton(text=_(BTN_BROADCAST)))
        rows = [work, [KeyboardButton(text=_(BTN_LANGUAGE)), KeyboardButton(text=_(BTN_HELP))]]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


MENU_KINDS = ("guest", "resident", "staff", "manager")

# The commands Telegram lists (bot/app.py publishes them), in the order shown.
COMMANDS = (
    ("menu", N_("Main menu")),
    ("repair", N_("Report something that needs repairing")),
    ("complaint", N_("Make a complaint to the property office")),
    ("tickets", N_("My repairs and complaints")),
    ("home", N_("My home and its members")),
    ("notices", N_("Announcements from the property office")),
    ("broadcast", N_("Send an announcement (managers)")),
    ("queue", N_("Open tickets in my area (staff)")),
    ("lang", N_("Change language")),
    ("help", N_("How to use Linli")),
    ("cancel", N_("Stop what you are doing")),
)
# Pressed in the middle of a form, these answer and let it go on (handlers/leaving.py); every
# other menu button and listed command leaves the form first. (/cancel leaves with its own
# words.)
KEEP_THE_FORM = (BTN_HELP, BTN_LANGUAGE)
KEEP_THE_FORM_COMMANDS = frozenset({"help", "lang", "cancel"})


def leaving_labels(catalogue: Catalogue) -> frozenset[str]:
    """The text of every main-menu button that leaves a form, in every language: read off the
    keyboards themselves, so a button added to the menu leaves forms too. (The phone button
    sends a contact, not its text.)"""
    kept = {variant for button in KEEP_THE_FORM for variant in catalogue.variants(button)}
    return frozenset(
        button.text
        for locale in LOCALES
        for kind in MENU_KINDS
        for row in menu_keyboard(catalogue.get(locale), kind).keyboard
        for button in row
        if not button.request_contact and button.text not in kept
    )


# /start and every listed command but those that keep the form.
LEAVING_COMMANDS = frozenset({"start", *(name for name, _d in COMMANDS)} - KEEP_THE_FORM_COMMANDS)


def address_text(_: Translator, data: dict[str, Any]) -> str:
    """'金采小区 3栋 2单元 301' (unit left out when the building has none)."""
    parts = [
        data.get("community", ""),
        data.get("building", ""),
        data.get("unit", ""),
        data.get("room", ""),
    ]
    return " ".join(p for p in parts if p)


LONGEST_LABEL = 40  # characters; longer text is no button, and is not worked over as one


class Button(Filter):
    """Matches a main-menu button press in any language, or its words typed ("我的家")."""

    def __init__(self, message: str) -> None:
        self.message = message

    async def __call__(self, message: Message, catalogue: Catalogue) -> bool:
        return self.matches(message, catalogue)

    def matches(self, message: Message, catalogue: Catalogue) -> bool:
        text = message.text
        if text is None:
            return False
        return text in catalogue.variants(self.message) or typed_label(
            text
        ) in catalogue.bare_variants(self.message)


def typed_label(text: str) -> str | None:
    """A button's label as typed by hand (`bare_label`); None for text too long to be one."""
    return bare_label(text) if len(text) <= LONGEST_LABEL else None


# Domain refusals (services.errors.DomainError keys) as people read them.
ERRORS: dict[str, str] = {
    "binding.code_wrong": N_(
        "That binding code is not right. Please check it and try again "
        "(tries left this hour: {left})."
    ),
    "binding.code_replaced": N_(
        "That binding code has been replaced by a new one. Please ask the home's owner or the "
        "property office for the new code (tries left this hour: {left})."
    ),
    "binding.code_locked": N_(
        "Too many wrong codes. For your safety, code entry is paused; "
        "please try again in {minutes} minutes, or share your phone number."
    ),
    "binding.code_expired": N_(
        "This binding code has been replaced by a new one. Please ask "
        "the property office or the owner for the current code."
    ),
    "binding.owner_taken": N_(
        "This home already has an owner in Linli. Please choose family "
        "member or tenant, or contact the property office."
    ),
    "binding.already_member": N_(
        "You are already a member of {community} {building} {unit} {room}."
    ),
    "binding.household_missing": N_("That home no longer exists. Please start again with /start."),
    "binding.request_missing": N_("That request no longer exists."),
    "binding.request_closed": N_("This request has already been handled."),
    "staff.not_allowed": N_("Sorry, your role does not allow this."),
    "household.remove_not_allowed": N_("Only the home's owner can remove its members."),
    "household.already_removed": N_("That person is no longer a member."),
    "household.not_owner": N_("Only the home's owner can give it a new binding code."),
    "household.not_yours": N_("That home is not one of yours."),
    "broadcast.title_length": N_("The title must be 1 to {max} characters long."),
    "broadcast.body_length": N_("The text must be 1 to {max} characters long."),
    "broadcast.template_fields": N_("Some details of the announcement are still missing."),
    "broadcast.send_in_past": N_("That time has already passed. Please choose a later time."),
    "broadcast.expires_before_send": N_(
        "The announcement would expire before it is sent. Please choose a later expiry."
    ),
    "broadcast.unknown_template": N_("That kind of announcement no longer exists."),
    "broadcast.missing": N_("That announcement no longer exists."),
    "broadcast.not_cancellable": N_(
        "This announcement has already been sent or cancelled, so it cannot be cancelled."
    ),
    "broadcast.not_a_recipient": N_("This announcement was not sent to you."),
    "ticket.bad_category": N_("Please choose one of the kinds of problem on the buttons."),
    "ticket.empty": N_(
        "Please tell us what happened: type a few words, or send a photo or a voice note."
    ),
    "ticket.too_long": N_("That is too long. Please keep it under {max} characters."),
    "ticket.too_many_photos": N_("You can send at most {max} photos; that one was not added."),
    "ticket.too_many_voice": N_("You can send at most {max} voice note; that one was not added."),
    "ticket.place_needed": N_("Please tell us where the problem is."),
    "ticket.bad_visit_window": N_(
        "That visit time has passed. Please tap “✏️ Visit time” and choose another."
    ),
    "ticket.anonymous_complaints_only": N_("Only complaints can be sent anonymously."),
    "ticket.no_household": N_("Reports are filed for a home. Please join your home first."),
    "ticket.daily_limit": N_(
        "Your home has sent {max} reports in the last day, the most we take. "
        "If it is urgent, please call the property office."
    ),
    "ticket.not_allowed": N_(
        "Sorry, this report is not one of yours, so you cannot see or change it."
    ),
    "ticket.illegal": N_(
        "{number} has moved on in the meantime, so this can no longer be done. "
        "Tap “📋 My tickets” to see where it stands."
    ),
    "ticket.bad_assignee": N_("That person cannot take this job. Please choose someone else."),
    "ticket.reason_needed": N_("Please give a reason."),
    "ticket.work_note_too_long": N_(
        "That is too long to send: please say what was done in at most {limit} characters."
    ),
    "ticket.bad_rating": N_("Please choose from 1 to 5 stars."),
    "ticket.reopen_too_late": N_(
        "It is more than {days} days since the work was done, so it cannot be reopened. "
        "Please report the problem again."
    ),
    "ticket.missing": N_("That report no longer exists."),
    "ticket.closed": N_(
        "{number} is closed, so nothing more can be added. Please report it again if needed."
    ),
}


@notices.register("error")
def render_error(ctx: RenderContext) -> Rendered:
    data = dict(ctx.data)
    key = data.pop("key", "")
    return Rendered(error_text(ctx._, key, data))


def error_text(_: Translator, key: str, data: dict[str, Any]) -> str:
    template = ERRORS.get(key)
    if template is None:
        return _("Sorry, something went wrong. Please try again.")
    return _(template, **{k: v for k, v in data.items() if isinstance(v, str | int)})
