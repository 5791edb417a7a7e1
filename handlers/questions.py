"""Questions typed in a chat that are not problems to report (services/matcher/questions.py).

"明天停水吗？" is answered with the estate's announcements, which say when water or power is
cut, and with how to report a cut at home that none explains. "物业费交了吗？" is answered
honestly: fees cannot be looked up here yet, and the office's number is given. "我的报修怎么样
了？" gets the home's tickets with their status (as /tickets), "物业电话是多少？" the building's
steward and the office's phone (as in "My home"). Before these answers, all were read as
problems (a water-cut report, a complaint about the fee, a new repair) or not understood.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from core.settings import Settings
from handlers.household.render import contact_lines
from handlers.notices import notices_page
from handlers.tickets.mine import show_tickets
from handlers.ui import kind_of, menu_keyboard, not_command, private
from services import matcher, staff
from services.households import office_hotline
from services.identities import Person

router = Routes()


class AsksAbout(Filter):
    """The text asks about `topic` (matcher.OUTAGE or matcher.FEES)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def __call__(self, message: Message) -> bool:
        return matcher.question_about(message.text or "") == self.topic


@notices.register("questions.outage")
def render_outage(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    lines = [
        _(
            "Water and power cuts are announced by the property office: its announcements "
            "are below, newest first."
        )
        if data.get("listed")
        else _("The property office has not announced any water or power cut for your estate."),
        _(
            "If the water, power or gas is off in your home now and no announcement explains "
            "it, just tell me, for example “{example}”, and I will report it.",
            example=_("my water is off"),
        ),
    ]
    if data.get("hotline"):
        lines.append(_("Property office hotline: {hotline}", hotline=data["hotline"]))
    return Rendered("\n\n".join(lines))


@notices.register("questions.fees")
def render_fees(ctx: RenderContext) -> Rendered:
    _ = ctx._
    hotline = ctx.data.get("hotline")
    if hotline:
        return Rendered(
            _(
                "Fees (what you owe, whether you have paid, how to pay) cannot be looked up "
                "here yet. Please call the property office on {hotline}, or ask at the office.",
                hotline=hotline,
            )
        )
    return Rendered(
        _(
            "Fees (what you owe, whether you have paid, how to pay) cannot be looked up here "
            "yet. Please ask at the property office."
        )
    )


@router.message(private, StateFilter(None), F.text, not_command, AsksAbout(matcher.OUTAGE))
async def outage_question(
    message: Message,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Is the water or power being cut? What the office announced, newest first."""
    if kind_of(person) == "guest":  # announcements go to an estate's residents
        await reply("notices.empty", guest=True)
        return
    page = await notices_page(session, person, clock, settings, 0)
    hotline = await office_hotline(session, person)
    await reply("questions.outage", listed=page is not None, hotline=hotline)
    if page is not None:
        await reply("notices.list", **page)


@notices.register("questions.contact")
def render_contact(ctx: RenderContext) -> Rendered:
    _ = ctx._
    lines = contact_lines(_, ctx.data)[1:] or [
        _("Please ask at the property office: I do not have its phone number.")
    ]
    lines.append(
        _(
            "To report a repair or a complaint, just tell me the problem here, for example "
            "“{example}”.",
            example=_("the kitchen tap is leaking"),
        )
    )
    return Rendered("\n".join(lines), menu_keyboard(_, ctx.data.get("kind", "guest")))


@router.message(private, StateFilter(None), F.text, not_command, AsksAbout(matcher.FEES))
async def fee_question(
    message: Message, person: Person, reply: Replier, session: AsyncSession
) -> None:
    """What do I owe, have I paid? Not answerable here yet: whom to ask."""
    await reply("questions.fees", hotline=await office_hotline(session, person))


@router.message(private, StateFilter(None), F.text, not_command, AsksAbout(matcher.PROGRESS))
async def progress_question(
    message: Message, person: Person, reply: Replier, session: AsyncSession, settings: Settings
) -> None:
    """How is my report going? The home's tickets with their status, as /tickets shows."""
    await show_tickets(person, reply, session, settings)


@router.message(private, StateFilter(None), F.text, not_command, AsksAbout(matcher.CONTACT))
async def contact_question(
    message: Message, person: Person, reply: Replier, session: AsyncSession
) -> None:
    """Whom do I call? The building's steward(s) and the office's phone."""
    building = person.resident.household.building if person.resident else None
    await reply(
        "questions.contact",
        kind=kind_of(person),
        stewards=await staff.stewards_of(session, building) if building else [],
        hotline=await office_hotline(session, person) or "",
    )
