"""Announcements (通知) as residents see them: the notice, “Got it”, and /notices to look back.

The announcement itself is rendered here, in the reader's language, from what the outbox row
holds (services.broadcasts builds it): a header with the estate's name, the title and the
body — or, for a template, title and body composed from translated texts and its fields.
The staff side (composing, preview, progress) lives in handlers/broadcast.py and shows its
preview with the same renderer.
"""

from __future__ import annotations

import enum
import math
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.formatting import format_datetime
from core.settings import Settings
from handlers.ui import BTN_NOTICES, Button, error_text, private
from services import broadcasts, notice_board
from services.errors import DomainError
from services.identities import Person

router = Routes()
PER_PAGE = 5
BUTTON_TITLE_MAX = 40  # an inline button shows about this much on a phone

# --- templates: their texts are translated per reader; the fields are what staff typed ------

TEMPLATE_NAMES: dict[str, str] = {
    "water_cut": N_("💧 Water cut"),
    "power_cut": N_("⚡ Power cut"),
    "fire_drill": N_("🔥 Fire drill"),
    "fee_notice": N_("💰 Fee notice"),
}
TEMPLATE_TITLES: dict[str, str] = {
    "water_cut": N_("Water supply interruption on {date}"),
    "power_cut": N_("Power cut on {date}"),
    "fire_drill": N_("Fire drill on {date}"),
    "fee_notice": N_("Payment reminder: {fee} for {period}"),
}
TEMPLATE_BODIES: dict[str, str] = {
    "water_cut": N_(
        "Because of {reason}, the water supply to {area} will be interrupted on {date} "
        "from {start} to {end}.\n\n"
        "Please store some water in advance and keep your taps closed while the water is off. "
        "We are sorry for the inconvenience and thank you for your understanding."
    ),
    "power_cut": N_(
        "Because of {reason}, the electricity supply to {area} will be cut on {date} "
        "from {start} to {end}.\n\n"
        "Please do not use the lifts during this time, and switch off sensitive appliances "
        "beforehand. We are sorry for the inconvenience and thank you for your understanding."
    ),
    "fire_drill": N_(
        "A fire drill will be held on {date} at {time} at {place}.\n\n"
        "When you hear the alarm, please stay calm, follow the staff's directions and use the "
        "stairs, not the lifts. Thank you for taking part."
    ),
    "fee_notice": N_(
        "The {fee} for {period} is now due. Please pay by {due_date}.\n\n"
        "How to pay: {how}\n\n"
        "If you have already paid, please ignore this message. Thank you for your support."
    ),
}


def _fields(data: dict[str, Any]) -> dict[str, str]:
    """Every field the template names, so an incomplete row still renders (with dashes)."""
    given = data.get("fields") or {}
    return {name: str(given.get(name) or "—") for name in broadcasts.TEMPLATES[data["template"]]}


def _is_template(data: dict[str, Any]) -> bool:
    return data.get("template") in broadcasts.TEMPLATES


def title_text(_: Translator, data: dict[str, Any]) -> str:
    """The announcement's title in the reader's language."""
    if _is_template(data):
        template = data["template"]
        return _(TEMPLATE_TITLES[template], **_fields(data))
    return str(data.get("title") or "")


def body_text(_: Translator, data: dict[str, Any]) -> str:
    if _is_template(data):
        template = data["template"]
        return _(TEMPLATE_BODIES[template], **_fields(data))
    return str(data.get("body") or "")


def notice_text(_: Translator, data: dict[str, Any]) -> str:
    """Header with the estate's name (and “urgent”), the title, the body."""
    community = data.get("community") or ""
    if data.get("urgent"):
        header = "🚨 " + _("[{community}] URGENT notice", community=community)
    else:
        header = "📢 " + _("[{community}] Notice", community=community)
    return f"{header}\n\n{title_text(_, data)}\n\n{body_text(_, data)}"


def short(text: str, limit: int = BUTTON_TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- callback data ---------------------------------------------------------------------------


class AckAction(enum.StrEnum):
    got_it = "g"  # record the acknowledgement
    done = "d"  # the “✓ Acknowledged” button left in its place: nothing more to do


class AckCb(CallbackData, prefix="ack"):
    broadcast_id: int  # 0 on a manager's preview
    action: AckAction = AckAction.got_it


class ListAction(enum.StrEnum):
    page = "p"
    show = "s"


class NoticesCb(CallbackData, prefix="ntc"):
    action: ListAction
    page: int = 0
    broadcast_id: int = 0


# --- renderers -------------------------------------------------------------------------------


@notices.register("broadcast.notice")
def render_notice(ctx: RenderContext) -> Rendered:
    """An announcement; `copy` (a preview, or shown again from /notices) is never pinned."""
    _ = ctx._
    data = ctx.data
    markup = None
    if data.get("ack"):
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✓ Got it"),
                        callback_data=AckCb(
                            broadcast_id=int(data.get("broadcast_id") or 0)
                        ).pack(),
                    )
                ]
            ]
        )
    return Rendered(
        notice_text(_, data),
        markup,
        photo=data.get("photo"),
        document=None if data.get("photo") else data.get("document"),
        pin=bool(data.get("urgent")) and not data.get("copy"),
    )


@notices.register("broadcast.acknowledged")
def render_acknowledged(ctx: RenderContext) -> Rendered:
    """The announcement as the reader has it, its “Got it” replaced by “✓ Acknowledged”."""
    data = ctx.data
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=ctx._("✓ Acknowledged"),
                    callback_data=AckCb(
                        broadcast_id=int(data["broadcast_id"]), action=AckAction.done
                    ).pack(),
                )
            ]
        ]
    )
    return Rendered(
        str(data.get("text") or ""),
        markup,
        photo=data.get("photo"),
        document=data.get("document"),
    )


