"""How the joining steps read: every message of binding, as outbox notices."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.onboarding.common import DecideCb, JoinAction, JoinCb
from handlers.ui import (
    ROLE_AS,
    ROLE_CLAIMS,
    ROLE_NAMES,
    address_text,
    menu_keyboard,
)
from models import ResidentRole


def _role_buttons(
    _: Translator, household_id: int, owner_taken: bool, action: JoinAction
) -> list[list[InlineKeyboardButton]]:
    roles = [r for r in ResidentRole if not (owner_taken and r == ResidentRole.owner)]
    return [
        [
            InlineKeyboardButton(
                text=_(ROLE_CLAIMS[r.value]),
                callback_data=JoinCb(action=action, id=household_id, role=r.value).pack(),
            )
        ]
        for r in roles
    ]


@notices.register("binding.confirm")
def render_confirm(ctx: RenderContext) -> Rendered:
    _ = ctx._
    rows = _role_buttons(
        _, ctx.data["household_id"], ctx.data.get("owner_taken", False), JoinAction.role
    )
    rows.append(
        [
            InlineKeyboardButton(
                text=_("✗ This is not my home"),
                callback_data=JoinCb(action=JoinAction.cancel).pack(),
            )
        ]
    )
    text = _(
        "Is this your home?\n\n{address}\n\nTap who you are to join it.",
        address=address_text(_, ctx.data),
    )
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("binding.closed")
def render_closed(ctx: RenderContext) -> Rendered:
    """A finished or abandoned question, its buttons removed."""
    _ = ctx._
    if ctx.data.get("room"):
        return Rendered(_("Home: {address}", address=address_text(_, ctx.data)))
    return Rendered(_("Cancelled."))


@notices.register("binding.bound")
def render_bound(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _(
        "Done! You are now linked to {address} {as_role}.\n\nUse the buttons below any time.",
        address=address_text(_, ctx.data),
        as_role=_(ROLE_AS[ctx.data["role"]]),
    )
    return Rendered(text, menu_keyboard(_, "resident"))


@notices.register("binding.ask_code")
def render_ask_code(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._("Please type your 8-character binding code (letters and digits, e.g. ABCD2345).")
    )


@notices.register("binding.phone_not_own")
def render_phone_not_own(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "Please share your own phone number with the “Share my phone number” button, "
            "not someone else's contact."
        ),
        menu_keyboard(_, "guest"),
    )


@notices.register("binding.phone_typed")
def render_phone_typed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "To keep your home safe, your phone number has to come through the “Share my "
            "phone number” button below: a typed number cannot be checked. Just tap the button."
        ),
        menu_keyboard(_, "guest"),
    )


@notices.register("binding.address_typed")
def render_address_typed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "To join {address}, tap “Share my phone number” below: if the property office has "
            "your number you are in at once, otherwise a steward confirms you. Or type the "
            "home's 8-character binding code.",
            address=address_text(_, ctx.data),
        ),
        menu_keyboard(_, "guest"),
    )


@notices.register("binding.phone_invalid")
def render_phone_invalid(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "That phone number could not be read. Please try the button again, or type your "
            "binding code."
        ),
        menu_keyboard(_, "guest"),
    )


@notices.register("binding.choose_building")
def render_choose_building(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [
        InlineKeyboardButton(
            text=name, callback_data=JoinCb(action=JoinAction.building, id=bid).pack()
        )
        for bid, name in ctx.data["buildings"]
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("✗ Cancel"), callback_data=JoinCb(action=JoinAction.cancel).pack()
            )
        ]
    )
    if ctx.data.get("pending"):
        text = _(
            "Your request to join {address} is waiting for a steward to confirm; you will be "
            "told here. If that is not your home, choose it again below (the earlier request "
            "is then withdrawn).\n\nWhich building do you live in?",
            address=address_text(_, ctx.data["pending"]),
        )
    elif ctx.data.get("no_match"):
        text = _(
            "Your phone number is not on the property office's list yet. No problem: tell us "
            "your home and a steward will confirm you.\n\nWhich building do you live in?"
        )
    else:
        text = _("Which building do you live in?")
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


def _back_and_cancel(_: Translator, back: JoinCb) -> list[InlineKeyboardButton]:
    """One step back (a building or unit tapped by mistake), or stop."""
    return [
        InlineKeyboardButton(text=_("← Back"), callback_data=back.pack()),
        InlineKeyboardButton(
            text=_("✗ Cancel"), callback_data=JoinCb(action=JoinAction.cancel).pack()
        ),
    ]


@notices.register("binding.choose_unit")
def render_choose_unit(ctx: RenderContext) -> Rendered:
    _ = ctx._
    building_id = ctx.data["building_id"]
    buttons = [
        InlineKeyboardButton(
            text=unit or _("(no unit)"),
            callback_data=JoinCb(action=JoinAction.unit, id=building_id, unit=i).pack(),
        )
        for i, unit in enumerate(ctx.data["units"])
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(_back_and_cancel(_, JoinCb(action=JoinAction.buildings)))
    return Rendered(
        _("{building}: which unit?", building=ctx.data["building"]),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@notices.register("binding.choose_room")
def render_choose_room(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [
        InlineKeyboardButton(
            text=room, callback_data=JoinCb(action=JoinAction.room, id=hid).pack()
        )
        for hid, room in ctx.data["rooms"]
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    back = JoinCb(action=JoinAction.building, id=ctx.data["building_id"])
    rows.append(_back_and_cancel(_, back))
    return Rendered(
        _("{building} {unit}: which room?", building=ctx.data["building"], unit=ctx.data["unit"]),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@notices.register("binding.home_not_found")
def render_home_not_found(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "I could not find that home. Please type it as building, unit and room, for "
            "example “3栋2单元302”, or tap the buttons above one by one."
        )
    )


@notices.register("binding.choose_role")
def render_choose_role(ctx: RenderContext) -> Rendered:
    _ = ctx._
    rows = _role_buttons(_, ctx.data["household_id"], False, JoinAction.request)
    back = JoinCb(action=JoinAction.unit, id=ctx.data["building_id"], unit=ctx.data["unit_index"])
    rows.append(_back_and_cancel(_, back))
    return Rendered(
        _(
            "{address}\n\nWho are you in this home? A steward will check and confirm.",
            address=address_text(_, ctx.data),
        ),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@notices.register("binding.request_sent")
def render_request_sent(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _(
        "Thank you. Your request to join {address} has been sent to the property office. "
        "You will get a message here as soon as a steward confirms it.",
        address=address_text(_, ctx.data),
    )
    if not ctx.data.get("staff_reachable", True):
        text += "\n" + _(
            "(The office has not connected its staff group yet; please also call them.)"
        )
    return Rendered(text, menu_keyboard(_, "guest"))


@notices.register("binding.request")
def render_request(ctx: RenderContext) -> Rendered:
    """The request as staff see it in their group; buttons while it is pending."""
    _ = ctx._
    data = ctx.data
    lines = [
        _("Request to join a home #{id}", id=data["request_id"]),
        _("Home: {address}", address=address_text(_, data)),
        _("Name: {name}", name=data.get("name") or "—"),
        _("Phone: {phone}", phone=data.get("phone") or "—"),
        _("Says they are: {role}", role=_(ROLE_NAMES[data["role"]])),
    ]
    status = data.get("status", "pending")
    markup = None
    if status == "pending":
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✓ Approve"),
                        callback_data=DecideCb(request_id=data["request_id"], approve=True).pack(),
                    ),
                    InlineKeyboardButton(
                        text=_("✗ Reject"),
                        callback_data=DecideCb(
                            request_id=data["request_id"], approve=False
                        ).pack(),
                    ),
                ]
            ]
        )
    elif status == "approved":
        lines.append(_("✓ Approved by {name}", name=data.get("decided_by") or "—"))
    elif status == "rejected":
        lines.append(_("✗ Rejected by {name}", name=data.get("decided_by") or "—"))
    else:
        lines.append(_("Withdrawn by the resident."))
    return Rendered("\n".join(lines), markup)


@notices.register("binding.rejected")
def render_rejected(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _(
        "Sorry, the property office could not confirm that you live at {address}. "
        "Please call the office, or ask the home's owner for the binding code.",
        address=address_text(_, ctx.data),
    )
    if ctx.data.get("hotline"):
        text += "\n" + _("Property office hotline: {hotline}", hotline=ctx.data["hotline"])
    return Rendered(text, menu_keyboard(_, "guest"))
