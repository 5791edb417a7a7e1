"""Joining a household: binding code (typed, /start CODE, deep link), shared phone, approval."""

from __future__ import annotations

import enum

from aiogram import F
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.phone import normalize_phone
from core.settings import Settings
from handlers.ui import (
    BTN_ENTER_CODE,
    ROLE_NAMES,
    Button,
    address_text,
    error_text,
    kind_of,
    menu_keyboard,
)
from models import ResidentRole
from services import onboarding
from services.errors import DomainError
from services.identities import Person

router = Routes("onboarding")
private = F.chat.type == "private"


class Joining(StatesGroup):
    confirming = State()  # a code matched; waiting for "yes, this is my home, as …"
    choosing_home = State()  # phone not on the roster; picking building → unit → room → role


class JoinAction(enum.StrEnum):
    role = "r"  # confirm the code's home with this role
    cancel = "x"
    building = "b"
    unit = "u"
    room = "h"
    request = "q"


class JoinCb(CallbackData, prefix="join"):
    action: JoinAction
    id: int = 0
    unit: int = 0
    role: str = ""


class DecideCb(CallbackData, prefix="breq"):
    request_id: int
    approve: bool


# --- renderers -------------------------------------------------------------------------------


def _role_buttons(
    _: Translator, household_id: int, owner_taken: bool, action: JoinAction
) -> list[list[InlineKeyboardButton]]:
    roles = [r for r in ResidentRole if not (owner_taken and r == ResidentRole.owner)]
    return [
        [
            InlineKeyboardButton(
                text=_("I am the {role}", role=_(ROLE_NAMES[r.value])),
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
        "Done! You are now linked to {address} as {role}.\n\nUse the buttons below any time.",
        address=address_text(_, ctx.data),
        role=_(ROLE_NAMES[ctx.data["role"]]),
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
    if ctx.data.get("no_match"):
        text = _(
            "Your phone number is not on the property office's list yet. No problem: tell us "
            "your home and a steward will confirm you.\n\nWhich building do you live in?"
        )
    else:
        text = _("Which building do you live in?")
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


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
    rows.append(
        [
            InlineKeyboardButton(
                text=_("✗ Cancel"), callback_data=JoinCb(action=JoinAction.cancel).pack()
            )
        ]
    )
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
    rows.append(
        [
            InlineKeyboardButton(
                text=_("✗ Cancel"), callback_data=JoinCb(action=JoinAction.cancel).pack()
            )
        ]
    )
    return Rendered(
        _("{building} {unit}: which room?", building=ctx.data["building"], unit=ctx.data["unit"]),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@notices.register("binding.choose_role")
def render_choose_role(ctx: RenderContext) -> Rendered:
    _ = ctx._
    rows = _role_buttons(_, ctx.data["household_id"], False, JoinAction.request)
    rows.append(
        [
            InlineKeyboardButton(
                text=_("✗ Cancel"), callback_data=JoinCb(action=JoinAction.cancel).pack()
            )
        ]
    )
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
    return Rendered(
        _(
            "Sorry, the property office could not confirm that you live at {address}. "
            "Please call the office, or ask the home's owner for the binding code.",
            address=address_text(_, ctx.data),
        ),
        menu_keyboard(_, "guest"),
    )


# --- binding code ------------------------------------------------------------------------------


@router.message(private, CommandStart(deep_link=True))
async def start_with_code(
    message: Message,
    command: CommandObject,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """`/start CODE` and t.me/<bot>?start=CODE: look the code up and ask to confirm."""
    await _try_code(command.args or "", person, reply, state, session, clock, settings)


@router.message(private, CommandStart())
async def start(message: Message, person: Person, reply: Replier, state: FSMContext) -> None:
    """Greet: the menu for people we know, the ways to join for everyone else."""
    await state.clear()
    await reply("menu.main", kind=kind_of(person))


@router.message(private, Button(BTN_ENTER_CODE))
async def ask_code(message: Message, reply: Replier) -> None:
    """Explain what a binding code looks like."""
    await reply("binding.ask_code")


@router.message(
    private, StateFilter(None, Joining.confirming), F.text.func(onboarding.looks_like_code)
)
async def typed_code(
    message: Message,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Something code-shaped typed by someone with no home yet (or a new code for another home)."""
    if onboarding.normalize_code(message.text or "") is None and person.resident is not None:
        await reply("common.not_understood", kind=kind_of(person))
        return
    await _try_code(message.text or "", person, reply, state, session, clock, settings)


async def _try_code(
    text: str,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    try:
        match = await onboarding.check_code(
            session,
            identity=person.identity,
            text=text,
            now=clock.now(),
            attempts_per_hour=settings.onboarding.code_attempts_per_hour,
        )
    except DomainError as exc:
        await reply("error", key=exc.key, **exc.data)
        return
    await state.set_state(Joining.confirming)
    await state.set_data({"household_id": match.household_id, "code": match.code})
    await reply(
        "binding.confirm",
        household_id=match.household_id,
        owner_taken=match.owner_taken,
        **match.address,
    )


@router.callback_query(Joining.confirming, JoinCb.filter(F.action == JoinAction.role))
async def confirm_code(
    query: CallbackQuery,
    callback_data: JoinCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Bind to the home the code named, with the role the person chose."""
    pending = await state.get_data()
    if (
        pending.get("household_id") != callback_data.id
        or callback_data.role not in ResidentRole.__members__
    ):
        await query.answer(_("This button is no longer valid."))
        return
    try:
        await onboarding.bind_with_code(
            session,
            identity=person.identity,
            household_id=callback_data.id,
            code=pending["code"],
            role=ResidentRole(callback_data.role),
            now=clock.now(),
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        if exc.key == "binding.owner_taken":
            return
        await state.clear()
        await reply("error", key=exc.key, **exc.data)
        return
    await state.clear()
    await _close_question(query, reply, await onboarding.address_for(session, callback_data.id))
    await query.answer("✓")


async def _close_question(
    query: CallbackQuery, reply: Replier, address: dict[str, str] | None = None
) -> None:
    """Take the buttons off the question just answered, leaving the home it was about."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "binding.closed", **(address or {}))


@router.callback_query(JoinCb.filter(F.action == JoinAction.cancel))
async def cancel_join(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """“Not my home” / Cancel: forget the half-finished join."""
    await state.clear()
    await _close_question(query, reply)
    await reply("menu.main", kind=kind_of(person))
    await query.answer()


# --- shared phone number ---------------------------------------------------------------------


@router.message(private, F.contact)
async def shared_contact(
    message: Message,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Bind by the roster's phone number; otherwise start a request for staff approval."""
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        await reply("binding.phone_not_own")
        return
    try:
        phone = normalize_phone(contact.phone_number)
    except ValueError:
        await reply("binding.phone_invalid")
        return
    try:
        bound = await onboarding.bind_by_phone(
            session, identity=person.identity, phone=phone, now=clock.now()
        )
    except DomainError as exc:
        await reply("error", key=exc.key, **exc.data)
        return
    if bound:
        await state.clear()
        return
    await state.set_state(Joining.choosing_home)
    await state.set_data({"phone": phone})
    buildings = await onboarding.buildings_of(session)
    await reply(
        "binding.choose_building",
        no_match=True,
        buildings=[(b.id, _building_label(b, buildings)) for b in buildings],
    )


def _building_label(building, all_buildings) -> str:  # type: ignore[no-untyped-def]
    """'3栋', prefixed with the estate's name when the company runs several."""
    several = len({b.community_id for b in all_buildings}) > 1
    return f"{building.community.name} {building.name}" if several else building.name


@router.callback_query(Joining.choosing_home, JoinCb.filter(F.action == JoinAction.building))
async def picked_building(
    query: CallbackQuery,
    callback_data: JoinCb,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Show the building's units."""
    units = await onboarding.units_of(session, callback_data.id)
    building = next(
        (b for b in await onboarding.buildings_of(session) if b.id == callback_data.id), None
    )
    if building is None or not units or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."))
        return
    await reply.edit(
        query.message.message_id,
        "binding.choose_unit",
        building_id=building.id,
        building=building.name,
        units=units,
    )
    await query.answer()


@router.callback_query(Joining.choosing_home, JoinCb.filter(F.action == JoinAction.unit))
async def picked_unit(
    query: CallbackQuery,
    callback_data: JoinCb,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Show the unit's rooms."""
    units = await onboarding.units_of(session, callback_data.id)
    building = next(
        (b for b in await onboarding.buildings_of(session) if b.id == callback_data.id), None
    )
    if (
        building is None
        or not 0 <= callback_data.unit < len(units)
        or not isinstance(query.message, Message)
    ):
        await query.answer(_("This button is no longer valid."))
        return
    unit = units[callback_data.unit]
    rooms = await onboarding.rooms_of(session, building.id, unit)
    await reply.edit(
        query.message.message_id,
        "binding.choose_room",
        building=building.name,
        unit=unit,
        rooms=[(h.id, h.room) for h in rooms],
    )
    await query.answer()


@router.callback_query(Joining.choosing_home, JoinCb.filter(F.action == JoinAction.room))
async def picked_room(
    query: CallbackQuery,
    callback_data: JoinCb,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Ask who they are in that home."""
    address = await onboarding.address_for(session, callback_data.id)
    if address is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."))
        return
    await reply.edit(
        query.message.message_id, "binding.choose_role", household_id=callback_data.id, **address
    )
    await query.answer()


@router.callback_query(Joining.choosing_home, JoinCb.filter(F.action == JoinAction.request))
async def send_request(
    query: CallbackQuery,
    callback_data: JoinCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """Send the join request to the staff group."""
    if callback_data.role not in ResidentRole.__members__:
        await query.answer(_("This button is no longer valid."))
        return
    pending = await state.get_data()
    try:
        await onboarding.request_binding(
            session,
            identity=person.identity,
            household_id=callback_data.id,
            role=ResidentRole(callback_data.role),
            phone=pending.get("phone"),
            now=clock.now(),
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    await state.clear()
    await _close_question(query, reply, await onboarding.address_for(session, callback_data.id))
    await query.answer("✓")


# --- staff decide --------------------------------------------------------------------------


@router.callback_query(DecideCb.filter())
async def decide(
    query: CallbackQuery,
    callback_data: DecideCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """A staff member approves or rejects a join request (the role is checked in the service)."""
    try:
        await onboarding.decide_request(
            session,
            request_id=callback_data.request_id,
            staff=person.staff,
            actor=person.identity,
            approve=callback_data.approve,
            now=clock.now(),
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    await query.answer(_("Approved.") if callback_data.approve else _("Rejected."))
