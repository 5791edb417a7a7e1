"""A resident who just types their problem, or sends a photo or voice note, is offered a report.

"厨房水管漏水了" → "Sounds like a plumbing repair. Report it?" (services.matcher picks the
flow and category; their words become the description). A photo or voice note with no
command is offered as the start of a repair (or a complaint), attached — never dropped.
These handlers run just before the catch-all, and only outside any form.

The offer waits in the FSM data (the state stays empty); photos sent right after it (an
album arrives as several messages) join it instead of making new offers.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import Settings
from handlers.tickets import labels
from handlers.tickets.filing import begin
from handlers.tickets.form import media_of
from handlers.ui import address_text, kind_of, menu_keyboard, not_command, private, typed
from models import TicketKind
from services import matcher, onboarding
from services.identities import Person
from services.tickets import rules

router = Routes()
OFFER_KEPT = timedelta(minutes=10)  # photos sent within this time join a pending offer


class OfferAction(enum.StrEnum):
    repair = "r"
    complaint = "c"
    no = "n"


class OfferCb(CallbackData, prefix="rto"):
    action: OfferAction


class IsResident(Filter):
    """The sender is linked to a household."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        return person is not None and person.resident is not None


class IsGuest(Filter):
    """The sender is neither linked to a household nor staff: someone still to join."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        return kind_of(person) == "guest"


class SoundsLikeProblem(Filter):
    """Free text the matcher reads as a repair or a complaint; hands the match on."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        text = (message.text or "").strip()
        if not text or matcher.question_about(text):  # "明天停水吗？" wants an answer
            return False
        if matcher.yes_or_no(text) is not None:  # "不用了" answers something; it reports nothing
            return False
        match = matcher.classify(text)
        return {"match": match} if match.is_problem else False


class AnswersOffer(Filter):
    """A typed yes or no while an offer waits for its answer; hands both on."""

    async def __call__(
        self, message: Message, state: FSMContext, clock: Clock
    ) -> bool | dict[str, Any]:
        yes = matcher.yes_or_no(message.text or "")
        if yes is None:
            return False
        offer = _pending(await state.get_data(), clock.now())
        return False if offer is None else {"offer": offer, "yes": yes}


# --- renderers -------------------------------------------------------------------------------


