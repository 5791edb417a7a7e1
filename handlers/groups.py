"""Staff group housekeeping: follow a group that became a supergroup (new chat id), and
notice whether a group has topics (a forum gives each ticket a topic of its own)."""

from __future__ import annotations

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.routing import Routes
from services import outbox
from services import staff as staff_service

router = Routes()


@router.message(F.migrate_to_chat_id)
async def group_migrated(message: Message, session: AsyncSession) -> None:
    """Telegram moved the group to a supergroup: alerts now go to the new id."""
    old, new = str(message.chat.id), str(message.migrate_to_chat_id)
    await staff_service.migrate_group(
        session, channel="telegram", old_chat_id=old, new_chat_id=new
    )
    await outbox.retarget_chat(session, channel="telegram", old_chat_id=old, new_chat_id=new)


@router.message(F.migrate_from_chat_id)
async def group_migrated_here(message: Message, session: AsyncSession) -> None:
    """The same move, seen from the new supergroup (either may arrive first)."""
    old, new = str(message.migrate_from_chat_id), str(message.chat.id)
    await staff_service.migrate_group(
        session, channel="telegram", old_chat_id=old, new_chat_id=new
    )
    await outbox.retarget_chat(session, channel="telegram", old_chat_id=old, new_chat_id=new)


@router.message(F.chat.type == "supergroup")
async def forum_or_not(message: Message, session: AsyncSession) -> None:
    """Keep the group's forum flag as its messages show it, then let the message go on."""
    await staff_service.learn_forum(
        session, chat_id=str(message.chat.id), is_forum=bool(message.chat.is_forum)
    )
    raise SkipHandler  # only noted: the message is for whichever handler takes it next
