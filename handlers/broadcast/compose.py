"""/broadcast: the steps of composing, from choosing the estate up to the preview.

Own text or a template → the text (or the template's fields) → who receives it → urgent? →
ask for “Got it”? → when → expiry; then handlers/broadcast/preview.py takes over. Each
handler keeps one answer in the FSM data and asks the next question (`Composer`). The rules
(who may announce, lengths, times, the audience) are services.broadcasts'.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock, as_utc
from core.settings import Settings
from handlers.broadcast.base import edit_pressed, no_longer_valid, router
from handlers.broadcast.buttons import (
    AUDIENCE_NAMES,
    EXPIRY_DAYS,
    EXPIRY_NAMES,
    NO,
    OWN_TEXT,
    WHEN_NAMES,
    YES,
    AudienceCb,
    AudienceKind,
    BuildingCb,
    EstateCb,
    ExpiryCb,
    KindCb,
    Question,
    When,
    WhenCb,
    YesNoCb,
)
from handlers.broadcast.composer import Composer, answered, estates_of, may_broadcast
from handlers.broadcast.states import Compose, Section
from handlers.notices import TEMPLATE_NAMES
from handlers.ui import BTN_BROADCAST, Button, kind_of, private, typed
from services import onboarding
from services.broadcasts import BODY_MAX, CAPTION_BODY_MAX, TEMPLATES, TITLE_MAX
from services.identities import Person

FIELD_MAX = 200
_TYPED_TIME = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2})[:：](\d{2})\s*$")


@router.message(private, Command("broadcast"))
@router.message(private, Button(BTN_BROADCAST))
async def start_broadcast(
    message: Message,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Start a new announcement (managers and admins only)."""
    await state.clear()
    estates = await estates_of(session, person.staff)
    if not may_broadcast(person.staff, estates):
        await reply("broadcast.not_allowed", kind=kind_of(person))
        return
    if len(estates) == 1:
        await Composer(state, reply, session, clock, settings).begin(*estates[0])
        return
    await state.set_state(Compose.estate)
    await reply("broadcast.ask_estate", estates=[(cid, name) for cid, name, _z in estates])


