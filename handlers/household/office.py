"""Staff giving a home a new binding code from chat: `/code 1栋1单元101`, then a confirmation.

An owner rings the office because the code reached the wrong person, or an owner is not in
the chat at all: a steward or the dispatcher renews the code there, without the command line.
The service checks role and scope on the press (services.permissions.Action.rotate_code) and
tells the home's owners the new code.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from core.clock import Clock
from handlers.household.common import router
from handlers.household.render import invite_link
from handlers.ui import MAX_ID, address_text, error_text, private
from services import onboarding
from services.errors import DomainError
from services.identities import Person, address_of
from services.onboarding.homes import load_household


class OfficeCodeCb(CallbackData, prefix="hoc"):
    household_id: int
    renew: bool


@notices.register("household.office_code_ask")
def render_ask(ctx: RenderContext) -> Rendered:
    _ = ctx._
    hid = int(ctx.data["household_id"])
    buttons = [
        [
            InlineKeyboardButton(
                text=_("🔑 Yes, new code"),
                callback_data=OfficeCodeCb(household_id=hid, renew=True).pack(),
            ),
            InlineKeyboardButton(
                text=_("No, keep it"),
                callback_data=OfficeCodeCb(household_id=hid, renew=False).pack(),
            ),
        ]
    ]
    text = _(
        "Give {address} a new binding code? The old one stops working at once; members stay.",
        address=address_text(_, ctx.data),
    )
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=buttons))


@notices.register("household.office_code_renewed")
def render_renewed(ctx: RenderContext) -> Rendered:
    """To the staff member who renewed it: the code to pass on."""
    _ = ctx._
    return Rendered(
        _(
            "{address} has a new binding code: {code}\nor this link: {link}\n"
            "The old code no longer works; members stay. Its owners have been told.",
            address=address_text(_, ctx.data),
            code=ctx.data["code"],
            link=invite_link(ctx, ctx.data["code"]),
        )
    )


@notices.register("household.office_code_which")
def render_which(ctx: RenderContext) -> Rendered:
    """No address after /code, or one that names no single home (`typed`: what was typed)."""
    _ = ctx._
    if ctx.data.get("typed"):
        return Rendered(
            _(
                "No single home matches “{typed}”. Type building, unit and room, for example: "
                "/code 1栋1单元101",
                typed=ctx.data["typed"],
            )
        )
    return Rendered(
        _("Which home? Type its address after the command, for example: /code 1栋1单元101")
    )


@notices.register("household.code_renewed_by_office")
def render_renewed_by_office(ctx: RenderContext) -> Rendered:
    """To the home's owners: the office renewed their code."""
    _ = ctx._
    return Rendered(
        _(
            "The property office has given {address} a new binding code: {code}\n"
            "or this link: {link}\nThe old code no longer works. Give the new one only to "
            "people you want in your home.",
            address=address_text(_, ctx.data),
            code=ctx.data["code"],
            link=invite_link(ctx, ctx.data["code"]),
        )
    )


@router.message(private, Command("code"))
async def office_code(
    message: Message,
    command: CommandObject,
    person: Person,
    session: AsyncSession,
    reply: Replier,
) -> None:
    """`/code <address>`: the home, and whether to give it a new binding code."""
    if person.staff is None:
        await reply("tickets.staff_only")
        return
    typed = (command.args or "").strip()
    home = await onboarding.home_from_words(session, typed) if typed else None
    if home is None:
        await reply("household.office_code_which", typed=typed[:40])
        return
    await reply("household.office_code_ask", household_id=home.id, **address_of(home))


@router.callback_query(OfficeCodeCb.filter(F.household_id.func(lambda v: 0 < v <= MAX_ID)))
async def office_code_pressed(
    query: CallbackQuery,
    callback_data: OfficeCodeCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    _: Translator,
) -> None:
    """Yes: the new code (role and scope checked by the service); No: nothing changes."""
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    if not callback_data.renew:  # nothing to check: nothing changes
        if message_id is not None:
            await reply.edit(message_id, "household.kept")
        await query.answer()
        return
    try:
        code = await onboarding.office_renews_code(
            session,
            staff=person.staff,
            identity=person.identity,
            household_id=callback_data.household_id,
            now=clock.now(),
        )
        home = await load_household(session, callback_data.household_id)
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    if message_id is not None:
        await reply.edit(
            message_id, "household.office_code_renewed", code=code, **address_of(home)
        )
    await query.answer()
