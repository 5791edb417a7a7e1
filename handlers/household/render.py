"""How “My home” reads: the overview, and the owner's removals and new codes, as notices."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.household.common import HomeAction, HomeCb
from handlers.ui import ROLE_AS, ROLE_NAMES, address_text, menu_keyboard


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
    lines += contact_lines(_, data)
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
                link=invite_link(ctx, data["code"]),
            ),
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("🔄 Give my home a new code"),
                    callback_data=HomeCb(
                        action=HomeAction.ask_renew, resident_id=data["resident_id"]
                    ).pack(),
                )
            ]
        )
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


def invite_link(ctx: RenderContext, code: str) -> str:
    return f"https://t.me/{ctx.bot_username}?start={code}"


def _new_code(ctx: RenderContext, code: str) -> str:
    return ctx._(
        "Your home has a new binding code: {code}\nor this link: {link}\n"
        "The old code no longer works. Give the new one only to people you want in your home.",
        code=code,
        link=invite_link(ctx, code),
    )


def contact_lines(_: Translator, data: dict[str, Any]) -> list[str]:
    """Who to turn to: the building's steward(s) by name, and the office's phone."""
    lines = []
    if data.get("stewards"):
        names = _(", ").join(data["stewards"])  # 、 in Chinese
        lines.append(_("Your steward: {names}", names=names))
    if data.get("hotline"):
        lines.append(_("Property office hotline: {hotline}", hotline=data["hotline"]))
    return ["", *lines] if lines else []


def _confirm(yes: str, action: HomeAction, no: str, resident_id: int) -> InlineKeyboardMarkup:
    """Yes (does `action`) and No (changes nothing), side by side."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=yes, callback_data=HomeCb(action=action, resident_id=resident_id).pack()
                ),
                InlineKeyboardButton(
                    text=no,
                    callback_data=HomeCb(action=HomeAction.keep, resident_id=resident_id).pack(),
                ),
            ]
        ]
    )


@notices.register("household.confirm_remove")
def render_confirm_remove(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "Remove {name} from your home? They will no longer see its information.",
            name=ctx.data.get("name") or "—",
        ),
        _confirm(_("Yes, remove"), HomeAction.remove, _("No, keep"), ctx.data["resident_id"]),
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
    """Removed; and when they had come in with the code, the home's new one."""
    text = ctx._("{name} has been removed from your home.", name=ctx.data.get("name") or "—")
    if ctx.data.get("code"):
        text += "\n\n" + _new_code(ctx, ctx.data["code"])
    return Rendered(text)


@notices.register("household.confirm_renew")
def render_confirm_renew(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "Give {address} a new binding code? The code {code} will stop working at once; "
            "everyone already in your home stays.",
            address=address_text(_, ctx.data),
            code=ctx.data["code"],
        ),
        _confirm(
            _("Yes, a new code"), HomeAction.renew, _("No, keep it"), ctx.data["resident_id"]
        ),
    )


@notices.register("household.code_renewed")
def render_code_renewed(ctx: RenderContext) -> Rendered:
    return Rendered(_new_code(ctx, ctx.data["code"]))


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
        ),
        menu_keyboard(_, ctx.data.get("kind", "guest")),  # the old home's buttons go
    )
