"""A main-menu button or command pressed in the middle of a conversation leaves it first.

The main menu's big buttons stay under the input box while a form asks its questions. A
resident who taps "📋 我的工单" there wants their tickets; the form took the label as its
answer instead (a rating's comment, a message to staff) or refused it ("please tap a button
below" — which is what they had done). So before any handler sees such a message, the chat's
conversation state is cleared and routing goes on as if there had been none. Where leaving
drops something half filled in (a report, an announcement, a staff member's reason), the person
is told it was not sent. Help and language leave nothing behind: they answer, and the form goes on.

A conversation left for `fsm.idle_minutes` is left the same way by the next message (words, a
photo, a voice note): a resident who ignored "want to add a few words?" and comes back the next
day to type a new problem means the problem, not a comment on an old repair. Each message that
continues a conversation starts its idle time again. (Its buttons, pressed before that, still
work: a summary confirmed an hour later is still sent.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import Message

from bot.fsm import Timed
from bot.i18n import Catalogue, bare_label
from bot.notices import RenderContext, Rendered, notices
from handlers.ui import LEAVING_COMMANDS, leaving_labels, typed_label


@notices.register("common.left_unsent")
def render_left_unsent(ctx: RenderContext) -> Rendered:
    """What was dropped, in the words of the form it was: `what` is the draft's kind."""
    _ = ctx._
    what = ctx.data.get("what")
    if what == "repair":
        text = _("Your unfinished repair report was not sent.")
    elif what == "complaint":
        text = _("Your unfinished complaint was not sent.")
    elif what == "announcement":
        text = _("Your unfinished announcement was not sent.")
    else:
        text = _("What you had started earlier was not finished, so it was not done.")
    return Rendered(text)


def command_name(text: str) -> str | None:
    """`/Tickets@linli_bot now` → "tickets"; None for text that is not a command."""
    if not text.startswith("/"):
        return None
    word = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
    return word.partition("@")[0].casefold()


class LeaveConversation(BaseMiddleware):
    """On the message observer, ahead of every handler's filters (see the module's note)."""

    def __init__(
        self, catalogue: Catalogue, *, drafts: Mapping[type[StatesGroup], str], idle: timedelta
    ) -> None:
        self._labels = leaving_labels(catalogue)
        self._bare_labels = frozenset(map(bare_label, self._labels))  # typed, as ui.Button
        # Conversations whose leaving drops what was filled in. (Not a rating's optional
        # comment, whose stars are kept; nor messages to a ticket, each sent as it came; nor
        # joining, where a tap on the address is all there was, and /start CODE asks again.)
        # What each is called ("report": a repair or a complaint, as the form's data says).
        self._drafts = {group.__full_group_name__: what for group, what in drafts.items()}
        self._idle = idle

    def leaves(self, text: str | None) -> bool:
        if not text:
            return False
        if text in self._labels or command_name(text) in LEAVING_COMMANDS:
            return True
        return typed_label(text) in self._bare_labels

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        raw_state = data.get("raw_state")
        if raw_state is None or not isinstance(event, Message) or event.chat.type != "private":
            return await handler(event, data)
        state: FSMContext = data["state"]
        storage = data.get("fsm_storage")
        timed = storage if isinstance(storage, Timed) else None
        if self.leaves(event.text) or await self._lapsed(timed, state, data["clock"].now()):
            what = self._drafts.get(raw_state.rpartition(":")[0])
            if what == "report":
                what = (await state.get_data()).get("kind", what)
            await state.clear()
            data["raw_state"] = None  # what aiogram's state filters read from here on
            if what is not None:
                await data["reply"]("common.left_unsent", what=what)
        elif timed is not None:
            # The conversation goes on: its idle time starts again, whether or not this step
            # changes its state (a message to a ticket does not).
            await timed.touch(state.key)
        return await handler(event, data)

    async def _lapsed(self, storage: Timed | None, state: FSMContext, now: datetime) -> bool:
        if storage is None:
            return False
        touched = await storage.touched_at(state.key)
        return touched is not None and now - touched > self._idle
