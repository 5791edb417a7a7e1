"""Joining by binding code: typed, /start CODE, or the deep link; confirming the home."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from core.settings import Settings
from handlers.onboarding.common import JoinAction, JoinCb, Joining, close_question, router
from handlers.ui import BTN_ENTER_CODE, Button, error_text, kind_of, private
from models import ResidentRole
from services import onboarding
from services.errors import DomainError
from services.households import office_hotline
from services.identities import Person


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
        hotline = await office_hotline(session, person)
        await reply("common.not_understood", kind=kind_of(person), hotline=hotline)
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
    await close_question(query, reply, await onboarding.address_for(session, callback_data.id))
    await query.answer("✓")


@router.callback_query(JoinCb.filter(F.action == JoinAction.cancel))
async def cancel_join(
    query: CallbackQuery, person: Person, reply: Replier, state: FSMContext
) -> None:
    """“Not my home” / Cancel: forget the half-finished join."""
    await state.clear()
    await close_question(query, reply)
    await reply("menu.main", kind=kind_of(person))
    await query.answer()
