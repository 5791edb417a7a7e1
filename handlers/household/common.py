"""“My home”'s router and its buttons' callback data."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from bot.routing import Routes

router = Routes()


class HomeAction(enum.StrEnum):
    ask_remove = "a"
    remove = "r"
    keep = "k"
    switch = "s"  # to another of the person's homes
    ask_renew = "n"  # a new binding code (resident_id: the owner's own membership)
    renew = "c"


class HomeCb(CallbackData, prefix="home"):
    action: HomeAction
    resident_id: int
