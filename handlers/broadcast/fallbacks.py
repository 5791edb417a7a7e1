"""Last: whatever else arrives mid-conversation (commands go to their own handlers).

These register after every other handler of the package, so they only see what no step
took: a photo or sticker where typed text was asked for, or typing where a button is.
"""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Replier
from core.clock import Clock
from core.settings import Settings
from handlers.broadcast.base import router
from handlers.broadcast.composer import Composer
from handlers.broadcast.states import BUTTON_STATES, Compose
from handlers.ui import not_command, private


@router.message(private, Compose.title, not_command)
@router.message(private, Compose.field, not_command)
@router.message(private, Compose.time, not_command)
async def not_text(
    message: Message,
    reply: Replier,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """A photo or sticker where typed text was asked for: ask again."""
    flow = Composer(state, reply, session, clock, settings)
    await flow.problem("need_text")
    current = await state.get_state()
    if current == Compose.title.state:
        await flow.ask_title()
    elif current == Compose.time.state:
        await flow.ask_time()
    else:
        await flow.ask_field(int((await flow.data()).get("field_index") or 0))


@router.message(private, Compose.body, not_command)
@router.message(private, StateFilter(*BUTTON_STATES), not_command)
async def use_the_buttons(message: Message, reply: Replier) -> None:
    """Typing where a button is expected (or a sticker instead of the text)."""
    await reply("broadcast.bad_input", problem="use_buttons" if message.text else "need_text")