@notices.register("notices.list")
def render_list(ctx: RenderContext) -> Rendered:
    """One page of the announcements a person received, newest first."""
    _ = ctx._
    data = ctx.data
    page, pages = int(data["page"]), int(data["pages"])
    lines = [_("📢 Announcements ({page}/{pages})", page=page + 1, pages=pages), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for number, item in enumerate(data["items"], start=page * PER_PAGE + 1):
        title = title_text(_, item)
        marker = "🚨 " if item.get("urgent") else ""
        lines.append(f"{number}. {item['date']} {marker}{title}")
        rows.append(
            [
                InlineKeyboardButton(
                    text=f"{number}. {short(title)}",
                    callback_data=NoticesCb(
                        action=ListAction.show, page=page, broadcast_id=item["id"]
                    ).pack(),
                )
            ]
        )
    lines += ["", _("Tap one to read it in full.")]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=_("◀ Newer"),
                callback_data=NoticesCb(action=ListAction.page, page=page - 1).pack(),
            )
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(
                text=_("Older ▶"),
                callback_data=NoticesCb(action=ListAction.page, page=page + 1).pack(),
            )
        )
    if nav:
        rows.append(nav)
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("notices.empty")
def render_empty(ctx: RenderContext) -> Rendered:
    if ctx.data.get("guest"):  # nothing is sent to someone whose estate is not known yet
        return Rendered(
            ctx._(
                "Announcements go to the residents of each estate. Join your home first to "
                "get them: type your binding code, or tap “Share my phone number”."
            )
        )
    return Rendered(
        ctx._("No announcements yet. When the property office sends one, it will appear here too.")
    )


# --- helpers ---------------------------------------------------------------------------------


async def notices_page(
    session: AsyncSession, person: Person, clock: Clock, settings: Settings, page: int
) -> dict[str, Any] | None:
    """The list's data for `page` (clamped to the last page); None when there is nothing."""
    now = clock.now()
    items, total = await notice_board.notices_for(
        session, identity=person.identity, now=now, page=page, per_page=PER_PAGE
    )
    if total == 0:
        return None
    pages = math.ceil(total / PER_PAGE)
    if page >= pages:  # some expired since the list was shown
        page = pages - 1
        items, total = await notice_board.notices_for(
            session, identity=person.identity, now=now, page=page, per_page=PER_PAGE
        )
    return {
        "page": page,
        "pages": pages,
        "items": [
            {
                "id": b.id,
                "date": format_datetime(b.send_at, settings.zone),
                "urgent": b.urgent,
                "title": b.title,
                "template": b.template,
                "fields": dict(b.fields or {}),
            }
            for b in items
        ],
    }


# --- handlers ------------------------------------------------------------------------------


@router.message(private, Command("notices"))
@router.message(private, Button(BTN_NOTICES))
async def list_notices(
    message: Message,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """List the announcements this person received, newest first."""
    data = await notices_page(session, person, clock, settings, 0)
    if data is None:
        await reply("notices.empty", guest=person.kind == "guest")
        return
    await reply("notices.list", **data)


@router.callback_query(NoticesCb.filter(F.action == ListAction.page))
async def turn_page(
    query: CallbackQuery,
    callback_data: NoticesCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Show another page of the list in place."""
    if isinstance(query.message, Message):
        data = await notices_page(session, person, clock, settings, max(0, callback_data.page))
        if data is None:
            await reply.edit(query.message.message_id, "notices.empty")
        else:
            await reply.edit(query.message.message_id, "notices.list", **data)
    await query.answer()


@router.callback_query(NoticesCb.filter(F.action == ListAction.show))
async def show_notice(
    query: CallbackQuery,
    callback_data: NoticesCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Send one announcement again, in full (“Got it” only if still wanted)."""
    # Look a page further too: newer announcements may have pushed it down since.
    items, _total = await notice_board.notices_for(
        session,
        identity=person.identity,
        now=clock.now(),
        page=0,
        per_page=(max(0, callback_data.page) + 2) * PER_PAGE,
    )
    found = next((b for b in items if b.id == callback_data.broadcast_id), None)
    if found is None:
        await query.answer(_("This announcement is no longer available."))
        return
    data = await notice_board.notice_for(session, broadcast=found, identity=person.identity)
    await reply("broadcast.notice", **data, copy=True)
    await query.answer()


@router.callback_query(AckCb.filter(F.action == AckAction.got_it))
async def got_it(
    query: CallbackQuery,
    callback_data: AckCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Record “Got it” (recipients only) and leave “✓ Acknowledged” in the button's place."""
    if callback_data.broadcast_id == 0:
        await query.answer(_("This is a preview: residents will see this button."))
        return
    try:
        first = await notice_board.acknowledge(
            session,
            broadcast_id=callback_data.broadcast_id,
            identity=person.identity,
            now=clock.now(),
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    message = query.message
    if isinstance(message, Message):
        # The reader's own copy, kept word for word: only the button changes.
        await reply.edit(
            message.message_id,
            "broadcast.acknowledged",
            broadcast_id=callback_data.broadcast_id,
            text=message.text or message.caption or "",
            photo=message.photo[-1].file_id if message.photo else None,
            document=message.document.file_id if message.document else None,
        )
    await query.answer(
        _("Thank you, noted.") if first else _("You have already confirmed. Thank you.")
    )


@router.callback_query(AckCb.filter(F.action == AckAction.done))
async def already_acknowledged(query: CallbackQuery, _: Translator) -> None:
    """The “✓ Acknowledged” button: nothing to do but say so."""
    await query.answer(_("You have already confirmed. Thank you."))
