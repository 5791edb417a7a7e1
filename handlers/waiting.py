"""An offer made in chat that waits, outside any form, for a tapped or typed answer.

A report offered for typed words or a photo (handlers/tickets/offers.py), words offered to an
open ticket (handlers/tickets/followups.py): each is kept in the FSM data under its own key,
with the time it was made, and the state stays empty, so whatever the person does next is
read afresh. Many type "好的" or "不用了" rather than tap: that answers the offer while it is
recent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from core.clock import Clock
from services import matcher


def recent(
    data: dict[str, Any], key: str, now: datetime, kept: timedelta
) -> dict[str, Any] | None:
    """What waits under `key` (its "at" the time it was made), if made within `kept`."""
    offer = data.get(key)
    if not offer or now - datetime.fromisoformat(offer["at"]) > kept:
        return None
    return offer


class AnswersWaiting(Filter):
    """A typed yes or no while an offer waits under `key`; hands on `waiting` and `yes`."""

    def __init__(self, key: str, kept: timedelta) -> None:
        self.key, self.kept = key, kept

    async def __call__(
        self, message: Message, state: FSMContext, clock: Clock
    ) -> bool | dict[str, Any]:
        yes = matcher.yes_or_no(message.text or "")
        if yes is None:
            return False
        offer = recent(await state.get_data(), self.key, clock.now(), self.kept)
        return False if offer is None else {"waiting": offer, "yes": yes}
