"""What /tickets shows: the household's list, a ticket's page, and the buttons on a ticket.

The buttons name a ticket id (user input: the handlers in handlers/tickets/mine.py let the
services check who may press them). The page's data is built here from the service's
TicketPage; internal staff notes never reach it.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from aiogram import F
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from core.settings import Settings
from handlers.tickets import labels
from handlers.ui import MAX_ID
from models import CLOSED_TO_MESSAGES, Ticket
from services.households import estate_zone
from services.tickets import rules
from services.tickets.machine import Action, next_status
from services.tickets.queries import TicketPage

PER_PAGE = 5
HISTORY_SHOWN = 15  # the latest events on a ticket's page; older ones are summarised
NOTE_SHOWN = 100  # characters of a message or reason quoted in the history


class ListCb(CallbackData, prefix="rtl"):
    before: int = 0  # show tickets older than this id; 0 = the newest


class TicketAction(enum.StrEnum):
    show = "s"
    ask_cancel = "c"
    cancel = "x"
    keep = "k"
    rate = "r"  # stars on the ticket's page
    rate_done = "R"  # stars under the "it is done" notice
    skip_comment = "n"
    reopen = "o"
    message = "m"
    done = "d"  # stop adding messages


class TicketCb(CallbackData, prefix="rt"):
    action: TicketAction
    ticket_id: int
    stars: int = 0


ok_id = F.ticket_id.func(lambda v: 0 < v <= MAX_ID)
ok_before = F.before.func(lambda v: 0 <= v <= MAX_ID)


def ticket_button(
    text: str, action: TicketAction, ticket_id: int, stars: int = 0
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=TicketCb(action=action, ticket_id=ticket_id, stars=stars).pack(),
    )


def rating_rows(
    _: Translator, ticket_id: int, action: TicketAction = TicketAction.rate
) -> list[list[InlineKeyboardButton]]:
    """Five big star buttons, best first (`action` says which message they are under)."""
    return [
        [ticket_button(labels.stars_name(_, n), action, ticket_id, n)] for n in range(5, 0, -1)
    ]


# --- renderers -------------------------------------------------------------------------------


@notices.register("my_tickets.list")
def render_list(ctx: RenderContext) -> Rendered:
    """A page of the household's tickets, newest first."""
    _ = ctx._
    data = ctx.data
    lines = [_("📋 Your home's repairs and complaints:"), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for item in data["items"]:
        category = labels.category_name(_, item["kind"], item["category"])
        lines.append(f"{item['number']} · {category}")
        lines.append(f"    {labels.status_name(_, item['status'])} · {item['date']}")
        rows.append(
            [
                ticket_button(
                    f"{item['number']} · {labels.short(category, 24)}",
                    TicketAction.show,
                    item["id"],
                )
            ]
        )
    lines += ["", _("Tap one to see its progress.")]
    nav = []
    if data.get("before"):
        nav.append(InlineKeyboardButton(text=_("◀ Newest"), callback_data=ListCb(before=0).pack()))
    if data.get("older"):
        nav.append(
            InlineKeyboardButton(
                text=_("Older ▶"), callback_data=ListCb(before=data["older"]).pack()
            )
        )
    if nav:
        rows.append(nav)
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("my_tickets.list_empty")
def render_list_empty(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "Your home has no repairs or complaints yet. "
            "Tap “🔧 Repair” or “📣 Complaint” below to report one."
        )
    )


def _history_line(_: Translator, event: dict[str, Any]) -> str:
    if event["action"] == "message":
        name = _("💬 You wrote") if event["by"] == "resident" else _("💬 Staff wrote")
    else:
        name = labels.event_name(_, event)
    line = f"{event['at']}  {name}"
    if event.get("note"):
        line += f": {event['note']}"
    return line


@notices.register("my_tickets.page")
def render_page(ctx: RenderContext) -> Rendered:
    """One ticket: what was reported, its status, its history and the buttons for now."""
    _ = ctx._
    data = ctx.data
    kind, tid = data["kind"], data["ticket_id"]
    lines = [
        f"{data['number']} · {labels.category_name(_, kind, data['category'])}",
        _("Status: {status}", status=labels.status_name(_, data["status"])),
        _("Reported: {date}", date=data["created"]),
    ]
    if data.get("place"):
        lines.append(_("Where: public place – {place}", place=data["place"]))
    if data.get("description"):
        lines.append(_("What happened: {description}", description=data["description"]))
    if data.get("photos"):
        lines.append(_("Photos: {count}", count=data["photos"]))
    if data.get("urgency") == "urgent":
        lines.append(labels.urgency_name(_, "urgent"))
    if kind == "repair" and data.get("visit_window"):
        lines.append(_("Visit: {window}", window=labels.window_name(_, data["visit_window"])))
    if data.get("anonymous"):
        lines.append(_("Anonymous to staff: yes"))
    if data.get("reason"):
        lines.append(_("Reason: {reason}", reason=data["reason"]))
    if data.get("rating"):
        lines.append(_("Your rating: {stars}", stars="⭐" * int(data["rating"])))
    lines += ["", _("History:")]
    if data.get("earlier"):
        lines.append(_("… earlier steps: {count}", count=data["earlier"]))
    lines += [_history_line(_, e) for e in data["events"]]
    rows: list[list[InlineKeyboardButton]] = []
    if data.get("can_rate"):
        lines += ["", _("Are you satisfied? Tap the stars.")]
        rows += rating_rows(_, tid)
    if data.get("can_reopen"):
        rows.append([ticket_button(_("↩ Not solved, reopen"), TicketAction.reopen, tid)])
    if data.get("can_message"):
        rows.append([ticket_button(_("💬 Add a message or photo"), TicketAction.message, tid)])
    if data.get("can_cancel"):
        rows.append([ticket_button(_("✗ Cancel this report"), TicketAction.ask_cancel, tid)])
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


