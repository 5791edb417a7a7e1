"""Staff and residents writing to each other about a ticket from private chat.

“💬 Message the resident” (on the assignee's card, a ticket's detail, a resident's follow-up)
asks for the words, a photo or a voice note, and sends them to the resident as the group's
`/say` does: a technician sent to a home whose resident joined by code has no phone number to
call, and this is how they arrange the visit. A Telegram reply to such a message (staff's
words in the resident's chat, the resident's in the assignee's) goes the other way at once,
as people expect of a reply.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from handlers.tickets_staff.actions import ok_id, pressed_in_private
from handlers.tickets_staff.base import (
    Act,
    FreshPrompt,
    TicketCb,
    WriteCb,
    Writing,
    refusal,
    router,
)
from handlers.tickets_staff.questions import remember_question
from handlers.tickets_staff.relay import content
from handlers.ui import not_command, private
from models import Ticket
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle, queries

# Refusals after which the question stays open: the person can simply try again.
TRY_AGAIN = frozenset({"ticket.empty", "ticket.too_long"})


@router.callback_query(pressed_in_private, TicketCb.filter(ok_id & (F.action == Act.message)))
async def ask_for_words(
    query: CallbackQuery,
    callback_data: TicketCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """Check the presser may write about the ticket, then ask what to say."""
    now = clock.now()
    try:
        ticket = await lifecycle.may_write(
            session, ticket_id=callback_data.ticket_id, person=person, now=now, as_staff=True
        )
    except DomainError as exc:
        await query.answer(refusal(_, exc), show_alert=True)
        return
    prompt = await remember_question(
        state,
        Writing.words,
        query,
        callback_data,
        ticket,
        person,
        now,
        what="write",
        extra={"asked_at": now.isoformat()},
    )
    await reply.tracked(
        "ticket.write_prompt", {"ticket_id": ticket.id, "number": ticket.number}, ref_key=prompt
    )
    await query.answer()


@router.message(
    private,
    Writing.words,
    F.text | F.photo | F.voice | F.caption,
    ~F.text.startswith("/"),
    FreshPrompt(),
)
async def got_words(
    message: Message,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    state: FSMContext,
) -> None:
    """The words (or photo, or voice note): to the resident, and the question closes."""
    asked = await state.get_data()
    try:
        _ticket, text, attachments = await _pass_on(
            message, asked["ticket_id"], as_staff=True, person=person, session=session, clock=clock
        )
    except DomainError as exc:
        await reply("ticket.refused", key=exc.key, **exc.data)
        if exc.key not in TRY_AGAIN:
            await _close(reply, state, asked, sent=False)
        return
    await _close(reply, state, asked, sent=True, said=text, attachments=attachments)


@router.callback_query(WriteCb.filter(ok_id))
async def cancel_words(
    query: CallbackQuery,
    callback_data: WriteCb,
    reply: Replier,
    state: FSMContext,
    _: Translator,
) -> None:
    """“Cancel” under the question: nothing is sent."""
    asked = await state.get_data()
    if asked.get("ticket_id") != callback_data.ticket_id or await state.get_state() != (
        Writing.words.state
    ):
        await query.answer(_("This button is no longer valid."))
        return
    await _close(reply, state, asked, sent=False)
    await query.answer()


async def _pass_on(
    message: Message,
    ticket_id: int,
    *,
    as_staff: bool,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> tuple[Ticket, str, int]:
    """The message's words, photo or voice note, added to the ticket for the other side to
    read; the ticket, the words and how many attachments. Refusals raise DomainError."""
    text, media = content(message)
    ticket = await lifecycle.add_message(
        session,
        ticket_id=ticket_id,
        person=person,
        now=clock.now(),
        text=text,
        media=media,
        as_staff=as_staff,
    )
    return ticket, text, len(media)


async def _close(
    reply: Replier,
    state: FSMContext,
    asked: dict[str, object],
    *,
    sent: bool,
    said: str = "",
    attachments: int = 0,
) -> None:
    await state.clear()
    await reply.edit_ref(
        str(asked["prompt"]),
        "ticket.write_closed",
        {"number": asked["number"], "sent": sent, "text": said, "attachments": attachments},
    )


# --- a reply to a message about a ticket -----------------------------------------------------


class RepliesOnTicket(Filter):
    """A reply, in private chat, to the bot's message about a ticket; hands on the ticket's
    id and whether the message was one to staff (then the reply is written as staff)."""

    async def __call__(
        self, message: Message, session: AsyncSession | None = None
    ) -> bool | dict[str, object]:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        if session is None:  # no database for this update (as IsResident without a person)
            return False
        found = await queries.replied_ticket(session, message.chat.id, replied.message_id)
        return False if found is None else {"ticket_id": found[0], "as_staff": found[1]}


@router.message(
    private,
    StateFilter(None),
    F.text | F.photo | F.voice | F.caption,
    not_command,
    RepliesOnTicket(),
)
async def reply_on_ticket(
    message: Message,
    ticket_id: int,
    as_staff: bool,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
) -> None:
    """Staff's reply goes to the resident, the resident's to staff (the groups and the
    assignee), each on the ticket."""
    try:
        ticket, _text, _attachments = await _pass_on(
            message, ticket_id, as_staff=as_staff, person=person, session=session, clock=clock
        )
    except DomainError as exc:
        await reply("ticket.refused" if as_staff else "error", key=exc.key, **exc.data)
        return
    await reply("ticket.reply_sent", number=ticket.number, to_resident=as_staff)
