"""The ticket a resident's press names, if they may see it; and telling a household member
who acted on a ticket they did not report (the service tells the reporter)."""

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
from services.tickets import queries
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
