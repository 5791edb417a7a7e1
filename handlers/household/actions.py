"""“My home”: showing it, switching homes, and what an owner does (remove, new code)."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from handlers.household.common import HomeAction, HomeCb, router
from handlers.ui import BTN_HOME, Button, address_text, error_text, kind_of, private
from models import ResidentRole
from services import onboarding, staff
from services.errors import DomainError
from services.identities import Person, address_of


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
        "resident_id": me.id,
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
    await _done(
        query,
        reply,
        "household.member_removed",
        name=removed.resident.name,
        code=removed.new_code,
    )


@router.callback_query(HomeCb.filter(F.action == HomeAction.ask_renew))
async def ask_renew(
    query: CallbackQuery, callback_data: HomeCb, person: Person, reply: Replier, _: Translator
) -> None:
    """Ask the owner to confirm: the code they gave out stops working."""
    mine = next((r for r in person.residencies if r.id == callback_data.resident_id), None)
    if mine is None or mine.role != ResidentRole.owner:
        await query.answer(_("This button is no longer valid."))
        return
    await reply(
        "household.confirm_renew",
        resident_id=mine.id,
        code=mine.household.binding_code,
        **address_of(mine.household),
    )
    await query.answer()


@router.callback_query(HomeCb.filter(F.action == HomeAction.renew))
async def renew(
    query: CallbackQuery,
    callback_data: HomeCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """A new code for the owner's home (the service checks that the presser owns it)."""
    try:
        code = await onboarding.renew_code(
            session, person=person, resident_id=callback_data.resident_id, now=clock.now()
        )
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return
    await _done(query, reply, "household.code_renewed", code=code)


async def _done(query: CallbackQuery, reply: Replier, notice: str, **data: Any) -> None:
    """The confirmation that was pressed now says what was done."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, notice, **data)
    await query.answer("✓")


@router.callback_query(HomeCb.filter(F.action == HomeAction.keep))
async def keep(query: CallbackQuery, reply: Replier) -> None:
    """The owner changed their mind."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "household.kept")
    await query.answer()