@notices.register("my_tickets.confirm_cancel")
def render_confirm_cancel(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question = _(
        "Cancel your {what} {number}? Staff will stop working on it.",
        what=labels.kind_name(_, data["kind"]),
        number=data["number"],
    )
    chosen = data.get("chosen")
    if chosen:
        answer = _("Yes, cancel it") if chosen == "cancel" else _("No, keep it")
        return Rendered(f"{question}\n\n✓ {answer}")
    tid = data["ticket_id"]
    rows = [
        [ticket_button(_("Yes, cancel it"), TicketAction.cancel, tid)],
        [ticket_button(_("No, keep it"), TicketAction.keep, tid)],
    ]
    return Rendered(question, InlineKeyboardMarkup(inline_keyboard=rows))


def comment_invitation(
    _: Translator, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The invitation to add a few words after the stars, with its Skip button (a tick once
    answered). `data`: ticket_id, number, stars, and `chosen` once answered."""
    question = _(
        "You chose {stars} for {number}. Would you like to add a few words? "
        "Type them now, or tap “Skip”.",
        stars=labels.stars_name(_, int(data["stars"])),
        number=data["number"],
    )
    if data.get("chosen"):
        return question + "\n\n✓", None
    rows = [
        [
            ticket_button(
                _("Skip"), TicketAction.skip_comment, data["ticket_id"], int(data["stars"])
            )
        ]
    ]
    return question, InlineKeyboardMarkup(inline_keyboard=rows)


@notices.register("my_tickets.comment_saved")
def render_comment_saved(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "Thank you. Your words on {number} have been passed to the property office.",
            number=ctx.data["number"],
        )
    )


@notices.register("my_tickets.ask_message")
def render_ask_message(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    if data.get("reopened"):
        text = _(
            "Please tell us what is still wrong with {number}: type it, or send a photo "
            "or a voice note. Tap “Done” when you have finished.",
            number=data["number"],
        )
    else:
        text = _(
            "Type your message about {number}, or send a photo or a voice note. It goes to "
            "the property office. Tap “Done” when you have finished.",
            number=data["number"],
        )
    if data.get("chosen"):
        return Rendered(text + "\n\n✓")
    rows = [[ticket_button(_("✓ Done"), TicketAction.done, data["ticket_id"])]]
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("my_tickets.message_sent")
def render_message_sent(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    rows = [[ticket_button(_("✓ Done"), TicketAction.done, data["ticket_id"])]]
    return Rendered(
        _(
            "✓ Sent to the property office with {number}. Send more, or tap “Done”.",
            number=data["number"],
        ),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@notices.register("my_tickets.following_done")
def render_following_done(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("✓ Done."))


@notices.register("my_tickets.follow_hint")
def render_follow_hint(ctx: RenderContext) -> Rendered:
    _ = ctx._
    if ctx.data.get("rating"):
        return Rendered(_("🙏 Please type a few words, or tap “Skip” above."))
    return Rendered(_("🙏 Please send words, a photo or a voice note, or tap “Done” above."))


# --- reading ---------------------------------------------------------------------------------


def may_reopen(ticket: Ticket, now: datetime, settings: Settings) -> bool:
    """Whether a Reopen button is worth showing (the service decides when pressed)."""
    if next_status(ticket.status, Action.reopen) is None:
        return False
    done_at = ticket.done_at or ticket.updated_at
    return now - done_at <= timedelta(days=settings.tickets.reopen_days)


def page_data(page: TicketPage, now: datetime, settings: Settings) -> dict[str, Any]:
    """What the ticket's page shows; internal staff notes never leave here."""
    ticket = page.ticket
    zone = estate_zone(
        ticket.household.building.community if ticket.household else None, settings.zone
    )
    events = [
        {
            "at": labels.when(e.at, zone),
            "action": e.action,
            "to_status": e.to_status,
            "by": e.actor_kind,
            "note": labels.short(e.note, NOTE_SHOWN)
            if e.note and e.action in ("message", "reject", "finish", "rate", "reopen")
            else "",
        }
        for e in page.events
        if not e.internal and e.action != "escalate"
    ]
    shown = events[-HISTORY_SHOWN:]
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "kind": ticket.kind.value,
        "category": ticket.category,
        "status": ticket.status.value,
        "urgency": ticket.urgency.value,
        "created": labels.when(ticket.created_at, zone),
        "place": (ticket.place or "") if ticket.location == "public" else "",
        "description": labels.short(ticket.description, 500),
        "photos": sum(1 for m in page.media if m.kind == "photo" and m.by == "resident"),
        "visit_window": rules.visit_shown(
            ticket.kind, ticket.location, ticket.urgency, ticket.visit_window
        ),
        "anonymous": ticket.anonymous,
        "reason": ticket.reject_reason or "",
        "rating": ticket.rating,
        "events": shown,
        "earlier": len(events) - len(shown),
        "can_cancel": next_status(ticket.status, Action.cancel) is not None,
        "can_rate": next_status(ticket.status, Action.rate) is not None,
        "can_reopen": may_reopen(ticket, now, settings),
        "can_message": ticket.status not in CLOSED_TO_MESSAGES,
    }


def brief(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "kind": ticket.kind.value,
        "category": ticket.category,
        "status": ticket.status.value,
        "work_note": ticket.work_note or "",
    }
