"""“My home”: the address, who else is in the household, and (for owners) inviting and removing."""

from __future__ import annotations

import enum
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from handlers.ui import (
    BTN_HOME,
    ROLE_AS,
    ROLE_NAMES,
    Button,
    address_text,
    error_text,
    kind_of,
    private,
)
from models import ResidentRole
from services import onboarding, staff
from services.errors import DomainError
from services.identities import Person, address_of

router = Routes()


class HomeAction(enum.StrEnum):
    ask_remove = "a"
    remove = "r"
    keep = "k"
    switch = "s"  # to another of the person's homes


class HomeCb(CallbackData, prefix="home"):
    action: HomeAction
    resident_id: int


# --- renderers -------------------------------------------------------------------------------


@notices.register("household.overview")
def render_overview(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    lines = [_("Your home: {address}", address=address_text(_, data)), "", _("Members:")]
    rows = []
    for member in data["members"]:
        you = _(" (you)") if member["you"] else ""
        lines.append(f"• {member['name'] or '—'} · {_(ROLE_NAMES[member['role']])}{you}")
        if data["is_owner"] and not member["you"]:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("Remove {name}", name=member["name"] or "—"),
                        callback_data=HomeCb(
                            action=HomeAction.ask_remove, resident_id=member["id"]
                        ).pack(),
                    )
                ]
            )
    lines += _contacts(_, data)
    for home in data.get("other_homes") or []:  # linked to several: switch with a tap
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("🔁 Switch to {address}", address=address_text(_, home)),
                    callback_data=HomeCb(action=HomeAction.switch, resident_id=home["id"]).pack(),
                )
            ]
        )
    if data["is_owner"]:
        lines += [
            "",
            _(
                "To add family or a tenant, give them this binding code: {code}\n"
                "or this link: {link}",
                code=data["code"],
                link=f"https://t.me/{ctx.bot_username}?start={data['code']}",
            ),
        ]
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


def _contacts(_: Translator, data: dict[str, Any]) -> list[str]:
    """Who to turn to: the building's steward(s) by name, and the office's phone."""
    lines = []
    if data.get("stewards"):
        names = _(", ").join(data["stewards"])  # 、 in Chinese
        lines.append(_("Your steward: {names}", names=names))
    if data.get("hotline"):
        lines.append(_("Property office hotline: {hotline}", hotline=data["hotline"]))
    return ["", *lines] if lines else []


@notices.register("household.confirm_remove")
def render_confirm_remove(ctx: RenderContext) -> Rendered:
    _ = ctx._
    rid = ctx.data["resident_id"]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Yes, remove"),
                    callback_data=HomeCb(action=HomeAction.remove, resident_id=rid).pack(),
                ),
                InlineKeyboardButton(
                    text=_("No, keep"),
                    callback_data=HomeCb(action=HomeAction.keep, resident_id=rid).pack(),
                ),
            ]
        ]
    )
    return Rendered(
        _(
            "Remove {name} from your home? They will no longer see its information.",
            name=ctx.data.get("name") or "—",
        ),
        markup,
    )


@notices.register("household.member_joined")
def render_member_joined(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("This is not someone I know — remove"),
                    callback_data=HomeCb(
                        action=HomeAction.ask_remove, resident_id=data["resident_id"]
                    ).pack(),
                )
            ]
        ]
    )
    return Rendered(
        _(
            "{name} has joined your home {address} {as_role}.",
            name=data.get("name") or "—",
            address=address_text(_, data),
            as_role=_(ROLE_AS[data["role"]]),
        ),
        markup,
    )


@notices.register("household.member_removed")
def render_member_removed(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._("{name} has been removed from your home.", name=ctx.data.get("name") or "—")
    )


@notices.register("household.kept")
def render_kept(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("OK, nothing was changed."))


@notices.register("household.you_were_removed")
def render_you_were_removed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "You are no longer linked to {address}. If this is a mistake, please contact the "
            "home's owner or the property office.",
            address=address_text(_, ctx.data),
        )
    )


# --- handlers ------------------------------------------------------------------------------


@router.message(private, Command("home"))
@router.message(private, Button(BTN_HOME))
async def my_home(message: Message, person: Person, reply: Replier, session: AsyncSession) -> None:
    """Show the household's address and members; owners also get the code and remove buttons."""
    me = person.resident
    if me is None:
        await reply("menu.main", kind=kind_of(person))
        return
    await reply("household.overview", **await _overview(session, person))


async def _overview(session: AsyncSession, person: Person) -> dict[str, Any]:
    """What "My home" shows of the home in use, and the person's other homes to switch to."""
    me = person.resident
    assert me is not None
    members = await onboarding.members(session, me.household_id)
    is_owner = me.role == ResidentRole.owner
    building = me.household.building
    return {
        **address_of(me.household),
        "stewards": await staff.stewards_of(session, building),
        "hotline": building.community.hotline or "",
        "is_owner": is_owner,
        "code": me.household.binding_code if is_owner else "",
        "members": [
            {"id": m.id, "name": m.name, "role": m.role.value, "you": m.id == me.id}
            for m in members
        ],
        "other_homes": [
            {"id": r.id, **address_of(r.household)} for r in person.residencies if r is not me
        ],
    }


@router.callback_query(HomeCb.filter(F.action == HomeAction.switch))
async def switch(
    query: CallbackQuery,
    callback_data: HomeCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Use another of the person's homes from now on (reports, tickets, "My home")."""
    try:
        chosen = onboarding.switch_home(
            session, person=person, resident_id=callback_data.resident_id, now=clock.now()
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    await reply("household.overview", **await _overview(session, person))
    await query.answer(
        _("Now using {address}", address=address_text(_, address_of(chosen.household)))
    )


@router.callback_query(HomeCb.filter(F.action == HomeAction.ask_remove))
async def ask_remove(
    query: CallbackQuery,
    callback_data: HomeCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Ask the owner to confirm before removing someone."""
    members = (
        await onboarding.members(session, person.resident.household_id) if person.resident else []
    )
    target = next((m for m in members if m.id == callback_data.resident_id), None)
    if target is None or person.resident is None or person.resident.role != ResidentRole.owner:
        await query.answer(_("This button is no longer valid."))
        return
    await reply("household.confirm_remove", resident_id=target.id, name=target.name)
    await query.answer()


@router.callback_query(HomeCb.filter(F.action == HomeAction.remove))
async def remove(
    query: CallbackQuery,
    callback_data: HomeCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Remove the member (the service checks that the presser owns that household)."""
    try:
        removed = await onboarding.remove_member(
            session,
            owner=person.resident,
            actor=person.identity,
            resident_id=callback_data.resident_id,
            now=clock.now(),
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "household.member_removed", name=removed.name)
    await query.answer("✓")


@router.callback_query(HomeCb.filter(F.action == HomeAction.keep))
async def keep(query: CallbackQuery, reply: Replier) -> None:
    """The owner changed their mind."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "household.kept")
    await query.answer()
