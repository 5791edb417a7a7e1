"""The package's one `Routes`, the filters its handlers share, and replies to a pressed button.

Every handler module registers on `router`, so aiogram tries them in the order the modules
are imported by handlers/broadcast/__init__.py, and within a module in their written order.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.replies import Replier
from bot.routing import Routes
from handlers.ui import error_text
from services.errors import DomainError

router = Routes()


async def edit_pressed(query: CallbackQuery, reply: Replier, notice: str, **data: Any) -> None:
    """Redraw the message whose button was pressed (when Telegram still shows it to us)."""
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, notice, **data)


async def no_longer_valid(query: CallbackQuery, _: Translator) -> None:
    """A button from an old message, or with data that is not ours."""
    await query.answer(_("This button is no longer valid."))


async def alert(query: CallbackQuery, _: Translator, exc: DomainError) -> None:
    """The services refused: say why, in a pop-up."""
    await query.answer(error_text(_, exc.key, exc.data), show_alert=True)
