"""Tickets as staff see them: group alerts, the assignee's card, escalations, the queue.

Every renderer here is a pure function of the notice's data (see services/tickets/notify.py
for the shape of an alert). An anonymous complaint shows its building and never a name,
unit or room, even if the data carried them.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from core.phone import mask_phone
from handlers.tickets.labels import category_name, window_name
from handlers.tickets_staff.base import (
    BUTTONS,
    KIND_NAMES,
    STATUS_NAMES,
    Act,
    TicketCb,
    View,
    name_of,
)

CAPTION_MAX = 1024
TEXT_MAX = 4096


# --- the ticket as text ----------------------------------------------------------------------


def _last_action(_: Translator, data: dict[str, Any]) -> str | None:
    """'✓ Accepted by 刘调度': the latest change and who made it."""
    actor = data.get("last_actor") or "—"
    assignee = data.get("assignee") or "—"
    action = data.get("last_action")
    if action == "accept":
        return _("✓ Accepted by {name}", name=actor)
    if action == "assign":
        return _("👷 Assigned to {assignee} by {name}", assignee=assignee, name=actor)
    if action == "auto_assign":
        return _("👷 Assigned automatically to {assignee}", assignee=assignee)
    if action == "grab":
        return _("🙋 {assignee} took it", assignee=assignee)
    if action == "start":
        return _("🔧 Work started by {name}", name=actor)
    if action == "finish":
        return _("✅ Done by {name}", name=actor)
    if action == "reject":
        return _("✗ Rejected by {name}: {reason}", name=actor, reason=data.get("reason") or "—")
    if action == "cancel":
        return _("🚫 Cancelled by the resident")
    if action == "reopen":
        return _("↩️ Reopened by the resident")
    if action == "rate":
        return _("⭐ Rated {rating}/5 by the resident", rating=data.get("rating") or "—")
    if action == "close":
        return _("🔒 Closed automatically")
    return None


def ticket_lines(_: Translator, data: dict[str, Any], *, private: bool = False) -> list[str]:
    """The ticket's details, one fact a line, as every staff view shows them. The reporter's
    phone is whole in a private chat (the assignee calls them), masked in a group."""
    lines = []
    if data.get("urgency") == "urgent":
        lines.append(_("🔴 URGENT"))
    icon = "🔧" if data.get("kind") == "repair" else "📣"
    lines.append(
        f"{icon} {name_of(_, KIND_NAMES, data.get('kind', ''))} {data['number']} · "
        f"{category_name(_, data.get('kind', ''), data.get('category', ''))}"
    )
    lines += _where_and_who(_, data, private=private)
    if data.get("description"):
        lines.append(f"📝 {data['description']}")
    if data.get("kind") == "repair" and data.get("visit_window"):
        lines.append(_("🕒 Visit: {window}", window=window_name(_, data["visit_window"])))
    if data.get("photos"):
        lines.append(_("📷 Photos: {count}", count=data["photos"]))
    if data.get("duplicate_of"):
        lines.append(_("⚠️ Possible duplicate of {number}", number=data["duplicate_of"]))
    if data.get("overdue"):
        lines.append(_("⏰ Overdue: nobody accepted it in time"))
    lines.append(_("Status: {status}", status=name_of(_, STATUS_NAMES, data.get("status", ""))))
    last = _last_action(_, data)
    if last:
        lines.append(last)
    if data.get("work_note") and data.get("status") in ("done", "closed"):
        lines.append(_("🛠 What was done: {note}", note=data["work_note"]))
    if data.get("work_photos"):
        lines.append(_("🛠 Photos of the work: {count}", count=data["work_photos"]))
    if data.get("assignee") and data.get("last_action") not in ("assign", "auto_assign", "grab"):
        lines.append(_("👷 Assignee: {name}", name=data["assignee"]))
    return lines


def _where_and_who(_: Translator, data: dict[str, Any], *, private: bool) -> list[str]:
    """📍 is where the work is: the home, or for a public place the place itself, the
    reporter's home then marked as theirs (a technician sent to "1栋 1单元 101" for the lift
    would knock on the wrong door)."""
    public = data.get("place") if data.get("location") == "public" else None
    lines = [_("📍 Public place: {place}", place=public)] if public else []
    if data.get("anonymous"):
        building = data.get("building") or "—"
        if public:
            return [*lines, _("👤 Anonymous resident of {building}", building=building)]
        return [_("📍 {building} · anonymous", building=building)]
    address = " ".join(p for p in (data.get("building"), data.get("unit"), data.get("room")) if p)
    if public:
        lines.append(_("🏠 Reporter's home: {address}", address=address or "—"))
    else:
        lines.append(f"📍 {address or '—'}")
    if data.get("reporter"):
        lines.append(_("👤 {name}", name=data["reporter"]))
    if data.get("phone"):
        lines.append(f"📞 {data['phone'] if private else mask_phone(data['phone'])}")
    return lines


def fit(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- keyboards -------------------------------------------------------------------------------


def rows_of(
    buttons: list[InlineKeyboardButton], width: int = 2
) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


_ACT_OF = {
    "accept": Act.accept,
    "assign": Act.assign,
    "grab": Act.grab,
    "start": Act.start,
    "finish": Act.finish,
    "reject": Act.reject,
}


def action_buttons(
    _: Translator, data: dict[str, Any], view: View, only: tuple[Act, ...] | None = None
) -> list[InlineKeyboardButton]:
    """Buttons for the staff actions the ticket's status allows (the service re-checks)."""
    allowed = {_ACT_OF[a] for a in data.get("actions", []) if a in _ACT_OF}
    if data.get("kind") != "repair":
        allowed.discard(Act.grab)  # technicians grab repairs; complaints go through the desk
    order = (Act.accept, Act.assign, Act.grab, Act.start, Act.finish, Act.reject)
    return [
        InlineKeyboardButton(
            text=_(BUTTONS[act]),
            callback_data=TicketCb(action=act, ticket_id=data["ticket_id"], view=view).pack(),
        )
        for act in order
        if act in allowed and (only is None or act in only)
    ]


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


