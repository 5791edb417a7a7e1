"""Rating a finished ticket: 1–5 stars, counted the moment they are pressed, then a few
words if the resident likes (or Skip)."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import Settings
from handlers.tickets import labels
from handlers.tickets.access import page_for, tell_if_not_reporter
from handlers.tickets.pages import TicketAction, TicketCb, brief, ok_id, page_data
from handlers.ui import error_text, not_command, private, typed
from models import Ticket
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle, notify, queries, rating
from services.tickets.machine import Action, next_status
from services.tickets.media import work_photo

router = Routes()


class Rating(StatesGroup):
    comment = State()  # stars chosen, an optional comment awaited (data: ticket_id, stars)


@router.callback_query(
    TicketCb.filter(ok_id & F.action.in_({TicketAction.rate, TicketAction.rate_done}))
)
async def chose_stars(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    _: Translator,
) -> None:
    """Stars chosen: record them at once and, in the same thank-you, invite a few words."""
    if callback_data.stars not in labels.STARS:
        await query.answer(_("This button is no longer valid."))
        return
    page = await page_for(query, callback_data.ticket_id, person, session, _, clock.now())
    if page is None:
        return
    ticket = page.ticket
    if next_status(ticket.status, Action.rate) is None:
        await query.answer(
            error_text(_, "ticket.illegal", {"number": ticket.number}), show_alert=True
        )
        return
    current = await state.get_state()
    # Half-way through something else (a new report): keep it, and ask for no comment.
    invite = current is None or current == Rating.comment.state
    rated = await _rate(
        ticket,
        callback_data.stars,
        invite=invite,
        person=person,
        reply=reply,
        session=session,
        clock=clock,
        settings=settings,
    )
    await query.answer(labels.stars_name(_, callback_data.stars))
    if not rated:
        return
    if isinstance(query.message, Message):  # its stars are spent: show the choice instead
        await _show_rated(
            query.message.message_id,
            callback_data,
            ticket,
            person,
            reply,
            session,
            clock,
            settings,
        )
    if not invite:
        return
    await state.set_state(Rating.comment)
    await state.set_data(
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "kind": ticket.kind.value,
            "category": ticket.category,
            "stars": callback_data.stars,
        }
    )


async def _show_rated(
    message_id: int,
    pressed: TicketCb,
    ticket: Ticket,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The message whose stars were pressed: the "done" notice keeps its words and shows the
    stars chosen; a ticket's page is shown as it is now (closed, with the rating)."""
    now = clock.now()
    if pressed.action == TicketAction.rate_done:
        photo = await work_photo(session, ticket)  # the message is that photo's caption
        await reply.edit(
            message_id, "ticket.done", **brief(ticket), chosen=pressed.stars, photo=photo
        )
        return
    page = await queries.history(session, ticket_id=ticket.id, person=person, now=now)
    await reply.edit(message_id, "my_tickets.page", **page_data(page, now, settings))


async def _rate(
    ticket: Ticket,
    stars: int,
    *,
    invite: bool,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> bool:
    """Record the rating. The service thanks the reporter; a household member who rated
    someone else's ticket is thanked here. Whoever pressed is invited to add a few words in
    that same message when `invite`."""
    try:
        await lifecycle.act(
            session,
            ticket_id=ticket.id,
            action=Action.rate,
            person=person,
            now=clock.now(),
            settings=settings.tickets,
            rating=stars,
            ask_for_comment=invite and ticket.reporter_id == person.identity.id,
        )
    except DomainError as exc:
        await reply("error", key=exc.key, **exc.data)
        return False
    if ticket.reporter_id == person.identity.id or not invite:
        await tell_if_not_reporter(reply, ticket, person, "ticket.rated")
    else:  # remembered, as the service remembers the reporter's, for the words to edit
        await reply.tracked(
            "ticket.rated",
            {**brief(ticket), "ask_comment": True, "stars": stars},
            ref_key=notify.rating_invitation(ticket.id),
        )
    return True


@router.callback_query(
    Rating.comment, TicketCb.filter(ok_id & (F.action == TicketAction.skip_comment))
)
async def skip_comment(
    query: CallbackQuery,
    callback_data: TicketCb,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """No comment: the stars were recorded when pressed; take the question's button away."""
    pending = await state.get_data()
    if pending.get("ticket_id") != callback_data.ticket_id:
        await query.answer(_("This button is no longer valid."))
        return
    if isinstance(query.message, Message):
        await reply.edit(
            query.message.message_id,
            "ticket.rated",
            **pending,
            ask_comment=True,
            chosen=True,
        )
    await state.clear()
    await query.answer()


@router.message(private, Rating.comment, typed)
async def typed_comment(
    message: Message,
    person: Person,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """The comment, added to the stars already recorded; the invitation loses its Skip."""
    pending = await state.get_data()
    try:
        ticket = await rating.add_comment(
            session,
            ticket_id=int(pending["ticket_id"]),
            person=person,
            comment=message.text or "",
            now=clock.now(),
        )
    except DomainError as exc:
        if exc.key != "ticket.too_long":  # too long: still asked, to say it shorter
            await state.clear()
        await reply("error", key=exc.key, **exc.data)
        return
    await state.clear()
    await reply.edit_ref(
        notify.rating_invitation(ticket.id),
        "ticket.rated",
        {**pending, "ask_comment": True, "chosen": True},
    )
    await reply("my_tickets.comment_saved", number=ticket.number)


@router.message(private, Rating.comment, not_command)
async def not_a_comment(message: Message, reply: Replier) -> None:
    """A sticker or photo while a comment is awaited."""
    await reply("my_tickets.follow_hint", rating=True)
