"""Words a resident types while their home has a ticket open, that no feature took.

"师傅几点能来？" typed after a report (not as a Telegram reply, which handlers/tickets_staff/
writing.py already links to its ticket) used to get "I didn't understand". When the home has
tickets still taking messages, the resident is offered to pass the words on to the one they
mean instead; small talk ("谢谢") is still answered in kind by the catch-all.

The words wait in the FSM data (the state stays empty, as a report offer does); the buttons
name only ticket ids, which the service checks against the presser's household.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from handlers.tickets import labels
from handlers.tickets.access import pass_on
from handlers.tickets.offers import IsResident
from handlers.ui import MAX_ID, kind_of, menu_keyboard, private, typed
from handlers.waiting import AnswersWaiting, recent
from services import matcher
from services.identities import Person
from services.tickets import queries

router = Routes()
KEPT = timedelta(minutes=10)  # the offer's buttons work this long


class FollowCb(CallbackData, prefix="rtf"):
    ticket_id: int  # 0: "no, thanks"
    # A token of the words offered: an older question's press must not pass on newer words.
    asked: int


ok_choice = F.ticket_id.func(lambda v: 0 <= v <= MAX_ID) & F.asked.func(lambda v: 0 < v <= MAX_ID)


class AboutOpenTicket(Filter):
    """Words (not small talk, not a yes or no) from a resident whose home has tickets still
    taking messages; hands those tickets on."""

    async def __call__(
        self, message: Message, person: Person | None = None, session: AsyncSession | None = None
    ) -> bool | dict[str, Any]:
        text = (message.text or "").strip()
        if person is None or person.resident is None or session is None or not text:
            return False
        if matcher.small_talk(text) is not None or matcher.yes_or_no(text) is not None:
            return False
        tickets = await queries.open_for_household(
            session, household_id=person.resident.household_id
        )
        return {"tickets": tickets} if tickets else False


# --- renderers -------------------------------------------------------------------------------


@notices.register("ticket_followup.ask")
def render_ask(ctx: RenderContext) -> Rendered:
    _ = ctx._
    items = ctx.data["items"]
    if len(items) == 1:
        question = _(
            "Your report {ticket} is still open. Shall I pass these words on to the staff "
            "handling it?",
            ticket=_item(_, items[0]),
        )
    else:
        question = _(
            "Your home has several reports open. Which one are these words about? I will "
            "pass them on to its staff."
        )
    chosen = ctx.data.get("chosen")
    if chosen is not None:
        picked = next((i for i in items if i["id"] == chosen), None)
        answer = (
            _("Pass them on to {number}", number=picked["number"]) if picked else _("No, thanks")
        )
        return Rendered(f"{question}\n\n✓ {answer}")
    asked = int(ctx.data["asked"])
    if len(items) == 1:
        rows = [[_button(_("✅ Yes, pass them on"), items[0]["id"], asked)]]
    else:
        # Short enough for a phone's button: number and category (each ticket's status
        # would be cut off).
        rows = [
            [_button(f"💬 {item['number']} {_category(_, item)}", item["id"], asked)]
            for item in items
        ]
    rows.append([_button(_("✗ No, thanks"), 0, asked)])
    return Rendered(question, InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("ticket_followup.pick")
def render_pick(ctx: RenderContext) -> Rendered:
    return Rendered(ctx._("Please tap a button above to say which report these words are about."))


@notices.register("ticket_followup.declined")
def render_declined(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("All right, nothing was passed on. Tap a button below whenever you need something."),
        menu_keyboard(_, ctx.data.get("kind", "resident")),
    )


def _item(_: Translator, item: dict[str, Any]) -> str:
    """'BX-0000001 🚰 Plumbing & drains (🆕 New)'."""
    return _(
        "{number} {category} ({status})",
        number=item["number"],
        category=_category(_, item),
        status=labels.status_name(_, item["status"]),
    )


def _category(_: Translator, item: dict[str, Any]) -> str:
    return labels.category_name(_, item["kind"], item["category"])


def _button(text: str, ticket_id: int, asked: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=FollowCb(ticket_id=ticket_id, asked=asked).pack()
    )


# --- the waiting words -----------------------------------------------------------------------


def _waiting(data: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The words still waiting for an answer, if they were offered recently."""
    return recent(data, "follow_up", now, KEPT)


# --- handlers ------------------------------------------------------------------------------


@router.message(private, StateFilter(None), typed, IsResident(), AnswersWaiting("follow_up", KEPT))
async def typed_answer(
    message: Message,
    waiting: dict[str, Any],
    yes: bool,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """ "好的" or "不用了" typed instead of tapping: taken as the tap ("好的" to several
    tickets does not say which: the buttons are pointed to)."""
    if yes and len(waiting["tickets"]) != 1:
        await reply("ticket_followup.pick")
        return
    await _answer(
        waiting, waiting["tickets"][0] if yes else 0, person, reply, state, session, clock
    )


@router.message(private, StateFilter(None), typed, IsResident(), AboutOpenTicket())
async def offer(
    message: Message,
    tickets: list[queries.OpenTicket],
    person: Person,
    reply: Replier,
    state: FSMContext,
    clock: Clock,
) -> None:
    """Offer to pass the words on to the ticket(s) the home has open."""
    now = clock.now()
    text = (message.text or "").strip()
    items = [
        {
            "id": t.id,
            "number": t.number,
            "kind": t.kind.value,
            "category": t.category,
            "status": t.status.value,
        }
        for t in tickets
    ]
    asked = secrets.randbelow(2**31) + 1
    # The question is remembered, to drop its buttons once answered (tapped or typed).
    prompt = f"follow-up:{person.identity.id}:{asked}"
    # Kept beside a report offer that may be waiting for more photos, never over it.
    await state.update_data(
        follow_up={
            "text": text,
            "at": now.isoformat(),
            "tickets": [t.id for t in tickets],
            "items": items,
            "asked": asked,
            "prompt": prompt,
        }
    )
    await reply.tracked("ticket_followup.ask", {"items": items, "asked": asked}, ref_key=prompt)


@router.callback_query(StateFilter(None), FollowCb.filter(ok_choice))
async def answered(
    query: CallbackQuery,
    callback_data: FollowCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    _: Translator,
) -> None:
    """A ticket: pass the words on to it. No: forget them."""
    waiting = _waiting(await state.get_data(), clock.now())
    chosen = callback_data.ticket_id
    if (
        waiting is None
        or waiting["asked"] != callback_data.asked
        or (chosen and chosen not in waiting["tickets"])
    ):
        await query.answer(_("This button is no longer valid."))
        return
    await _answer(waiting, chosen, person, reply, state, session, clock)
    await query.answer()


async def _answer(
    waiting: dict[str, Any],
    ticket_id: int,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """A ticket (its id): the words go to its staff as the resident's follow-up (the service
    checks the ticket is their home's and still takes messages). 0: they are forgotten."""
    await state.update_data(follow_up=None)
    await reply.edit_ref(
        waiting["prompt"],
        "ticket_followup.ask",
        {"items": waiting["items"], "asked": waiting["asked"], "chosen": ticket_id},
    )
    if not ticket_id:
        await reply("ticket_followup.declined", kind=kind_of(person))
        return
    await pass_on(
        reply, session, person, ticket_id=ticket_id, now=clock.now(), text=str(waiting["text"])
    )
