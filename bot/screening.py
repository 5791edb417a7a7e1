"""How aiogram tries our handlers: filters that need no thread, and handlers an update cannot
match passed over before aiogram checks their filters.

aiogram runs every synchronous filter through `asyncio.to_thread`: a thread-pool round trip
for each check of each handler tried. A magic filter only reads attributes of the event and a
State compares the chat's state with its own name, so both are run in place. (A typed message
that no form was waiting for is tried against some 60 handlers, ~28 of them with a State:
measured in-process, 8–10 ms of CPU per such message with the round trips, ~1 ms without.)
Any other synchronous filter is left as aiogram runs it.

aiogram tries a router's handlers in order until one's filters all pass. Each handler it
tries costs a round of its machinery: the update's data (~20 entries) copied for the handler
and again for each filter it calls, each filter's arguments picked out of it, a coroutine per
call. A typed message that no form was waiting for is tried against some 60 handlers before
the one that answers it; measured in-process that was ~1 ms of CPU per such message, most of
it spent rejecting handlers.

Most of our handlers carry a filter that alone tells them apart and needs nothing but the
update and the chat's state: the chat type (`F.chat.type == "private"`), a form state
(`Form.place`, `StateFilter(…)`), a command (`Command("help")`: the text starts "/help"), a
menu button (`Button(…)`: the text is one of its labels), an inline button's kind
(`TicketAction.filter()`: the pressed button's data starts with its prefix). Each handler
gets a screen made of those of its filters: if any of them is false the handler cannot match
(its filters are all required), and it is passed over at once. A handler that passes its
screen is checked by aiogram as before, all its filters in order, so what matches is exactly
what matched before; only the cost of finding out changes. Filters are predicates without
side effects, so not running the others of a handler that cannot match changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from inspect import isclass
from typing import Any

from aiogram import Dispatcher
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from handlers.ui import Button

Screen = Callable[[TelegramObject, dict[str, Any]], bool]  # False: cannot match
Check = Callable[..., Awaitable[tuple[bool, dict[str, Any]]]]


def prepare_handlers(dp: Dispatcher) -> None:
    """For every handler of `dp`'s routers: the screen its filters allow, read from the filters
    as declared; then its pure filters run in place."""
    shared: dict[int, Screen] = {}  # one per magic filter object: most handlers share `private`
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                filters = handler.filters or []
                screens = tuple(s for f in filters if (s := screen_of(f, shared)))
                if screens:
                    screened = _screened(handler, screens)
                    handler.check = screened  # type: ignore[method-assign,assignment]
                for event_filter in filters:
                    _run_in_place_if_pure(event_filter)
            root = getattr(observer, "_handler", None)  # the observer's own filters
            for event_filter in (root.filters or []) if root is not None else []:
                _run_in_place_if_pure(event_filter)


def _run_in_place_if_pure(event_filter: FilterObject) -> None:
    pure = event_filter.magic is not None or isinstance(event_filter.callback, State)
    if pure and not event_filter.awaitable:
        event_filter.callback = _in_place(event_filter.callback)
        event_filter.awaitable = True


def _in_place(resolve: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def check(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    return check


def screen_of(event_filter: FilterObject, shared: dict[int, Screen]) -> Screen | None:
    """A quick test of one filter, for the kinds that need only the event and the state."""
    magic = event_filter.magic
    if magic is not None:
        found = shared.get(id(magic))
        if found is None:
            # Kept alive by the handler, so the id stays its own. Resolved once per update.
            found = shared[id(magic)] = _OncePerEvent(lambda event: bool(magic.resolve(event)))
        return found
    callback = event_filter.callback
    if isinstance(callback, State):
        return lambda event, data: callback(event, data.get("raw_state"))
    if isinstance(callback, StateFilter):
        return lambda event, data: _state_filter_passes(callback, event, data.get("raw_state"))
    if isinstance(callback, Command):  # CommandStart too
        return _command_screen(callback)
    if isinstance(callback, Button):
        return lambda event, data: _button_may_match(callback, event, data)
    if isinstance(callback, CallbackQueryFilter):
        return _press_screen(callback)
    return None


class _OncePerEvent:
    """A test of the event alone, remembered for the event last tested: the handlers of one
    update are tried one after another with the same event object."""

    __slots__ = ("_event", "_result", "_test")

    def __init__(self, test: Callable[[TelegramObject], bool]) -> None:
        self._test = test
        self._event: TelegramObject | None = None
        self._result = False

    def __call__(self, event: TelegramObject, _data: dict[str, Any]) -> bool:
        if event is not self._event:
            self._result = self._test(event)
            self._event = event
        return self._result


def _screened(handler: HandlerObject, screens: tuple[Screen, ...]) -> Check:
    check = handler.check

    async def screened(event: TelegramObject, **data: Any) -> tuple[bool, dict[str, Any]]:
        for screen in screens:
            if not screen(event, data):
                return False, data
        return await check(event, **data)

    return screened


def _state_filter_passes(
    state_filter: StateFilter, event: TelegramObject, raw_state: str | None
) -> bool:
    # aiogram's StateFilter.__call__, which is a coroutine only in name.
    for allowed in state_filter.states:
        if isinstance(allowed, str) or allowed is None:
            if allowed in {"*", raw_state}:
                return True
        elif isinstance(allowed, State | StatesGroup):
            if allowed(event=event, raw_state=raw_state):
                return True
        elif isclass(allowed) and issubclass(allowed, StatesGroup):
            if allowed()(event=event, raw_state=raw_state):
                return True
    return False


def _command_screen(command: Command) -> Screen:
    # Command.parse_command: the text's first word, its first character a prefix, the rest up
    # to an "@" the command's name (compared casefolded with ignore_case). A name given as a
    # pattern is left to aiogram.
    patterns = any(isinstance(c, re.Pattern) for c in command.commands)
    names = None if patterns else frozenset(command.commands)

    def screen(event: TelegramObject, _data: dict[str, Any]) -> bool:
        if not isinstance(event, Message):
            return False
        words = (event.text or event.caption or "").split(maxsplit=1)
        if not words or words[0][0] not in command.prefix:
            return False
        if names is None:
            return True
        name = words[0][1:].partition("@")[0]
        return (name.casefold() if command.ignore_case else name) in names

    return screen


def _press_screen(press_filter: CallbackQueryFilter) -> Screen:
    # CallbackData.unpack: the data split on the separator, the first part the prefix, one
    # part per field; the fields' values and the filter's rule are left to aiogram.
    kind = press_filter.callback_data
    prefix, separator, parts = kind.__prefix__, kind.__separator__, len(kind.model_fields) + 1

    def screen(event: TelegramObject, _data: dict[str, Any]) -> bool:
        if not isinstance(event, CallbackQuery) or not event.data:
            return False
        split = event.data.split(separator)
        return split[0] == prefix and len(split) == parts

    return screen


def _button_may_match(button: Button, event: TelegramObject, data: dict[str, Any]) -> bool:
    catalogue = data.get("catalogue")
    if catalogue is None:  # aiogram's own check will say what is wrong
        return True
    return isinstance(event, Message) and button.matches(event, catalogue)
