"""Where a manager is in composing: the conversation's states and the draft's sections."""

from __future__ import annotations

import enum

from aiogram.fsm.state import State, StatesGroup


class Compose(StatesGroup):
    estate = State()
    kind = State()
    title = State()
    body = State()
    field = State()
    audience = State()
    buildings = State()
    urgent = State()
    ack = State()
    when = State()
    time = State()
    expiry = State()
    preview = State()
    editing = State()


# States that wait for a button press: anything typed there is answered with a reminder.
BUTTON_STATES = (
    Compose.estate,
    Compose.kind,
    Compose.audience,
    Compose.buildings,
    Compose.urgent,
    Compose.ack,
    Compose.when,
    Compose.expiry,
    Compose.preview,
    Compose.editing,
)


class Section(enum.StrEnum):
    """Parts of the draft, in the order they are asked; Edit jumps back to one."""

    text = "t"
    audience = "a"
    options = "o"
    timing = "w"
    preview = "p"  # none: back to the preview


NEXT_SECTION = {
    Section.text: Section.audience,
    Section.audience: Section.options,
    Section.options: Section.timing,
    Section.timing: Section.preview,
}
