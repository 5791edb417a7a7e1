"""The ticket a resident's press names, if they may see it; telling a household member who
acted on a ticket they did not report (the service tells the reporter); and a resident's
words passed on to a ticket's staff."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.replies import Replier
from handlers.tickets.pages import brief
from handlers.ui import error_text
from models import Ticket
from services.errors import DomainError
from services.identities import Person
from services.tickets import lifecycle, queries
from services.tickets.media import MediaIn
from services.tickets.queries import TicketPage


async def page_for(
    query: CallbackQuery,
    ticket_id: int,
    person: Person,
    session: AsyncSession,
    _: Translator,
    now: datetime,
) -> TicketPage | None:
    """The ticket if the presser may see it; otherwise the press is answered politely."""
    try:
        return await queries.history(session, ticket_id=ticket_id, person=person, now=now)
    except DomainError as exc:
        await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
        return None


async def tell_if_not_reporter(
    reply: Replier, ticket: Ticket, person: Person, notice: str
) -> None:
    """The service tells the reporter; another household member who acted is told here."""
    if ticket.reporter_id != person.identity.id:
        await reply(notice, **brief(ticket), assignee="", reason=ticket.reject_reason or "")


async def pass_on(
    reply: Replier,
    session: AsyncSession,
    person: Person,
    *,
    ticket_id: int,
    now: datetime,
    text: str,
    media: list[MediaIn] | None = None,
) -> None:
    """The resident's words (and photos or a voice note) go to the ticket's staff, and they
    are told so, or why not (the service checks the ticket is their home's and still takes
    messages)."""
    try:
        ticket = await lifecycle.add_message(
            session,
            ticket_id=ticket_id,
            person=person,
            now=now,
            text=text,
            media=media,
            as_staff=False,
        )
    except DomainError as exc:
        await reply("error", key=exc.key, **exc.data)
        return
    await reply("ticket.reply_sent", number=ticket.number, to_resident=False)
