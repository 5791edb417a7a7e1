"""Staff group housekeeping: follow a group that became a supergroup (new chat id)."""

from __future__ import annotations

from aiogram import F
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.routing import Routes
from services import outbox
from services import staff as staff_service

router = Routes("groups")


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
