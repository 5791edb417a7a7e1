"""The report form's questions as residents read them: each step's text and buttons, the
summary before sending, and the form's other notices. The form's states and answers are in
handlers/tickets/form.py; the handlers that move through it in handlers/tickets/filing.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.tickets import labels
from handlers.tickets.form import (
    HINTS,
    Step,
    WizAction,
    WizardCb,
    asks_visit,
    visit_shown,
)
from handlers.ui import (
    address_text,
    menu_keyboard,
)
from models import TicketKind
from services.tickets import rules, visits

# --- keyboards -------------------------------------------------------------------------------


def _button(text: str, action: WizAction, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=WizardCb(action=action, value=value).pack()
    )


def _cancel_row(_: Translator) -> list[InlineKeyboardButton]:
    return [_button(_("✗ Cancel"), WizAction.cancel)]


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _answered(question: str, answer: str) -> Rendered:
    """A question already answered: the answer under it, no buttons left to press."""
    return Rendered(f"{question}\n\n✓ {answer}")


def _with_hint(_: Translator, data: dict[str, Any], text: str) -> str:
    hint = HINTS.get(data.get("hint") or "")
    return f"{_(hint)}\n\n{text}" if hint else text


# --- renderers -------------------------------------------------------------------------------


@notices.register("ticket_form.ask_category")
def render_ask_category(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    kind = data["kind"]
    if kind == "repair":
        question = _("🔧 Report a repair\n\nWhat needs repairing? Tap one:")
    else:
        question = _("📣 Make a complaint\n\nWhat is it about? Tap one:")
    if data.get("chosen"):
        return _answered(question, labels.category_name(_, kind, data["chosen"]))
    buttons = [
        _button(labels.category_name(_, kind, c), WizAction.category, c)
        for c in rules.CATEGORIES[TicketKind(kind)]
    ]
    rows = _pairs(buttons) if kind == "repair" else [[b] for b in buttons]
    text = question + "\n\n" + _("You can stop at any time with /cancel.")
    return Rendered(_with_hint(_, data, text), _markup([*rows, _cancel_row(_)]))


@notices.register("ticket_form.ask_where")
def render_ask_where(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question = _("Where is the problem?")
    home = _("🏠 In my home")
    public = _("🏢 In a public place (stairwell, lift, garden…)")
    if data.get("chosen"):
        return _answered(question, home if data["chosen"] == "home" else public)
    rows = [
        [_button(home, WizAction.where, "home")],
        [_button(public, WizAction.where, "public")],
        _cancel_row(_),
    ]
    return Rendered(_with_hint(_, data, question), _markup(rows))


@notices.register("ticket_form.ask_place")
def render_ask_place(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _(
        "Where exactly? Please type it in a few words, for example: "
        "“2单元 stairwell, 4th floor” or “the gate by the car park”."
    )
    return Rendered(_with_hint(_, ctx.data, text), _markup([_cancel_row(_)]))


@notices.register("ticket_form.ask_describe")
def render_ask_describe(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _("What happened? Type it in a few words, or send a voice note 🎤.")
    return Rendered(_with_hint(_, ctx.data, text), _markup([_cancel_row(_)]))


@notices.register("ticket_form.ask_photos")
def render_ask_photos(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    photos = int(data.get("photos") or 0)
    if photos:
        text = _(
            "📷 You have sent {count} of at most {max} photos. Send more, or tap “Done”.",
            count=photos,
            max=data["max_photos"],
        )
        rows = [
            [_button(_("✓ Done"), WizAction.photos_done)],
            [_button(_("🗑 Remove the photos"), WizAction.photos_clear)],
        ]
    else:
        text = _(
            "📷 Photos help the staff see the problem. Send up to {max} photos now, "
            "then tap “Done”. No photos? Tap “No photos”.",
            max=data["max_photos"],
        )
        rows = [[_button(_("➡ No photos"), WizAction.photos_done)]]
    text += "\n" + _("You can also add more words or a voice note here.")
    return Rendered(_with_hint(_, data, text), _markup([*rows, _cancel_row(_)]))


@notices.register("ticket_form.added")
def render_added(ctx: RenderContext) -> Rendered:
    """A photo, voice note or more words received during the form."""
    _ = ctx._
    data = ctx.data
    what = data.get("what")
    if what == "photo":
        text = _(
            "📷 Photo {count} of {max} received.", count=data["photos"], max=data["max_photos"]
        )
    elif what == "voice":
        text = _("🎤 Voice note received.")
    else:
        text = _("✓ Added to the description.")
    if data.get("step") == "describe":  # a photo sent before saying what happened
        text += "\n" + _("Now please type what happened, or send a voice note.")
        return Rendered(text)
    if int(data.get("photos") or 0) >= int(data["max_photos"]):
        text += "\n" + _("That is as many photos as we can take. Tap “Done” to go on.")
    else:
        text += "\n" + _("Send more, or tap “Done”.")
    return Rendered(text, _markup([[_button(_("✓ Done"), WizAction.photos_done)]]))


@notices.register("ticket_form.ask_urgency")
def render_ask_urgency(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question = _("How urgent is it?")
    normal, urgent = (
        labels.urgency_name(_, "normal"),
        labels.urgency_name(_, "urgent"),
    )
    if data.get("chosen"):
        return _answered(question, urgent if data["chosen"] == "urgent" else normal)
    lines = [
        question,
        _(
            "Urgent means danger to people or property, such as a gas smell, a flood, "
            "sparks, or someone stuck in a lift."
        ),
    ]
    if data.get("urgent_suggested"):
        if data.get("category") in rules.URGENT_SUGGESTED:
            lines.append(_("⚠️ Gas and lift problems can be dangerous, so we suggest “Urgent”."))
        else:
            lines.append(_("⚠️ This sounds dangerous, so we suggest “Urgent”."))
        rows = [
            [_button(_("{urgent} (suggested)", urgent=urgent), WizAction.urgency, "urgent")],
            [_button(normal, WizAction.urgency, "normal")],
        ]
    else:
        rows = [
            [_button(normal, WizAction.urgency, "normal")],
            [_button(urgent, WizAction.urgency, "urgent")],
        ]
    steps = labels.SAFETY_STEPS.get(data.get("category") or "")
    if steps and data.get("urgent_suggested"):  # what to do at once, whatever the answer
        lines.append(_(steps))
    return Rendered(_with_hint(_, data, "\n\n".join(lines)), _markup([*rows, _cancel_row(_)]))


@notices.register("ticket_form.ask_window")
def render_ask_window(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question = _("When would a visit suit you best?")
    if data.get("chosen"):
        return _answered(question, labels.window_name(_, data["chosen"]))
    today = date.fromisoformat(data["visit_today"]) if data.get("visit_today") else None
    buttons = [
        _button(labels.visit_choice(_, code, today), WizAction.window, code)
        for code in data.get("visit_choices") or [visits.ANY]
    ]
    return Rendered(_with_hint(_, data, question), _markup([*_pairs(buttons), _cancel_row(_)]))


@notices.register("ticket_form.ask_anonymous")
def render_ask_anonymous(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question = _("Stay anonymous to staff?")
    yes, no = _("🙈 Yes, stay anonymous"), _("🙂 No, they may see my name")
    if data.get("chosen"):
        return _answered(question, yes if data["chosen"] == "1" else no)
    text = (
        question
        + "\n\n"
        + _(
            "If you choose yes, staff will not see your name or your room number. "
            "You will still get every update here."
        )
    )
    rows = [
        [_button(yes, WizAction.anonymous, "1")],
        [_button(no, WizAction.anonymous, "0")],
        _cancel_row(_),
    ]
    return Rendered(_with_hint(_, data, text), _markup(rows))


def summary_text(_: Translator, data: dict[str, Any]) -> str:
    """The form as it stands, one line per answer."""
    kind = data["kind"]
    if kind == "repair":
        lines = [_("Please check your repair:"), ""]
    else:
        lines = [_("Please check your complaint:"), ""]
    lines.append(_("Type: {category}", category=labels.category_name(_, kind, data["category"])))
    if data.get("location") == "public":
        lines.append(_("Where: public place – {place}", place=data.get("place") or "—"))
    else:
        lines.append(_("Where: my home ({address})", address=address_text(_, data)))
    description = data.get("description") or "—"
    lines.append(_("What happened: {description}", description=description))
    if data.get("voice"):
        lines.append(_("🎤 With a voice note"))
    lines.append(_("Photos: {count}", count=int(data.get("photos") or 0)))
    lines.append(_("Urgency: {urgency}", urgency=labels.urgency_name(_, data["urgency"])))
    visit = visit_shown(data)
    if visit:
        lines.append(_("Visit: {window}", window=labels.window_name(_, visit)))
    elif kind == "complaint":
        lines.append(
            _("Anonymous to staff: yes") if data.get("anonymous") else _("Anonymous to staff: no")
        )
    return "\n".join(lines)


@notices.register("ticket_form.summary")
def render_summary(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    text = summary_text(_, data)
    closed = data.get("closed")
    if closed == "submitted":
        return Rendered(text + "\n\n✓ " + _("Sent"))
    if closed == "editing":
        return Rendered(text + "\n\n✏️ " + _("Changing…"))
    text += "\n\n" + _("Is everything right? Tap “Submit”, or tap an item to change it.")
    edits = [
        _button(_("✏️ Type"), WizAction.edit, Step.category),
        _button(_("✏️ Where"), WizAction.edit, Step.where),
        _button(_("✏️ What happened"), WizAction.edit, Step.describe),
        _button(_("✏️ Photos"), WizAction.edit, Step.photos),
        _button(_("✏️ Urgency"), WizAction.edit, Step.urgency),
    ]
    if asks_visit(data):
        edits.append(_button(_("✏️ Visit time"), WizAction.edit, Step.window))
    elif data["kind"] == "complaint":
        edits.append(_button(_("✏️ Anonymous"), WizAction.edit, Step.anonymous))
    rows = [[_button(_("✅ Submit"), WizAction.submit)], *_pairs(edits), _cancel_row(_)]
    return Rendered(_with_hint(_, data, text), _markup(rows))


@notices.register("ticket_form.cancelled")
def render_form_cancelled(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("✗ Cancelled. Nothing was sent."))


@notices.register("ticket_form.need_home")
def render_need_home(ctx: RenderContext) -> Rendered:
    _ = ctx._
    kind = ctx.data.get("kind", "guest")
    return Rendered(
        _(
            "Reports are filed for a home. Please join your home first: type your binding "
            "code or tap “Share my phone number”."
        )
        if kind == "guest"
        else _("Only residents linked to a home can do this."),
        menu_keyboard(_, kind),
    )


@notices.register("ticket_form.photos_closed")
def render_photos_closed(ctx: RenderContext) -> Rendered:
    """The photo prompt or receipt once the person moved on."""
    _ = ctx._
    return Rendered(_("📷 Photos: {count}", count=int(ctx.data.get("photos") or 0)) + " ✓")
