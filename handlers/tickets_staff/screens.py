"""Our own staff screens: the assign picker, a ticket's detail, the questions (reason,
photos), the send-or-keep offer under a reply, and the /queue pages."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.tickets.labels import category_name
from handlers.tickets_staff.base import (
    STAFF_ROLE_NAMES,
    STATUS_NAMES,
    Act,
    AssignCb,
    FinishCb,
    FinishStep,
    QueueCb,
    QueueStep,
    ReasonCb,
    RelayCb,
    TicketCb,
    View,
    WriteCb,
    name_of,
    refusal,
)
from handlers.tickets_staff.render import (
    action_buttons,
    button,
    fit,
    markup,
    rows_of,
    ticket_lines,
    write_button,
)
from services.errors import DomainError

HISTORY_LINES = 20


def _history_label(_: Translator, action: str) -> str:
    """What happened, in words (the msgids are listed once here for extraction)."""
    labels = {
        "create": _("filed the ticket"),
        "accept": _("accepted it"),
        "assign": _("assigned it"),
        "auto_assign": _("assigned it automatically"),
        "grab": _("took it"),
        "start": _("started work"),
        "finish": _("finished the work"),
        "reject": _("rejected it"),
        "cancel": _("cancelled it"),
        "rate": _("rated it"),
        "reopen": _("reopened it"),
        "close": _("closed it (nobody rated it in time)"),
        "escalate": _("escalated it to the managers"),
        "message": _("wrote"),
    }
    return labels.get(action, action)


# --- our own answers -------------------------------------------------------------------------


@notices.register("ticket.picker")
def render_picker(ctx: RenderContext) -> Rendered:
    """The ticket with, instead of its actions, the people it can be assigned to."""
    _ = ctx._
    data = ctx.data
    view = View(data.get("view", View.group))
    people = [
        button(
            f"{name} · {name_of(_, STAFF_ROLE_NAMES, role)}",
            AssignCb(ticket_id=data["ticket_id"], staff_id=staff_id, view=view).pack(),
        )
        for staff_id, name, role in data.get("people", [])
    ]
    back = button(
        _("← Back"), TicketCb(action=Act.back, ticket_id=data["ticket_id"], view=view).pack()
    )
    lines = ticket_lines(_, data, private=view != View.group)
    if people:
        lines += ["", _("Assign {number} to:", number=data["number"])]
    else:
        lines += ["", _("Nobody active is responsible for this building.")]
    return Rendered(fit("\n".join(lines)), markup([*rows_of(people), [back]]))


@notices.register("ticket.detail")
def render_detail(ctx: RenderContext) -> Rendered:
    """One ticket opened from /queue: details, history with internal notes, the actions."""
    _ = ctx._
    data = ctx.data
    lines = [*ticket_lines(_, data, private=True), "", _("History:")]
    history = data.get("history") or []
    if len(history) > HISTORY_LINES:
        lines.append(_("(… earlier entries: {count})", count=len(history) - HISTORY_LINES))
    for entry in history[-HISTORY_LINES:]:
        who = entry.get("who") or (
            _("Resident") if entry.get("kind") == "resident" else _("System")
        )
        line = f"{entry['at']} {who}: {_history_label(_, entry['action'])}"
        if entry.get("to"):
            line += f" → {entry['to']}"
        if entry.get("note"):
            line += f" “{entry['note']}”"
        if entry.get("internal"):
            line = "🔒 " + line + " " + _("(internal)")
        lines.append(line)
    buttons = action_buttons(_, data, View.detail)
    extra = [write_button(_, data["ticket_id"])]
    if data.get("photos"):
        extra.append(
            button(
                _("📷 Photos"),
                TicketCb(action=Act.photos, ticket_id=data["ticket_id"], view=View.detail).pack(),
            )
        )
    return Rendered(fit("\n".join(lines)), markup([*rows_of(buttons), extra]))


@notices.register("ticket.reason_prompt")
def render_reason_prompt(ctx: RenderContext) -> Rendered:
    """Ask the person who pressed Reject for the reason the resident will read."""
    _ = ctx._
    text = _(
        "{name}, why reject {number}? Send the reason as your next message here "
        "(the resident will read it).",
        name=ctx.data.get("name") or "",
        number=ctx.data["number"],
    )
    cancel = button(_("✗ Cancel"), ReasonCb(ticket_id=ctx.data["ticket_id"]).pack())
    return Rendered(text, markup([[cancel]]))


@notices.register("ticket.reason_closed")
def render_reason_closed(ctx: RenderContext) -> Rendered:
    """The reason question, answered or withdrawn; no buttons left."""
    _ = ctx._
    if ctx.data.get("reason"):
        return Rendered(
            fit(
                _(
                    "✗ {number} rejected: {reason}",
                    number=ctx.data["number"],
                    reason=ctx.data["reason"],
                )
            )
        )
    return Rendered(_("Not rejected: {number}.", number=ctx.data["number"]))


def _finish_buttons(_: Translator, ticket_id: int) -> InlineKeyboardMarkup | None:
    return markup(
        [
            [
                button(_("✅ Done"), FinishCb(step=FinishStep.done, ticket_id=ticket_id).pack()),
                button(
                    _("Skip photos"), FinishCb(step=FinishStep.skip, ticket_id=ticket_id).pack()
                ),
            ]
        ]
    )


@notices.register("ticket.finish_prompt")
def render_finish_prompt(ctx: RenderContext) -> Rendered:
    """Before marking done: ask for photos of the finished work and a few words on what was
    done (both optional), showing what has come so far."""
    _ = ctx._
    data = ctx.data
    count, note = int(data.get("count", 0)), data.get("note") or ""
    if not count and not note:
        text = _(
            "Send photos of the finished work on {number} and, if you like, a few words on "
            "what was done (the resident is told them), then press “Done”. "
            "No photos? Press “Skip photos”.",
            number=data["number"],
        )
        return Rendered(text, _finish_buttons(_, data["ticket_id"]))
    lines = [_("Finishing {number}:", number=data["number"]), _("📷 Photos: {count}", count=count)]
    if note:
        lines.append(_("🛠 What was done: {note}", note=note))
    lines += ["", _("Send more photos or words, or press “Done”.")]
    return Rendered(fit("\n".join(lines)), _finish_buttons(_, data["ticket_id"]))


@notices.register("ticket.finish_closed")
def render_finish_closed(ctx: RenderContext) -> Rendered:
    """The photo question after the work was marked done (or the attempt failed)."""
    _ = ctx._
    number = ctx.data["number"]
    if not ctx.data.get("done"):
        return Rendered(_("{number} was not marked as done.", number=number))
    count = int(ctx.data.get("count", 0))
    if not count:
        text = _("✅ {number} marked as done, without photos.", number=number)
    else:
        text = _("✅ {number} marked as done. Photos: {count}.", number=number, count=count)
    if ctx.data.get("note"):
        text += "\n" + _("🛠 What was done: {note}", note=ctx.data["note"])
    return Rendered(fit(text))


@notices.register("ticket.write_prompt")
def render_write_prompt(ctx: RenderContext) -> Rendered:
    """Ask a staff member in private chat what to tell the resident."""
    _ = ctx._
    text = _(
        "💬 What shall I tell the resident about {number}? Send it as your next message: "
        "words, a photo or a voice note. They will see it with your name.",
        number=ctx.data["number"],
    )
    cancel = button(_("✗ Cancel"), WriteCb(ticket_id=ctx.data["ticket_id"]).pack())
    return Rendered(text, markup([[cancel]]))


@notices.register("ticket.write_closed")
def render_write_closed(ctx: RenderContext) -> Rendered:
    """The question, answered (what was sent) or withdrawn; no buttons left."""
    _ = ctx._
    data = ctx.data
    if not data.get("sent"):
        return Rendered(_("Nothing was sent about {number}.", number=data["number"]))
    text = _("✉️ Sent to the resident of {number}.", number=data["number"])
    if data.get("text"):
        text += "\n" + str(data["text"])
    if data.get("attachments"):
        text += "\n" + _("📎 Attachments: {count}", count=data["attachments"])
    return Rendered(fit(text))


@notices.register("ticket.reply_sent")
def render_reply_sent(ctx: RenderContext) -> Rendered:
    """A reply in private chat was passed on (to the resident, or to the office)."""
    _ = ctx._
    number = ctx.data["number"]
    if ctx.data.get("to_resident"):
        return Rendered(_("✉️ Sent to the resident of {number}.", number=number))
    return Rendered(_("✓ Sent to the property office with {number}.", number=number))


@notices.register("ticket.relay_offer")
def render_relay_offer(ctx: RenderContext) -> Rendered:
    """After a plain reply under an alert: it is an internal note; send it on?"""
    _ = ctx._
    ticket_id = ctx.data["ticket_id"]
    return Rendered(
        _(
            "📝 Saved as an internal note on {number}. Send it to the resident too?",
            number=ctx.data["number"],
        ),
        markup(
            [
                [
                    button(
                        _("📤 Send to resident"), RelayCb(ticket_id=ticket_id, send=True).pack()
                    ),
                    button(_("🔒 Keep internal"), RelayCb(ticket_id=ticket_id, send=False).pack()),
                ]
            ]
        ),
    )


@notices.register("ticket.relay_done")
def render_relay_done(ctx: RenderContext) -> Rendered:
    """What became of a staff reply: sent to the resident, or kept as an internal note."""
    _ = ctx._
    data = ctx.data
    if data.get("sent"):
        return Rendered(
            _(
                "📤 Sent to the resident on {number} by {name}.",
                number=data["number"],
                name=data.get("name") or "—",
            )
        )
    return Rendered(_("🔒 Internal note on {number}.", number=data["number"]))


@notices.register("tickets.staff_only")
def render_staff_only(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("This is for property staff only."))


@notices.register("tickets.queue")
def render_queue(ctx: RenderContext) -> Rendered:
    """A page of open tickets in the staff member's scope, oldest first."""
    _ = ctx._
    data = ctx.data
    items = data.get("items") or []
    if not items:
        return Rendered(_("No open tickets in your area. 👍"))
    lines = [_("📋 Open tickets, oldest first:") if data.get("first") else _("📋 More tickets:")]
    buttons = []
    for item in items:
        marks = ("⏰" if item.get("overdue") else "") + (
            "🔴" if item.get("urgency") == "urgent" else ""
        )
        category = category_name(_, item.get("kind", ""), item.get("category", ""))
        lines.append(
            _(
                "{marks}{number} · {category} · {status} · {hours} h",
                marks=f"{marks} " if marks else "",
                number=item["number"],
                category=category,
                status=name_of(_, STATUS_NAMES, item.get("status", "")),
                hours=item.get("hours", 0),
            )
        )
        buttons.append(
            button(
                f"{marks}{item['number']} · {category}".strip(),
                QueueCb(step=QueueStep.open, ticket_id=item["ticket_id"]).pack(),
            )
        )
    rows = [[b] for b in buttons]
    if data.get("more_after"):
        rows.append(
            [
                button(
                    _("More ▸"),
                    QueueCb(step=QueueStep.more, ticket_id=data["more_after"]).pack(),
                )
            ]
        )
    if any(item.get("overdue") for item in items):
        lines += ["", _("⏰ = overdue")]
    return Rendered(fit("\n".join(lines)), markup(rows))


@notices.register("ticket.refused")
def render_refused(ctx: RenderContext) -> Rendered:
    """A service refusal shown in a chat (not as a button answer), statuses named."""
    data = dict(ctx.data)
    key = data.pop("key", "")
    return Rendered(refusal(ctx._, DomainError(key, **data)))
