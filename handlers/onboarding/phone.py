"""Joining by shared phone number: matched to the roster, or a request staff approve."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from core.phone import normalize_phone
from handlers.onboarding.common import (
    DecideCb,
    JoinAction,
    JoinCb,
    Joining,
    close_question,
    router,
)
from handlers.ui import error_text, private, typed
from models import ChatIdentity, ResidentRole
from services import onboarding
from services.errors import DomainError
from services.identities import Person


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
    await reply(
        "binding.choose_building",
        no_match=True,
        # shared again while a request waits: say so, rather than start over as if none
        pending=await onboarding.pending_address(session, person.identity),
        buildings=await _building_choices(session),
    )


async def _building_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """Each building's id and label: '3栋', with the estate's name when there are several."""
    buildings = await onboarding.buildings_of(session)
    several = len({b.community_id for b in buildings}) > 1
    return [(b.id, f"{b.community.name} {b.name}" if several else b.name) for b in buildings]


@router.callback_query(Joining.choosing_home, JoinCb.filter(F.action == JoinAction.buildings))
async def back_to_buildings(
    query: CallbackQuery, reply: Replier, session: AsyncSession, _: Translator
) -> None:
    """“← Back” from the units: the buildings again."""
    if not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."))
        return
    await reply.edit(
        query.message.message_id,
        "binding.choose_building",
        buildings=await _building_choices(session),
    )
    await query.answer()


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
        building_id=building.id,
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
    position = await onboarding.unit_position(session, callback_data.id)
    if address is None or position is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."))
        return
    building_id, unit_index = position
    await reply.edit(
        query.message.message_id,
        "binding.choose_role",
        household_id=callback_data.id,
        building_id=building_id,
        unit_index=unit_index,
        **address,
    )
    await query.answer()


@router.message(private, Joining.choosing_home, typed)
async def typed_home(message: Message, reply: Replier, session: AsyncSession) -> None:
    """The address typed instead of tapped ("3栋2单元302"): straight to who they are there."""
    home = await onboarding.home_from_words(session, message.text or "")
    if home is None:
        await reply("binding.home_not_found")
        return
    address = await onboarding.address_for(session, home.id)
    position = await onboarding.unit_position(session, home.id)
    assert address is not None and position is not None  # the home was just found
    building_id, unit_index = position
    await reply(
        "binding.choose_role",
        household_id=home.id,
        building_id=building_id,
        unit_index=unit_index,
        **address,
    )


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
    await close_question(query, reply, await onboarding.address_for(session, callback_data.id))
    await query.answer("✓")


# --- staff decide --------------------------------------------------------------------------


@router.callback_query(DecideCb.filter())
async def decide(
    query: CallbackQuery,
    callback_data: DecideCb,
    person: Person,
    bot: Bot,
    fsm_storage: BaseStorage,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """A staff member approves or rejects a join request (the role is checked in the service)."""
    try:
        request = await onboarding.decide_request(
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
    await _end_home_choice(fsm_storage, bot.id, request.identity)
    await query.answer(_("Approved.") if callback_data.approve else _("Rejected."))


async def _end_home_choice(storage: BaseStorage, bot_id: int, requester: ChatIdentity) -> None:
    """The requester may have shared their phone again while waiting, and so be choosing a home
    still: the decision ends that, or their typed problems would not be offered as reports."""
    if requester.channel != "telegram":
        return
    chat = int(requester.external_id)
    theirs = FSMContext(storage, StorageKey(bot_id=bot_id, chat_id=chat, user_id=chat))
    if await theirs.get_state() == Joining.choosing_home.state:
        await theirs.clear()
