"""What the joining steps share: the router, the conversation states, the button data."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.replies import Replier
from bot.routing import Routes

router = Routes()


class Joining(StatesGroup):
    confirming = State()  # a code matched; waiting for "yes, this is my home, as …"
    choosing_home = State()  # phone not on the roster; picking building → unit → room → role


class JoinAction(enum.StrEnum):
    role = "r"  # confirm the code's home with this role
    cancel = "x"
    building = "b"
    unit = "u"
    room = "h"
    request = "q"
    buildings = "l"  # back to the list of buildings


class JoinCb(CallbackData, prefix="join"):
    action: JoinAction
    id: int = 0
    unit: int = 0
    role: str = ""


class DecideCb(CallbackData, prefix="breq"):
    request_id: int
    approve: bool


async def close_question(
    query: CallbackQuery, reply: Replier, address: dict[str, str] | None = None
) -> None:
    """Take the buttons off the question just answered, leaving the home it was about."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "binding.closed", **(address or {}))