@router.callback_query(Compose.estate, EstateCb.filter())
async def picked_estate(
    query: CallbackQuery,
    callback_data: EstateCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """An admin chose the estate."""
    estates = {e[0]: e for e in await estates_of(session, person.staff)}
    chosen = estates.get(callback_data.community_id)
    if chosen is None or not may_broadcast(person.staff, [chosen]):
        await no_longer_valid(query, _)
        return
    await answered(query, reply, "estate", raw=chosen[1])
    await Composer(state, reply, session, clock, settings).begin(*chosen)
    await query.answer()


@router.callback_query(Compose.kind, KindCb.filter())
async def picked_kind(
    query: CallbackQuery,
    callback_data: KindCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Own text → ask the title; a template → ask its first field."""
    template = callback_data.template or None
    if template is not None and template not in TEMPLATES:
        await no_longer_valid(query, _)
        return
    flow = Composer(state, reply, session, clock, settings)
    await answered(query, reply, "kind", answer=TEMPLATE_NAMES[template] if template else OWN_TEXT)
    data = await flow.data()
    if template is None:
        await state.update_data(template=None, fields={})
        await flow.ask_title()
    else:
        # A template has no photo or file; its urgency is suggested, not forced.
        fields = data.get("fields") if data.get("template") == template else {}
        await state.update_data(
            template=template, fields=fields or {}, title="", body="", photo=None, document=None
        )
        await flow.ask_field(0)
    await query.answer()


@router.message(private, Compose.title, typed)
async def typed_title(
    message: Message,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Keep the title; ask for the text."""
    flow = Composer(state, reply, session, clock, settings)
    title = (message.text or "").strip()
    if await flow.refused(title, TITLE_MAX, flow.ask_title):
        return
    await state.update_data(title=title)
    await flow.ask_body()


@router.message(private, Compose.body, typed)
@router.message(private, Compose.body, F.photo | F.document)
async def typed_body(
    message: Message,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Keep the text (and a photo or file, by its Telegram file id)."""
    flow = Composer(state, reply, session, clock, settings)
    photo = message.photo[-1].file_id if message.photo else None
    document = message.document.file_id if message.document else None
    body = (message.text if message.text is not None else message.caption or "").strip()
    limit = CAPTION_BODY_MAX if photo or document else BODY_MAX
    if await flow.refused(body, limit, flow.ask_body, empty="need_caption"):
        return
    await state.update_data(body=body, photo=photo, document=document)
    await flow.done(Section.text)


@router.message(private, Compose.field, typed)
async def typed_field(
    message: Message,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Keep one of the template's fields; ask the next, or move on."""
    flow = Composer(state, reply, session, clock, settings)
    data = await flow.data()
    template, index = data.get("template"), int(data.get("field_index") or 0)
    if template not in TEMPLATES or index >= len(TEMPLATES[template]):
        await state.clear()
        await reply("error", key="broadcast.unknown_template")
        return
    value = (message.text or "").strip()
    if await flow.refused(value, FIELD_MAX, partial(flow.ask_field, index)):
        return
    fields = {**(data.get("fields") or {}), TEMPLATES[template][index]: value}
    await state.update_data(fields=fields)
    if index + 1 < len(TEMPLATES[template]):
        await flow.ask_field(index + 1)
    else:
        await flow.done(Section.text)


async def _buildings(session: AsyncSession, community_id: int) -> list[tuple[int, str]]:
    return [(b.id, b.name) for b in await onboarding.buildings_of(session, community_id)]


@router.callback_query(Compose.audience, AudienceCb.filter())
async def picked_audience(
    query: CallbackQuery,
    callback_data: AudienceCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The whole estate or staff only → next; buildings → show the building toggles."""
    flow = Composer(state, reply, session, clock, settings)
    data = await flow.data()
    community_id = int(data["community_id"])
    if callback_data.kind == AudienceKind.buildings:
        await state.set_state(Compose.buildings)
        chosen = [int(b) for b in data.get("building_ids") or []]
        await state.update_data(building_ids=chosen)
        buildings = await _buildings(session, community_id)
        await edit_pressed(
            query, reply, "broadcast.ask_buildings", buildings=buildings, chosen=chosen
        )
        await query.answer()
        return
    await state.update_data(
        audience={"kind": callback_data.kind.value, "community_id": community_id},
        building_names=[],
    )
    await answered(query, reply, "audience", answer=AUDIENCE_NAMES[callback_data.kind])
    await flow.done(Section.audience)
    await query.answer()


@router.callback_query(Compose.buildings, BuildingCb.filter())
async def toggled_building(
    query: CallbackQuery,
    callback_data: BuildingCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Tick or untick a building; “Done” keeps the choice."""
    flow = Composer(state, reply, session, clock, settings)
    data = await flow.data()
    community_id = int(data["community_id"])
    buildings = await _buildings(session, community_id)
    names = dict(buildings)
    chosen = [int(b) for b in data.get("building_ids") or [] if int(b) in names]
    if callback_data.building_id == 0:
        if not chosen:
            await query.answer(_("Please choose at least one building."), show_alert=True)
            return
        ordered = [bid for bid, _name in buildings if bid in chosen]
        await state.update_data(
            audience={"kind": "buildings", "community_id": community_id, "building_ids": ordered},
            building_names=[names[b] for b in ordered],
        )
        await answered(query, reply, "audience", raw=", ".join(names[b] for b in ordered))
        await flow.done(Section.audience)
        await query.answer()
        return
    if callback_data.building_id not in names:
        await no_longer_valid(query, _)
        return
    if callback_data.building_id in chosen:
        chosen.remove(callback_data.building_id)
    else:
        chosen.append(callback_data.building_id)
    await state.update_data(building_ids=chosen)
    await edit_pressed(query, reply, "broadcast.ask_buildings", buildings=buildings, chosen=chosen)
    await query.answer()


@router.callback_query(Compose.urgent, YesNoCb.filter(F.question == Question.urgent))
@router.callback_query(Compose.ack, YesNoCb.filter(F.question == Question.ack))
async def answered_yes_no(
    query: CallbackQuery,
    callback_data: YesNoCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Urgent? then “Got it”?"""
    flow = Composer(state, reply, session, clock, settings)
    answer = YES if callback_data.yes else NO
    if callback_data.question == Question.urgent:
        await state.update_data(urgent=callback_data.yes)
        await answered(query, reply, "urgent", answer=answer)
        await state.set_state(Compose.ack)
        await reply("broadcast.ask_ack")
    else:
        await state.update_data(ack=callback_data.yes)
        await answered(query, reply, "ack", answer=answer)
        await flow.done(Section.options)
    await query.answer()


@router.callback_query(Compose.when, WhenCb.filter())
async def picked_when(
    query: CallbackQuery,
    callback_data: WhenCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Now, in an hour, tomorrow morning — or ask for a typed time."""
    flow = Composer(state, reply, session, clock, settings)
    await answered(query, reply, "when", answer=WHEN_NAMES[callback_data.when])
    if callback_data.when == When.typed:
        await flow.ask_time()
        await query.answer()
        return
    send_at: datetime | None = None
    if callback_data.when == When.hour:
        send_at = clock.now() + timedelta(hours=1)
    elif callback_data.when == When.morning:
        send_at = flow.tomorrow_morning(await flow.data())
    await state.update_data(send_at=send_at.isoformat() if send_at else None)
    await flow.ask_expiry()
    await query.answer()


@router.message(private, Compose.time, typed)
async def typed_time(
    message: Message,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Read “YYYY-MM-DD HH:MM” in the estate's zone; it must lie ahead."""
    flow = Composer(state, reply, session, clock, settings)
    data = await flow.data()
    match = _TYPED_TIME.match(message.text or "")
    at: datetime | None = None
    if match:
        year, month, day, hour, minute = (int(g) for g in match.groups())
        try:
            at = datetime(year, month, day, hour, minute, tzinfo=flow.zone(data))
        except ValueError:
            at = None
    if at is None:
        await flow.problem("time_format", example=flow.example_time(data))
        await flow.ask_time()
        return
    if at <= clock.now():
        await flow.problem("time_past")
        await flow.ask_time()
        return
    await state.update_data(send_at=as_utc(at).isoformat())
    await flow.ask_expiry()


@router.callback_query(Compose.expiry, ExpiryCb.filter())
async def picked_expiry(
    query: CallbackQuery,
    callback_data: ExpiryCb,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Keep the expiry; show the preview."""
    if callback_data.days not in EXPIRY_DAYS:
        await no_longer_valid(query, _)
        return
    await state.update_data(expiry_days=callback_data.days)
    await answered(query, reply, "expiry", answer=EXPIRY_NAMES[callback_data.days])
    await Composer(state, reply, session, clock, settings).done(Section.timing)
    await query.answer()
