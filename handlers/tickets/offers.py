"""A resident who just types their problem, or sends a photo or voice note, is offered a report.

"厨房水管漏水了" → "Sounds like a plumbing repair. Report it?" (services.matcher picks the
flow and category; their words become the description). A photo or voice note with no
command is offered as the start of a repair (or a complaint), attached — never dropped.
Words about a problem the home already has open ("还是漏水" after a plumbing report) are
offered first to that ticket, as the resident's follow-up, then as a new report.
These handlers run just before the catch-all, and only outside any form.

The offer waits in the FSM data (the state stays empty); photos sent right after it (an
album arrives as several messages) join it instead of making new offers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
    TelegramObject,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import Settings
from handlers.tickets.access import pass_on
from handlers.tickets.filing import begin
from handlers.tickets.form import media_of
from handlers.tickets.offer_views import OfferAction, OfferCb
from handlers.ui import kind_of, not_command, private, typed
from handlers.waiting import AnswersWaiting, recent
from models import TicketKind
from services import matcher, onboarding
from services.identities import Person
from services.tickets import queries, rules
from services.tickets.media import MediaIn

router = Routes()
OFFER_KEPT = timedelta(minutes=10)  # photos sent within this time join a pending offer


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


# --- the pending offer -----------------------------------------------------------------------


def _pending(data: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The offer still waiting for an answer, if it was made recently."""
    return recent(data, "offer", now, OFFER_KEPT)


def _offer_view(offer: dict[str, Any]) -> dict[str, Any]:
    media = offer.get("media", [])
    return {
        "from": offer["from"],
        "kind": offer.get("kind") or "",
        "category": offer.get("category"),
        "urgent_hint": offer.get("urgent_hint", False),
        "photos": sum(m["kind"] == "photo" for m in media),
        "voice": sum(m["kind"] == "voice" for m in media),
        "same": offer.get("same"),
    }


def _description(text: str) -> str:
    """The words as the report's description; too long to be one, none (never cut: the form
    then asks what happened, and says how long it may be)."""
    return text if len(text) <= rules.DESCRIPTION_MAX else ""


def _fits(media: list[dict[str, Any]], item: dict[str, Any]) -> bool:
    limit = rules.MAX_PHOTOS if item["kind"] == "photo" else rules.MAX_VOICE
    return sum(m["kind"] == item["kind"] for m in media) < limit


async def _same_open(
    session: AsyncSession, person: Person, match: matcher.Match | None
) -> dict[str, Any] | None:
    """The home's newest ticket still open about the problem matched, if any; with no
    problem read (a photo or a voice note without words), the newest open one: a photo of
    the leak just reported is most likely about it."""
    assert person.resident is not None
    for ticket in await queries.open_for_household(
        session, household_id=person.resident.household_id
    ):
        if match is None or (ticket.kind.value, ticket.category) == (match.kind, match.category):
            return {"id": ticket.id, "number": ticket.number, "status": ticket.status.value}
    return None


# --- handlers ------------------------------------------------------------------------------


@router.message(private, StateFilter(None), F.text, not_command, IsResident(), SoundsLikeProblem())
async def offer_for_text(
    message: Message,
    match: matcher.Match,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Typed words that sound like a problem: offer the matching form, category pre-filled;
    or, when the home has that very kind of problem open ("还是漏水" after a plumbing report),
    first to add the words to it: one report per problem for the office, none lost."""
    now = clock.now()
    earlier = _pending(await state.get_data(), now)
    description = _description((message.text or "").strip())
    offer = {
        "from": "text",
        "kind": match.kind,
        "category": match.category,
        "urgent_hint": match.urgent_hint,
        "at_home": matcher.at_home(message.text or ""),
        "in_public": matcher.in_shared_place(message.text or ""),
        "description": description,
        "media": (earlier or {}).get("media", []),  # a photo sent just before joins in
        "at": now.isoformat(),
        # Words too long to be a description are none to add either: a report is offered.
        "same": await _same_open(session, person, match) if description else None,
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
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
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
            offer["description"] = _description(caption)
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
        "description": _description(caption),
        "media": [item],
        "at": now.isoformat(),
        "same": await _same_open(session, person, match if match and match.is_problem else None),
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
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Yes: start the form with what they sent. The same: add it to that ticket. No: forget
    it."""
    offer = (await state.get_data()).get("offer")
    if not offer or (callback_data.action == OfferAction.add and not offer.get("same")):
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
    elif callback_data.action == OfferAction.add:
        await state.clear()
        await _add_to_same(offer, person, reply, session, clock)
    else:
        await _take(offer, callback_data.action, person, reply, state, settings)
    await query.answer()


@router.message(
    private, StateFilter(None), typed, IsResident(), AnswersWaiting("offer", OFFER_KEPT)
)
async def typed_answer(
    message: Message,
    waiting: dict[str, Any],
    yes: bool,
    person: Person,
    reply: Replier,
    state: FSMContext,
    settings: Settings,
) -> None:
    """ "好的" or "不用了" typed instead of tapping Yes or No: taken as the tap."""
    if waiting.get("same"):  # "is it the same problem?" has no yes-or-no answer to "report it?"
        await reply("ticket_offer.pick", number=waiting["same"]["number"])
        return
    if not yes:
        await state.clear()
        await reply("ticket_offer.declined", kind=kind_of(person))
        return
    action = OfferAction.complaint if waiting.get("kind") == "complaint" else OfferAction.repair
    await _take(waiting, action, person, reply, state, settings)


async def _add_to_same(
    offer: dict[str, Any], person: Person, reply: Replier, session: AsyncSession, clock: Clock
) -> None:
    """The words (and any photo sent with them) go to the open ticket as the resident's
    follow-up."""
    await pass_on(
        reply,
        session,
        person,
        ticket_id=int(offer["same"]["id"]),
        now=clock.now(),
        text=offer.get("description") or "",
        media=[MediaIn(**item) for item in offer.get("media", [])],
    )


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
