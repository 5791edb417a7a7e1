"""After confirming: the live progress line, cancelling, who has confirmed, and /broadcasts.

services.broadcasts keeps the creator's “broadcast.progress” message up to date while an
announcement goes out; its buttons cancel what is not sent yet and show, per building, who
has tapped “Got it”. /broadcasts lists a manager's recent announcements with the same
buttons. Every press names a broadcast id, which is user input: the services check it.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from core.clock import Clock
from core.formatting import format_datetime
from core.settings import Settings
from handlers.broadcast.base import alert, router
from handlers.broadcast.buttons import ProgressAction, ProgressCb, button, markup
from handlers.broadcast.composer import estates_of, may_broadcast
from handlers.notices import TEMPLATE_NAMES, short, title_text
from handlers.ui import kind_of, private
from models import Broadcast, BroadcastStatus, Staff
from services import broadcast_progress, broadcast_reports, broadcasts
from services.broadcasts import TEMPLATES
from services.errors import DomainError
from services.identities import Person

TEXT_LIMIT = 4096
REPORT_LISTED = 400  # unconfirmed homes carried to the renderer; it shows what fits a message
STATUS_NAMES = {
    BroadcastStatus.scheduled.value: N_("⏳ scheduled"),
    BroadcastStatus.sending.value: N_("📤 sending"),
    BroadcastStatus.sent.value: N_("✅ sent"),
    BroadcastStatus.cancelled.value: N_("✗ cancelled"),
}
CANCELLABLE = (BroadcastStatus.scheduled.value, BroadcastStatus.sending.value)


def display_title(_: Translator, data: dict[str, Any]) -> str:
    """A broadcast's title for staff: the text, or the template's name (and fields if known)."""
    title = str(data.get("title") or "")
    template = data.get("template") or (title if title in TEMPLATES else None)
    if template in TEMPLATES:
        if data.get("fields"):
            return title_text(_, {**data, "template": template})
        return _(TEMPLATE_NAMES[template])
    return title


def _counts(data: dict[str, Any]) -> dict[str, str]:
    """Counts as people read them: 5,000."""
    return {
        k: f"{int(data.get(k) or 0):,}"
        for k in ("total", "sent", "blocked", "failed", "pending", "cancelled")
    }


def _row(
    text: str, action: ProgressAction, broadcast_id: int, listed: bool = False
) -> list[InlineKeyboardButton]:
    data = ProgressCb(action=action, broadcast_id=broadcast_id, listed=listed)
    return [button(text, data)]


# --- renderers ------------------------------------------------------------------------------


@notices.register("broadcast.progress")
def render_progress(ctx: RenderContext) -> Rendered:
    """The creator's live line: “📢 停水通知 — sending · 3,412 / 5,000 sent, 12 blocked…”."""
    _ = ctx._
    data = ctx.data
    counts = _counts(data)
    status = str(data.get("status") or "")
    lines = [
        f"📢 {display_title(_, data)} — {_(STATUS_NAMES.get(status, status))}",
        _(
            "{sent} / {total} sent, {blocked} blocked, {failed} failed",
            sent=counts["sent"],
            total=counts["total"],
            blocked=counts["blocked"],
            failed=counts["failed"],
        ),
    ]
    if int(data.get("cancelled") or 0):
        lines.append(_("{cancelled} not sent (cancelled)", cancelled=counts["cancelled"]))
    rows = []
    broadcast_id = int(data["broadcast_id"])
    if status in CANCELLABLE:
        rows.append(_row(_("✗ Cancel sending"), ProgressAction.cancel, broadcast_id))
    if data.get("ack"):
        rows.append(_row(_("👥 Who has confirmed?"), ProgressAction.report, broadcast_id))
    return Rendered("\n".join(lines), markup(*rows) if rows else None)


@notices.register("broadcast.ack_report")
def render_ack_report(ctx: RenderContext) -> Rendered:
    """Per building “1栋: 12/30 confirmed”, then the homes still to confirm (as many as fit)."""
    _ = ctx._
    data = ctx.data
    lines = [_("👥 Who has confirmed “{title}”:", title=display_title(_, data)), ""]
    for row in data["buildings"]:
        lines.append(
            _(
                "{building}: {acknowledged}/{total} confirmed",
                building=row["building"],
                acknowledged=f"{row['acknowledged']:,}",
                total=f"{row['total']:,}",
            )
        )
    missing, missing_total = data["missing"], int(data["missing_total"])
    if not missing_total:
        lines += ["", _("Everyone has confirmed. Thank you!")]
        return Rendered("\n".join(lines))
    lines += ["", _("Not confirmed yet ({count}):", count=f"{missing_total:,}")]
    text = "\n".join(lines)
    shown = 0
    for home in missing:
        address = " ".join(p for p in (home["building"], home["unit"], home["room"]) if p)
        line = f"\n• {address}" + (f" · {home['name']}" if home.get("name") else "")
        if len(text) + len(line) > TEXT_LIMIT - 100:  # room for the “and N more” line
            break
        text += line
        shown += 1
    if shown < missing_total:
        text += "\n" + _("… and {count} more", count=f"{missing_total - shown:,}")
    return Rendered(text)


