"""Where the bot stands with a chat: a person blocking it, and groups that are not staff groups.

A person who blocks the bot is marked at once (Telegram tells us), so nothing more is sent to
them until they write again (services.identities.refresh clears the mark then: their first
update after unblocking, this one included, counts as writing).

A group that adds the bot, or addresses it with a command, is told that the bot serves
people in private chat, with a link; a staff group also what it is for (alerts, their
buttons, /say), one that is not also gets its id and the command that makes it one, which
is what whoever added the bot there needs to go on.
Messages in groups are otherwise left alone: residents' own chat groups are not ours to
answer in.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import JOIN_TRANSITION, KICKED, ChatMemberUpdatedFilter, Command
from aiogram.types import ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.clock import Clock
from handlers.ui import COMMANDS
from services import identities, staff
from services.identities import Person

router = Routes()
IN_GROUP = F.chat.type.in_({"group", "supergroup"})


@notices.register("group.chat_privately")
def render_chat_privately(ctx: RenderContext) -> Rendered:
    _ = ctx._
    lines = [
        _(
            "👋 I am Linli, the property office's assistant. I help each person in a private "
            "chat: {link}",
            link=f"https://t.me/{ctx.bot_username}",
        )
    ]
    if ctx.data.get("staff_group"):  # what this group is for, to the staff in it
        lines.append(
            _(
                "In this group: new repairs and complaints arrive here with buttons to accept, "
                "assign, grab or reject them. Reply to a ticket's message starting with /say "
                "to write to the resident; other replies stay internal notes. /queue, /code "
                "and writing to a resident from a job card work in a private chat with me."
            )
        )
    else:
        chat_id = ctx.data["chat_id"]
        lines.append(
            _(
                "For the property office: this group is not a staff group yet (its id is "
                "{chat_id}). To receive ticket alerts here, run:\n{command}",
                chat_id=chat_id,
                command=f"linli groups add --chat-id {chat_id} --purpose dispatch",
            )
        )
    return Rendered("\n\n".join(lines))


@router.my_chat_member(F.chat.type == "private", ChatMemberUpdatedFilter(KICKED))
async def blocked_us(
    event: ChatMemberUpdated, person: Person, session: AsyncSession, clock: Clock
) -> None:
    """The person blocked the bot: send them nothing more until they write again."""
    await identities.mark_blocked(session, identity_id=person.identity.id, now=clock.now())


@router.my_chat_member(IN_GROUP, ChatMemberUpdatedFilter(JOIN_TRANSITION))
async def added_to_group(event: ChatMemberUpdated, reply: Replier, session: AsyncSession) -> None:
    await _chat_privately(reply, session, event.chat.id)


@router.message(IN_GROUP, Command("start", *(command for command, _ in COMMANDS)))
async def command_in_group(message: Message, reply: Replier, session: AsyncSession) -> None:
    await _chat_privately(reply, session, message.chat.id)


async def _chat_privately(reply: Replier, session: AsyncSession, chat_id: int) -> None:
    is_staff = await staff.is_staff_group(session, chat_id=str(chat_id))
    await reply("group.chat_privately", chat_id=chat_id, staff_group=is_staff)
