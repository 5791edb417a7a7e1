"""The buttons: their callback data, the labels shared by questions and answers, their layout.

Callback data formats (prefixes and fields) are what old messages in people's chats carry:
they must not change. A label is an English msgid, translated when it is shown.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from handlers.broadcast.states import Section

EXPIRY_DAYS = (0, 1, 3, 7)


class AudienceKind(enum.StrEnum):
    estate = "estate"
    buildings = "buildings"
    staff = "staff"


class When(enum.StrEnum):
    now = "n"
    hour = "h"
    morning = "m"
    typed = "t"


class Question(enum.StrEnum):
    urgent = "u"
    ack = "k"


class PreviewAction(enum.StrEnum):
    confirm = "y"
    edit = "e"
    cancel = "x"


class ProgressAction(enum.StrEnum):
    cancel = "x"
    report = "r"


class EstateCb(CallbackData, prefix="bce"):
    community_id: int


class KindCb(CallbackData, prefix="bck"):
    template: str = ""  # "": write my own


class AudienceCb(CallbackData, prefix="bca"):
    kind: AudienceKind


class BuildingCb(CallbackData, prefix="bcb"):
    building_id: int = 0  # 0: done choosing


class YesNoCb(CallbackData, prefix="bcq"):
    question: Question
    yes: bool


class WhenCb(CallbackData, prefix="bcw"):
    when: When


class ExpiryCb(CallbackData, prefix="bcx"):
    days: int


class PreviewCb(CallbackData, prefix="bcp"):
    action: PreviewAction


class EditCb(CallbackData, prefix="bcd"):
    section: Section


class ProgressCb(CallbackData, prefix="bcg"):
    action: ProgressAction
    broadcast_id: int
    listed: bool = False  # pressed on the /broadcasts list (which is then redrawn)


# --- labels: on the buttons, and again in the answer left in the chat ------------------------

OWN_TEXT = N_("✏️ Write my own")
YES, NO = N_("Yes"), N_("No")
AUDIENCE_NAMES = {
    AudienceKind.estate: N_("🏘 Whole estate"),
    AudienceKind.buildings: N_("🏢 Choose buildings"),
    AudienceKind.staff: N_("👷 Staff only"),
}
WHEN_NAMES = {
    When.now: N_("Now"),
    When.hour: N_("In 1 hour"),
    When.morning: N_("Tomorrow 08:30"),
    When.typed: N_("⌨️ Type a date and time"),
}
EXPIRY_NAMES = {
    0: N_("Keep it"),
    1: N_("After 1 day"),
    3: N_("After 3 days"),
    7: N_("After 7 days"),
}


# --- layout ----------------------------------------------------------------------------------


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def column(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """One button a row."""
    return markup(*([b] for b in buttons))


def rows_of(
    buttons: Sequence[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    """The buttons, `width` to a row."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]
