"""What the resident hears as their ticket moves: the notices services.tickets writes for them.

Every one carries (services.tickets.notify.tell_resident) ticket_id, number, kind, category,
status, assignee and reason, plus what the event adds. They are rendered here in the
reader's language, with the buttons that fit the moment (stars and Reopen when it is done).
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.tickets import labels
from handlers.tickets.pages import TicketAction, comment_invitation, rating_rows, ticket_button

CAPTION_MAX = 1000  # Telegram allows 1024 characters under a photo or voice note


def _what(_: Translator, data: dict[str, Any]) -> dict[str, str]:
    """The placeholders most ticket notices use."""
    kind = str(data.get("kind") or "repair")
    return {
        "what": labels.kind_name(_, kind),
        "number": str(data.get("number") or ""),
        "category": labels.category_name(_, kind, str(data.get("category") or "")),
    }


def _see_button(_: Translator, data: dict[str, Any]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [ticket_button(_("📋 See its progress"), TicketAction.show, int(data["ticket_id"]))]
        ]
    )


@notices.register("ticket.created")
def render_created(ctx: RenderContext) -> Rendered:
    """The receipt: the number, and what happens next."""
    _ = ctx._
    data = ctx.data
    values = _what(_, data)
    if data.get("kind") == "complaint":
        lines = [
            _("✅ We have received your complaint.", **values),
            _("Number: {number}", **values),
            values["category"],
            "",
            _(
                "What happens next: the property office will look into it and tell you "
                "here what they have done."
            ),
        ]
    else:
        lines = [
            _("✅ We have received your repair.", **values),
            _("Number: {number}", **values),
            values["category"],
            "",
            _(
                "What happens next: the property office will accept it shortly and send "
                "someone. You will get a message here at every step."
            ),
        ]
    if data.get("assignee"):
        lines.append(_("{assignee} will take care of it.", assignee=data["assignee"]))
    if data.get("duplicate"):
        lines.append(
            _(
                "(It looks the same as a report your home sent a little earlier; "
                "the office will handle them together.)"
            )
        )
    if data.get("urgent"):  # the office is on its way; until then, what to do at once
        lines += ["", *labels.safety_lines(_, data.get("category"))]
        if data.get("hotline"):
            lines.append(_("Property office hotline: {hotline}", hotline=data["hotline"]))
    lines += ["", _("To see it any time, tap “📋 My tickets”.")]
    return Rendered("\n".join(lines), _see_button(_, data))


@notices.register("ticket.accepted")
def render_accepted(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "👍 Your {what} {number} ({category}) has been accepted by the property office.",
            **_what(_, ctx.data),
        ),
        _see_button(_, ctx.data),
    )


@notices.register("ticket.assigned_to_someone")
def render_assigned(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    if data.get("assignee"):
        text = _(
            "👷 {assignee} will take care of your {what} {number} ({category}).",
            assignee=data["assignee"],
            **_what(_, data),
        )
    else:
        text = _("👷 Your {what} {number} has been passed to our staff.", **_what(_, data))
    return Rendered(text, _see_button(_, data))


@notices.register("ticket.started")
def render_started(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    text = _("🔧 Work on your {what} {number} has started.", **_what(_, data))
    if data.get("assignee"):
        text += "\n" + _("Handled by: {assignee}", assignee=data["assignee"])
    return Rendered(text, _see_button(_, data))


@notices.register("ticket.done")
def render_done(ctx: RenderContext) -> Rendered:
    """Finished: ask for stars, and offer Reopen if the problem is still there. Once rated
    (`chosen`: the stars), the stars chosen instead of the buttons."""
    _ = ctx._
    data = ctx.data
    tid = int(data["ticket_id"])
    done = _("✅ Your {what} {number} ({category}) is done.", **_what(_, data))
    if data.get("work_note"):
        done += "\n" + _("🛠 What was done: {note}", note=data["work_note"])
    photo = data.get("photo")  # of the finished work: the text goes under it
    if data.get("chosen"):
        text = f"{done}\n\n✓ {labels.stars_name(_, int(data['chosen']))}"
        return Rendered(labels.clip(text, CAPTION_MAX) if photo else text, photo=photo)
    text = (
        done
        + "\n\n"
        + _(
            "How satisfied are you? Tap the stars below. "
            "If the problem is not solved, tap “Not solved, reopen”."
        )
    )
    rows = [
        *rating_rows(_, tid, TicketAction.rate_done),
        [ticket_button(_("↩ Not solved, reopen"), TicketAction.reopen, tid)],
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=rows)
    if photo:
        return Rendered(labels.clip(text, CAPTION_MAX), markup, photo=photo)
    return Rendered(text, markup)


@notices.register("ticket.rejected")
def render_rejected(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    lines = [
        _("Sorry, the property office could not accept your {what} {number}.", **_what(_, data))
    ]
    if data.get("reason"):
        lines.append(_("Reason: {reason}", reason=data["reason"]))
    lines.append(_("If you have questions, please call the property office."))
    return Rendered("\n".join(lines))


@notices.register("ticket.cancelled")
def render_cancelled(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(_("✗ Your {what} {number} has been cancelled.", **_what(_, ctx.data)))


@notices.register("ticket.rated")
def render_rated(ctx: RenderContext) -> Rendered:
    """The thanks, and in the same message the invitation to add a few words when the chat
    takes them next (`ask_comment`)."""
    _ = ctx._
    thanks = _(
        "🙏 Thank you for your rating! Your {what} {number} is now closed.",
        **_what(_, ctx.data),
    )
    if not ctx.data.get("ask_comment"):
        return Rendered(thanks)
    question, markup = comment_invitation(_, ctx.data)
    return Rendered(f"{thanks}\n\n{question}", markup)


@notices.register("ticket.reopened")
def render_reopened(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "↩ Your {what} {number} has been reopened. The property office will look at it again.",
            **_what(_, ctx.data),
        ),
        _see_button(_, ctx.data),
    )


@notices.register("ticket.autoclosed")
def render_autoclosed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    text = _(
        "🔒 Your {what} {number} has been closed, as it was not rated in time. If the problem "
        "is back, tap “Reopen” within a few days, or report it again.",
        **_what(_, data),
    )
    rows = [[ticket_button(_("↩ Reopen"), TicketAction.reopen, int(data["ticket_id"]))]]
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("ticket.staff_message")
def render_staff_message(ctx: RenderContext) -> Rendered:
    """Staff wrote about the ticket: their words, with the first photo or voice note."""
    _ = ctx._
    data = ctx.data
    sender = data.get("staff") or _("The property office")
    text = _("💬 {sender} about your {what} {number}:", sender=sender, **_what(_, data))
    if data.get("text"):
        text += "\n\n" + str(data["text"])
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [ticket_button(_("💬 Reply"), TicketAction.message, int(data["ticket_id"]))]
        ]
    )
    media = [m for m in data.get("media") or [] if m.get("file_id")]
    photo = next((m["file_id"] for m in media if m.get("kind") == "photo"), None)
    voice = next((m["file_id"] for m in media if m.get("kind") == "voice"), None)
    if photo or voice:
        text = labels.clip(text, CAPTION_MAX)
        return Rendered(text, markup, photo=photo, voice=None if photo else voice)
    return Rendered(text, markup)