@notices.register("ticket_offer.ask")
def render_offer(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    kind, category = data.get("kind") or "", data.get("category")
    photos, voice = int(data.get("photos") or 0), int(data.get("voice") or 0)
    if data.get("from") == "text":
        question = _(
            "It sounds like {topic}. Shall I report it to the property office for you?",
            topic=labels.topic(_, kind, category),
        )
    elif voice and not photos:
        question = _("Would you like to report a problem with this voice note?")
    else:
        question = _("Would you like to report a problem with this photo?")
    chosen = data.get("chosen")
    if chosen:
        answer = _("No, thanks") if chosen == OfferAction.no else _("Yes, report it")
        return Rendered(f"{question}\n\n✓ {answer}")
    lines = [question]
    if data.get("urgent_hint"):
        lines += labels.safety_lines(_, category)
    if data.get("from") == "text":
        yes = OfferAction.complaint if kind == "complaint" else OfferAction.repair
        rows = [[_offer_button(_("✅ Yes, report it"), yes)]]
    else:
        rows = [
            [_offer_button(_("🔧 Yes, report a repair"), OfferAction.repair)],
            [_offer_button(_("📣 It is a complaint"), OfferAction.complaint)],
        ]
    rows.append([_offer_button(_("✗ No, thanks"), OfferAction.no)])
    return Rendered("\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("ticket_offer.join_first")
def render_join_first(ctx: RenderContext) -> Rendered:
    """A problem typed by someone not yet linked to a home: how to join, and in an emergency
    what to do at once (that cannot wait for a binding)."""
    _ = ctx._
    data = ctx.data
    topic = labels.topic(_, data.get("kind") or "", data.get("category"))
    if data.get("pending"):  # asked to join already: nothing to do but wait (or call)
        first = _(
            "It sounds like {topic}. Your request to join {address} is waiting for a steward "
            "to confirm; once it is, you can report it here. If it cannot wait, please call "
            "the property office.",
            topic=topic,
            address=address_text(_, data["pending"]),
        )
    else:
        first = _(
            "It sounds like {topic}. To report it here, first join your home: type your "
            "8-character binding code or tap “Share my phone number”. No code? Ask the "
            "property office or the home's owner.",
            topic=topic,
        )
    lines = [first]
    if data.get("urgent_hint"):
        lines += labels.safety_lines(_, data.get("category"))
    return Rendered("\n\n".join(lines), menu_keyboard(_, "guest"))


def _offer_button(text: str, action: OfferAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=OfferCb(action=action).pack())


@notices.register("ticket_offer.added")
def render_offer_added(ctx: RenderContext) -> Rendered:
    _ = ctx._
    if ctx.data.get("full"):
        return Rendered(
            _("That is as many photos as one report can take; this one was not added.")
        )
    return Rendered(_("📎 Added. Tap “Yes” above to report it."))


@notices.register("ticket_offer.declined")
def render_offer_declined(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("All right, nothing was reported. Tap a button below whenever you need something."),
        menu_keyboard(_, ctx.data.get("kind", "resident")),
    )


# --- the pending offer -----------------------------------------------------------------------


def _pending(data: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The offer still waiting for an answer, if it was made recently."""
    offer = data.get("offer")
    if not offer:
        return None
    made = datetime.fromisoformat(offer["at"])
    return offer if now - made <= OFFER_KEPT else None


def _offer_view(offer: dict[str, Any]) -> dict[str, Any]:
    media = offer.get("media", [])
    return {
        "from": offer["from"],
        "kind": offer.get("kind") or "",
        "category": offer.get("category"),
        "urgent_hint": offer.get("urgent_hint", False),
        "photos": sum(m["kind"] == "photo" for m in media),
        "voice": sum(m["kind"] == "voice" for m in media),
    }


def _fits(media: list[dict[str, Any]], item: dict[str, Any]) -> bool:
    limit = rules.MAX_PHOTOS if item["kind"] == "photo" else rules.MAX_VOICE
    return sum(m["kind"] == item["kind"] for m in media) < limit


# --- handlers ------------------------------------------------------------------------------


@router.message(private, StateFilter(None), F.text, not_command, IsResident(), SoundsLikeProblem())
async def offer_for_text(
    message: Message,
    match: matcher.Match,
    reply: Replier,
    state: FSMContext,
    clock: Clock,
) -> None:
    """Typed words that sound like a problem: offer the matching form, category pre-filled."""
    now = clock.now()
    earlier = _pending(await state.get_data(), now)
    offer = {
        "from": "text",
        "kind": match.kind,
        "category": match.category,
        "urgent_hint": match.urgent_hint,
        "at_home": matcher.at_home(message.text or ""),
        "in_public": matcher.in_shared_place(message.text or ""),
        "description": (message.text or "").strip()[: rules.DESCRIPTION_MAX],
        "media": (earlier or {}).get("media", []),  # a photo sent just before joins in
        "at": now.isoformat(),
    }
    await state.set_data({"offer": offer})
    await reply("ticket_offer.ask", **_offer_view(offer))


@router.message(private, StateFilter(None), F.text, not_command, IsGuest(), SoundsLikeProblem())
async def join_first(
    message: Message, match: matcher.Match, person: Person, reply: Replier, session: AsyncSession
) -> None:
    """A problem typed before joining a home: say how to join, not "I didn't understand"."""
    await reply(
        "ticket_offer.join_first",
        kind=match.kind,
        category=match.category,
        urgent_hint=match.urgent_hint,
        pending=await onboarding.pending_address(session, person.identity),
    )


@router.message(private, StateFilter(None), F.photo | F.voice, IsResident())
async def offer_for_media(
    message: Message,
    reply: Replier,
    state: FSMContext,
    clock: Clock,
) -> None:
    """A photo or voice note on its own: keep it and offer to start a report with it."""
    now = clock.now()
    item = media_of(message)
    assert item is not None
    offer = _pending(await state.get_data(), now)
    if offer is not None:
        if not _fits(offer["media"], item):
            await reply("ticket_offer.added", full=True)
            return
        # A new dict, never changed in place: the stored data must compare unequal to be saved.
        offer = {**offer, "media": [*offer["media"], item]}
        caption = (message.caption or "").strip()
        if caption and not offer.get("description"):
            offer["description"] = caption[: rules.DESCRIPTION_MAX]
            offer["at_home"] = matcher.at_home(caption)
            offer["in_public"] = matcher.in_shared_place(caption)
        await state.set_data({"offer": offer})
        await reply("ticket_offer.added")
        return
    caption = (message.caption or "").strip()
    match = matcher.classify(caption) if caption else None
    offer = {
        "from": "media",
        "kind": match.kind if match and match.is_problem else "",
        "category": match.category if match and match.is_problem else None,
        "urgent_hint": bool(match and match.urgent_hint),
        "at_home": matcher.at_home(caption),
        "in_public": matcher.in_shared_place(caption),
        "description": caption[: rules.DESCRIPTION_MAX],
        "media": [item],
        "at": now.isoformat(),
    }
    await state.set_data({"offer": offer})
    await reply("ticket_offer.ask", **_offer_view(offer))


@router.callback_query(StateFilter(None), OfferCb.filter())
async def answered_offer(
    query: CallbackQuery,
    callback_data: OfferCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    settings: Settings,
    _: Translator,
) -> None:
    """Yes: start the form with what they sent. No: forget it."""
    offer = (await state.get_data()).get("offer")
    if not offer:
        await query.answer(_("This button is no longer valid."))
        return
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id,
            "ticket_offer.ask",
            **_offer_view(offer),
            chosen=callback_data.action.value,
        )
    if callback_data.action == OfferAction.no:
        await state.clear()
        await reply("ticket_offer.declined", kind=kind_of(person))
    else:
        await _take(offer, callback_data.action, person, reply, state, settings)
    await query.answer()


@router.message(private, StateFilter(None), typed, IsResident(), AnswersOffer())
async def typed_answer(
    message: Message,
    offer: dict[str, Any],
    yes: bool,
    person: Person,
    reply: Replier,
    state: FSMContext,
    settings: Settings,
) -> None:
    """ "好的" or "不用了" typed instead of tapping Yes or No: taken as the tap."""
    if not yes:
        await state.clear()
        await reply("ticket_offer.declined", kind=kind_of(person))
        return
    action = OfferAction.complaint if offer.get("kind") == "complaint" else OfferAction.repair
    await _take(offer, action, person, reply, state, settings)


async def _take(
    offer: dict[str, Any],
    action: OfferAction,
    person: Person,
    reply: Replier,
    state: FSMContext,
    settings: Settings,
) -> None:
    """Yes: the form begins with what the offer held."""
    kind = TicketKind.repair if action == OfferAction.repair else TicketKind.complaint
    prefill: dict[str, Any] = {
        "media": offer.get("media", []),
        "urgent_hint": bool(offer.get("urgent_hint")),
    }
    if offer.get("kind") == kind.value and offer.get("category") in rules.CATEGORIES[kind]:
        prefill["category"] = offer["category"]
    if offer.get("description"):
        prefill["description"], prefill["described"] = offer["description"], True
    if kind == TicketKind.repair and offer.get("at_home"):  # "厨房…": no need to ask where
        prefill["location"] = "home"
    elif offer.get("in_public"):  # "电梯…", "广场舞…": only which public place is asked
        prefill["location"] = "public"
    await begin(kind, person=person, reply=reply, state=state, settings=settings, prefill=prefill)