# --- notices from the ticket services ------------------------------------------------------


@notices.register("ticket.alert")
def render_alert(ctx: RenderContext) -> Rendered:
    """The ticket in a staff group, with buttons for what can be done next."""
    _ = ctx._
    text = fit("\n".join(ticket_lines(_, ctx.data)))
    return Rendered(text, markup(rows_of(action_buttons(_, ctx.data, View.group))))


@notices.register("ticket.photos")
def render_photos(ctx: RenderContext) -> Rendered:
    """The resident's photos: an album, or one photo (an album needs two or more)."""
    photos = list(ctx.data.get("photos") or [])[:10]
    text = ctx._("📷 {number}: photos", number=ctx.data["number"])
    if len(photos) >= 2:
        return Rendered(text, media=photos)
    if photos:
        return Rendered(text, photo=photos[0])
    return Rendered(text)


def _card(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    lines = [
        _("🔧 A job for you: {number}", number=data["number"]),
        "",
        *ticket_lines(_, data, private=True),
    ]
    buttons = action_buttons(_, data, View.card, only=(Act.start, Act.finish))
    detail = button(
        _("📋 Details"),
        TicketCb(action=Act.detail, ticket_id=data["ticket_id"], view=View.card).pack(),
    )
    return Rendered(
        fit("\n".join(lines)), markup([buttons, [detail, write_button(_, data["ticket_id"])]])
    )


def write_button(_: Translator, ticket_id: int) -> InlineKeyboardButton:
    """In private chat: write to the resident (who may have no phone number on file)."""
    return button(
        _("💬 Message the resident"),
        TicketCb(action=Act.message, ticket_id=ticket_id, view=View.card).pack(),
    )


@notices.register("ticket.assigned")
@notices.register("ticket.card")  # the same card, redrawn after one of its buttons
def render_assigned(ctx: RenderContext) -> Rendered:
    """The ticket in the assignee's private chat, with Start / Done as the status allows."""
    return _card(ctx)


@notices.register("ticket.escalated")
def render_escalated(ctx: RenderContext) -> Rendered:
    """To the managers: a ticket nobody accepted in time."""
    _ = ctx._
    head = _(
        "⚠️ Nobody has accepted {number} for {minutes} minutes.",
        number=ctx.data["number"],
        minutes=ctx.data.get("waiting_minutes", 0),
    )
    return Rendered(fit("\n".join([head, "", *ticket_lines(_, ctx.data)])))


@notices.register("ticket.overdue_summary")
def render_overdue_summary(ctx: RenderContext) -> Rendered:
    """The morning list of overdue tickets of one estate."""
    _ = ctx._
    data = ctx.data
    items = data.get("items") or []
    lines = [
        _(
            "⏰ Overdue tickets in {community} on {day}: {count}",
            community=data.get("community", ""),
            day=data.get("day", ""),
            count=data.get("count", len(items)),
        )
    ]
    for item in items:
        mark = "🔴 " if item.get("urgency") == "urgent" else ""
        lines.append(
            _(
                "• {mark}{number} {category} · {status} · {hours} h",
                mark=mark,
                number=item["number"],
                category=category_name(_, item.get("kind", ""), item.get("category", "")),
                status=name_of(_, STATUS_NAMES, item.get("status", "")),
                hours=item.get("hours", 0),
            )
        )
    more = int(data.get("count", 0)) - len(items)
    if more > 0:
        lines.append(_("…and {count} more", count=more))
    return Rendered(fit("\n".join(lines)))


@notices.register("ticket.resident_message")
def render_resident_message(ctx: RenderContext) -> Rendered:
    """A resident's follow-up, posted under the group's alert; the first photo or voice too."""
    _ = ctx._
    data = ctx.data
    text = data.get("text") or ""
    if data.get("anonymous"):
        head = _("💬 Anonymous resident on {number}:", number=data["number"])
    else:
        head = _("💬 Resident on {number}:", number=data["number"])
    media = data.get("media") or []
    first = next((m for m in media if m.get("kind") in ("photo", "voice")), None)
    extra = len(media) - (1 if first else 0)
    body = f"{head}{'' if head.endswith('：') else ' '}{text}".strip()  # no space after "："
    if data.get("danger"):
        body = (
            _("🔴 This sounds urgent, and the ticket was filed as ordinary: please check now.")
            + "\n"
            + body
        )
    if extra > 0:
        body += "\n" + _("(more attachments in the ticket: {count})", count=extra)
    # In the assignee's private chat, a button to answer (a group answers by replying).
    answer = markup([[write_button(_, data["ticket_id"])]]) if data.get("private") else None
    if first is None:
        return Rendered(fit(body), answer)
    body = fit(body, CAPTION_MAX)
    if first["kind"] == "photo":
        return Rendered(body, answer, photo=first["file_id"])
    return Rendered(body, answer, voice=first["file_id"])


@notices.register("ticket.topic")
def render_topic(ctx: RenderContext) -> Rendered:
    """A ticket's forum topic, named “BX-0001234 · 🚰 Plumbing”: never who filed it, or where."""
    data = ctx.data
    category = category_name(ctx._, data.get("kind", ""), data.get("category", ""))
    return Rendered(f"{data['number']} · {category}")
