"""The preview and its buttons: Confirm (store and send), Edit (ask one part again), Cancel.

Composer.preview sends the notice exactly as residents will see it, then the summary drawn
here, with the recipient count. On Confirm services.broadcasts.create checks the draft once
more; a draft it refuses goes back to the part that needs changing.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from core.clock import Clock, as_utc
from core.formatting import format_datetime
from core.settings import Settings
from handlers.broadcast.base import alert, edit_pressed, router
from handlers.broadcast.buttons import (
    NO,
    YES,
    AudienceKind,
    EditCb,
    PreviewAction,
    PreviewCb,
    button,
    column,
    markup,
)
from handlers.broadcast.composer import Composer, answered
from handlers.broadcast.states import Compose, Section
from handlers.ui import kind_of
from services import broadcasts
from services.errors import DomainError, NotAllowed
from services.identities import Person

SECTION_NAMES = {
    Section.text: N_("📝 Text"),
    Section.audience: N_("👥 Recipients"),
    Section.options: N_("⚙️ Urgent and “Got it”"),
    Section.timing: N_("⏰ Time and expiry"),
    Section.preview: N_("↩ Back to the preview"),
}
# Which part of the draft to ask again when the service refuses it at Confirm.
SECTION_OF_ERROR = {
    "broadcast.title_length": Section.text,
    "broadcast.body_length": Section.text,
    "broadcast.template_fields": Section.text,
    "broadcast.unknown_template": Section.text,
    "broadcast.send_in_past": Section.timing,
    "broadcast.expires_before_send": Section.timing,
}


# --- renderers ------------------------------------------------------------------------------


def _audience_text(_: Translator, data: dict[str, Any]) -> str:
    kind = data["audience_kind"]
    if kind == AudienceKind.buildings:
        return ", ".join(data.get("building_names") or [])
    if kind == AudienceKind.staff:
        return _("staff only")
    return _("the whole estate")


@notices.register("broadcast.preview")
def render_preview(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    urgent, ack = _(YES if data.get("urgent") else NO), _(YES if data.get("ack") else NO)
    lines = [
        _("👀 Above is the announcement exactly as residents will see it."),
        "",
        _(
            "• To: {audience} (recipients now: {count})",
            audience=_audience_text(_, data),
            count=f"{data['count']:,}",
        ),
        _("• Urgent: {answer}", answer=urgent),
        _("• Ask for “Got it”: {answer}", answer=ack),
        _("• Send: {when}", when=data["when"] or _("now")),
        _("• Remove from the list: {expiry}", expiry=data["expires"] or _("never")),
    ]
    if data.get("quiet_until"):
        lines += [
            "",
            _(
                "🌙 That is during quiet hours ({start}–{end}), so it will go out at {time}. "
                "Mark it urgent to send it at once.",
                start=data["quiet_start"],
                end=data["quiet_end"],
                time=data["quiet_until"],
            ),
        ]
    if data["count"] == 0:
        lines += ["", _("⚠️ Nobody in this audience has joined Linli yet, so nobody would get it.")]
    lines += ["", _("Send it?")]
    return Rendered(
        "\n".join(lines),
        markup(
            [button(_("✅ Confirm and send"), PreviewCb(action=PreviewAction.confirm))],
            [
                button(_("✏️ Edit"), PreviewCb(action=PreviewAction.edit)),
                button(_("✗ Cancel"), PreviewCb(action=PreviewAction.cancel)),
            ],
        ),
    )


@notices.register("broadcast.edit_menu")
def render_edit_menu(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [button(_(SECTION_NAMES[s]), EditCb(section=s)) for s in Section]
    return Rendered(_("What would you like to change?"), column(*buttons))


@notices.register("broadcast.confirmed")
def render_confirmed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    if data.get("scheduled_for"):
        text = _(
            "✅ Confirmed. It will be sent at {time}. Until then you can cancel it with "
            "/broadcasts.",
            time=data["scheduled_for"],
        )
    elif data.get("quiet_until"):
        text = _(
            "✅ Confirmed. Because of quiet hours it will go out at {time}; "
            "the progress is shown below.",
            time=data["quiet_until"],
        )
    else:
        text = _("✅ Confirmed. It is going out now; the progress is shown below.")
    return Rendered(text)


@notices.register("broadcast.discarded")
def render_discarded(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("✗ Discarded. Nothing was sent."))


# --- handlers -------------------------------------------------------------------------------


@router.callback_query(Compose.preview, PreviewCb.filter(F.action == PreviewAction.confirm))
async def confirm(
    query: CallbackQuery,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Store the announcement; it goes out now or at its time (the service decides)."""
    flow = Composer(state, reply, session, clock, settings)
    data = await flow.data()
    draft = flow.draft(data)
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    try:
        created = await broadcasts.create(
            session,
            draft=draft,
            staff=person.staff,
            creator_chat_id=str(chat_id),
            now=clock.now(),
            quiet=flow.quiet(),
        )
    except NotAllowed:
        await state.clear()
        await query.answer()
        await reply("broadcast.not_allowed", kind=kind_of(person))
        return
    except DomainError as exc:
        await alert(query, _, exc)
        await reply("error", key=exc.key, **exc.data)
        section = SECTION_OF_ERROR.get(exc.key)
        if section is None:
            await state.clear()
            return
        await state.update_data(editing=True)
        await flow.start(section)
        return
    await state.clear()
    zone = flow.zone(data)
    later = created.send_at if as_utc(created.send_at) > clock.now() else None
    quiet_until = flow.quiet_until(draft)
    await edit_pressed(
        query,
        reply,
        "broadcast.confirmed",
        scheduled_for=format_datetime(later, zone) if later else None,
        quiet_until=format_datetime(quiet_until, zone) if quiet_until else None,
    )
    await query.answer("✓")


@router.callback_query(Compose.preview, PreviewCb.filter(F.action == PreviewAction.edit))
async def edit(query: CallbackQuery, reply: Replier, state: FSMContext) -> None:
    """Offer the parts of the draft to change."""
    await state.set_state(Compose.editing)
    await edit_pressed(query, reply, "broadcast.edit_menu")
    await query.answer()


@router.callback_query(Compose.editing, EditCb.filter())
async def edit_section(
    query: CallbackQuery,
    callback_data: EditCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Ask that part again; the preview follows."""
    await answered(query, reply, "edit", answer=SECTION_NAMES[callback_data.section])
    await state.update_data(editing=True)
    await Composer(state, reply, session, clock, settings).start(callback_data.section)
    await query.answer()


@router.callback_query(Compose.preview, PreviewCb.filter(F.action == PreviewAction.cancel))
async def discard(query: CallbackQuery, person: Person, reply: Replier, state: FSMContext) -> None:
    """Throw the draft away."""
    await state.clear()
    await edit_pressed(query, reply, "broadcast.discarded")
    await reply("menu.main", kind=kind_of(person))
    await query.answer()