@notices.register("broadcast.recent")
def render_recent(ctx: RenderContext) -> Rendered:
    _ = ctx._
    items = ctx.data["items"]
    if not items:
        return Rendered(_("No announcements yet. Send /broadcast to write one."))
    lines = [_("📋 Recent announcements:")]
    rows = []
    for number, item in enumerate(items, start=1):
        counts = _counts(item)
        status_key = item["status"]
        status = _(STATUS_NAMES.get(status_key, status_key))
        lines += [
            "",
            f"{number}. {item['date']} · {display_title(_, item)}",
            "    "
            + _(
                "{status} · {sent} / {total} sent",
                status=status,
                sent=counts["sent"],
                total=counts["total"],
            ),
        ]
        if item["status"] in CANCELLABLE:
            title = short(display_title(_, item))
            text = _("✗ Cancel {number}. {title}", number=number, title=title)
            rows.append(_row(text, ProgressAction.cancel, item["id"], listed=True))
        if item.get("ack"):
            text = _("👥 {number}. Who has confirmed?", number=number)
            rows.append(_row(text, ProgressAction.report, item["id"]))
    return Rendered("\n".join(lines), markup(*rows) if rows else None)


# --- handlers -------------------------------------------------------------------------------


async def _find(session: AsyncSession, staff: Staff | None, broadcast_id: int) -> Broadcast | None:
    """The broadcast, if this staff member may see it (for its title)."""
    try:
        return await broadcasts.owned(session, broadcast_id, staff)
    except DomainError:
        return None


async def _recent_data(
    session: AsyncSession, staff: Staff, settings: Settings
) -> list[dict[str, Any]]:
    items = []
    for b in await broadcasts.recent(session, staff=staff):
        counts = await broadcast_progress.progress(session, b.id)
        item = {
            "id": b.id,
            "date": format_datetime(b.send_at, settings.zone),
            "title": b.title,
            "template": b.template,
            "fields": dict(b.fields or {}),
            "status": b.status.value,
            "ack": b.ack_required,
            **counts.as_dict(),
        }
        items.append(item)
    return items


@router.message(private, Command("broadcasts"))
async def recent_broadcasts(
    message: Message,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    settings: Settings,
) -> None:
    """The manager's recent announcements, with their status and counts."""
    estates = await estates_of(session, person.staff)
    if person.staff is None or not may_broadcast(person.staff, estates):
        await reply("broadcast.not_allowed", kind=kind_of(person))
        return
    await reply("broadcast.recent", items=await _recent_data(session, person.staff, settings))


@router.callback_query(ProgressCb.filter(F.action == ProgressAction.cancel))
async def cancel_sending(
    query: CallbackQuery,
    callback_data: ProgressCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Stop an announcement (the service checks the presser's role again)."""
    try:
        progress = await broadcasts.cancel(
            session, broadcast_id=callback_data.broadcast_id, staff=person.staff, now=clock.now()
        )
    except DomainError as exc:
        await alert(query, _, exc)
        return
    if isinstance(query.message, Message) and person.staff is not None:
        message_id = query.message.message_id
        if callback_data.listed:
            items = await _recent_data(session, person.staff, settings)
            await reply.edit(message_id, "broadcast.recent", items=items)
        else:
            found = await _find(session, person.staff, callback_data.broadcast_id)
            await reply.edit(
                message_id,
                "broadcast.progress",
                **progress.as_dict(),
                broadcast_id=callback_data.broadcast_id,
                title=found.title if found else "",
                template=found.template if found else None,
                status=BroadcastStatus.cancelled.value,
                ack=found.ack_required if found else False,
            )
    await query.answer(
        _("Cancelled. Messages that will not be sent: {count}.", count=f"{progress.cancelled:,}")
    )


@router.callback_query(ProgressCb.filter(F.action == ProgressAction.report))
async def who_confirmed(
    query: CallbackQuery,
    callback_data: ProgressCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Per building, how many confirmed, and the homes still to confirm."""
    try:
        report = await broadcast_reports.ack_report(
            session, broadcast_id=callback_data.broadcast_id, staff=person.staff
        )
    except DomainError as exc:
        await alert(query, _, exc)
        return
    found = await _find(session, person.staff, callback_data.broadcast_id)
    missing = [home for row in report for home in row.missing]
    await reply(
        "broadcast.ack_report",
        title=found.title if found else "",
        template=found.template if found else None,
        fields=dict(found.fields or {}) if found else {},
        buildings=[
            {"building": r.building, "acknowledged": r.acknowledged, "total": r.total}
            for r in report
        ],
        missing=missing[:REPORT_LISTED],
        missing_total=len(missing),
    )
    await query.answer()
