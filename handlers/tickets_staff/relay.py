"""Staff replies under a ticket's alert in a group: internal notes, or words for the resident.

A reply starting with /say goes to the resident; any other reply (text, photo, voice) is
kept as an internal note, and the bot offers to send it on (“Send to resident” / “Keep
internal”). The ticket is found from the message replied to: its alert, or a resident's
message the bot posted under it. In a forum group every message in the ticket's own topic
counts as such a reply, whatever it answers (services/tickets/topics.py).
"""

from __future__ import annotations

import re

from aiogram import F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from core.clock import Clock
from handlers.tickets_staff.base import RelayCb, in_group, refusal, router
from handlers.ui import MAX_ID
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle, queries
from services.tickets.media import MediaIn

SAY = re.compile(r"^/say(?:@\w+)?(?:\s+|$)", re.IGNORECASE)


def content(message: Message) -> tuple[str, list[MediaIn]]:
    """The words and attachments of a staff message (a caption counts as words)."""
    text = message.text or message.caption or ""
    media = []
    if message.photo:
        largest = message.photo[-1]
        media.append(MediaIn("photo", largest.file_id, largest.file_unique_id))
    if message.voice:
        voice = message.voice
        media.append(MediaIn("voice", voice.file_id, voice.file_unique_id, voice.duration))
    return text, media


async def _ticket_of(session: AsyncSession, message: Message) -> int | None:
    """The ticket a group message is about: its forum topic's, else the bot message it answers."""
    thread = message.message_thread_id if message.is_topic_message else None
    if thread:
        ticket_id = await queries.ticket_for_alert(session, message.chat.id, thread)
        if ticket_id is not None:
            return ticket_id
    replied = message.reply_to_message
    by_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    if replied is None or not by_bot or replied.message_id == thread:
        return None
    return await queries.ticket_for_alert(session, message.chat.id, replied.message_id)


@router.message(
    in_group,
    F.reply_to_message.from_user.is_bot | F.is_topic_message,
    F.text | F.photo | F.voice | F.caption,
)
async def staff_reply(
    message: Message,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
) -> None:
    """A reply under a ticket's alert (or in its topic): /say … reaches the resident; the rest
    stays internal."""
    if person.staff is None:
        return  # not staff: group chatter is none of our business
    ticket_id = await _ticket_of(session, message)
    if ticket_id is None:
        return  # not about a ticket
    thread = message.message_thread_id if message.is_topic_message else None  # answer there
    text, media = content(message)
    say = SAY.match(text)
    if say:
        text = text[say.end() :]
    elif text.startswith("/"):
        return  # another command, not a note
    try:
        ticket = await lifecycle.add_message(
            session,
            ticket_id=ticket_id,
            person=person,
            now=clock.now(),
            text=text,
            media=media,
            internal=not say,
            as_staff=True,
        )
    except DomainError as exc:
        await reply.tracked(
            "ticket.refused",
            {"key": exc.key, **exc.data},
            reply_to=message.message_id,
            thread_id=thread,
        )
        return
    if say:
        await reply.tracked(
            "ticket.relay_done",
            {"number": ticket.number, "sent": True, "name": person.staff.name},
            reply_to=message.message_id,
            thread_id=thread,
        )
    else:
        await reply.tracked(
            "ticket.relay_offer",
            {"ticket_id": ticket.id, "number": ticket.number},
            reply_to=message.message_id,
            thread_id=thread,
        )


@router.callback_query(RelayCb.filter(F.ticket_id.func(lambda value: 0 < value <= MAX_ID)))
async def relay_choice(
    query: CallbackQuery,
    callback_data: RelayCb,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    reply: Replier,
    _: Translator,
) -> None:
    """“Send to resident” sends the note under which the offer sits; “Keep internal” keeps it."""
    offer = query.message if isinstance(query.message, Message) else None
    original = offer.reply_to_message if offer is not None else None
    if offer is None or original is None:
        await query.answer(_("This button is no longer valid."))
        return
    if person.staff is None:
        await query.answer(refusal(_, DomainError("staff.not_allowed")), show_alert=True)
        return
    number = ""
    if callback_data.send:
        text, media = content(original)
        try:
            ticket = await lifecycle.add_message(
                session,
                ticket_id=callback_data.ticket_id,
                person=person,
                now=clock.now(),
                text=text,
                media=media,
                as_staff=True,
            )
        except DomainError as exc:
            await query.answer(refusal(_, exc), show_alert=True)
            return
        number = ticket.number
    else:
        try:
            number = (await lifecycle.load(session, callback_data.ticket_id)).number
        except DomainError as exc:
            await query.answer(refusal(_, exc), show_alert=True)
            return
    await reply.edit(
        offer.message_id,
        "ticket.relay_done",
        number=number,
        sent=callback_data.send,
        name=person.staff.name,
    )
    await query.answer(_("Sent to the resident.") if callback_data.send else "✓")
