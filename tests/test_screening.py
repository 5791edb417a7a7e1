"""Screening handlers before aiogram checks them (bot/screening.py) changes what it costs to
find the handler for an update, never which handler that is."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Chat, Message, User

from bot.app import build_dispatcher
from bot.i18n import Catalogue
from core.clock import SystemClock
from core.settings import DEMO_TOKEN, load_settings
from handlers.ui import Button
from models.db import Database

USER = {"id": 7001, "is_bot": False, "first_name": "测试"}
CHATS = [
    {"id": 7001, "type": "private", "first_name": "测试"},
    {"id": -1001000000009, "type": "supergroup", "title": "维修群", "is_forum": True},
]


def _messages(labels: list[str]) -> list[dict[str, Any]]:
    texts = [
        "/help",
        "/HELP",
        "/help@linli_demo_bot",
        "/help@some_other_bot",
        "/start ABC123",
        "  /menu",
        "!menu",
        "/nonsense",
        "/",
        "你好",
        "楼道的灯坏了",
        *labels,
    ]
    bodies: list[dict[str, Any]] = [{"text": text} for text in texts]
    bodies += [
        {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}]},
        {
            "photo": [{"file_id": "p2", "file_unique_id": "u2", "width": 9, "height": 9}],
            "caption": "/repair",
        },
        {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
        {"contact": {"phone_number": "+8613900000001", "first_name": "测试", "user_id": 7001}},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 9,
                "height": 9,
                "is_animated": False,
                "is_video": False,
            }
        },
    ]
    return bodies


def _states(handlers: list[HandlerObject]) -> list[str | None]:
    states: set[str | None] = {None}
    for handler in handlers:
        for event_filter in handler.filters or []:
            callback = event_filter.callback
            if isinstance(callback, State):
                states.add(callback.state)
            if isinstance(callback, StateFilter):
                for state in callback.states:
                    states.add(state.state if isinstance(state, State) else state)
    states.discard("*")
    return sorted(states, key=str)


def _presses(handlers: list[HandlerObject]) -> list[str]:
    """CALLBACK_DATA, and for each kind of button: its prefix alone, with one part per field,
    and with one part too many."""
    found = set(CALLBACK_DATA)
    for handler in handlers:
        for event_filter in handler.filters or []:
            if isinstance(event_filter.callback, CallbackQueryFilter):
                kind = event_filter.callback.callback_data
                fields = len(kind.model_fields)
                for parts in (0, fields, fields + 1):
                    found.add(kind.__separator__.join([kind.__prefix__, *["1"] * parts]))
    return sorted(found)


def _labels(handlers: list[HandlerObject], catalogue: Catalogue) -> list[str]:
    labels: set[str] = set()
    for handler in handlers:
        for event_filter in handler.filters or []:
            if isinstance(event_filter.callback, Button):
                labels |= set(catalogue.variants(event_filter.callback.message))
    return sorted(labels)


# Button presses as the product sends them (see the simulator's chats), and some it never sends.
CALLBACK_DATA = [
    "rto:r",
    "rto:n",
    "rtw:w:home",
    "rtw:p:",
    "rtw:s:",
    "rtw:q:",
    "rt:s:1:0",
    "tka:a:1:g",
    "tka:s:1:g",
    "join:r:41:0:tenant",
    "join:x:0:0:",
    "lang:en",
    "lang:zz",
    "ack:3",
    "x",
    "",
]


async def test_a_screened_handler_matches_exactly_when_aiogram_would_match_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'screening.sqlite3'}"
    settings = load_settings(
        None,
        database={"url": url},
        telegram={"token": DEMO_TOKEN, "api_base": "http://127.0.0.1:9"},
    )
    catalogue = Catalogue(default="zh_Hans")
    db = Database(url)
    dp = build_dispatcher(settings=settings, db=db, catalogue=catalogue, clock=SystemClock())
    bot = Bot(DEMO_TOKEN)
    # What getMe would say (a command addressed "@name" is checked against it), known ahead
    # as aiogram keeps it after the first call: there is no Bot API server here.
    bot._me = User(id=bot.id, is_bot=True, first_name="邻里", username="linli_demo_bot")
    routers = list(dp.chain_tail)  # a generator
    on_message = [h for router in routers for h in router.message.handlers]
    on_press = [h for router in routers for h in router.callback_query.handlers]
    states = _states([*on_message, *on_press])
    storage = MemoryStorage()
    compared = matched = 0

    async def compare(handlers: list[HandlerObject], event: Any, chat: dict[str, Any]) -> None:
        nonlocal compared, matched
        key = StorageKey(bot_id=bot.id, chat_id=chat["id"], user_id=USER["id"])
        for raw_state in states:
            data = {
                "bot": bot,
                "catalogue": catalogue,
                "clock": SystemClock(),
                "raw_state": raw_state,
                "state": FSMContext(storage=storage, key=key),
                "person": None,
                "event_from_user": event.from_user,
                "event_chat": Chat.model_validate(chat),
            }
            for handler in handlers:
                screened, _ = await handler.check(event, **data)
                unscreened, _ = await HandlerObject.check(handler, event, **data)
                assert screened == unscreened, (handler.callback.__name__, event, raw_state)
                compared += 1
                matched += bool(unscreened)

    try:
        for chat, body in product(CHATS, _messages(_labels(on_message, catalogue))):
            message = Message.model_validate(
                {"message_id": 1, "date": 1_800_000_000, "chat": chat, "from": USER, **body},
                context={"bot": bot},
            )
            await compare(on_message, message, chat)
        for chat, pressed in product(CHATS, _presses(on_press)):
            press = CallbackQuery.model_validate(
                {
                    "id": "1",
                    "from": USER,
                    "chat_instance": "c",
                    "data": pressed,
                    "message": {"message_id": 5, "date": 1_800_000_000, "chat": chat},
                },
                context={"bot": bot},
            )
            await compare(on_press, press, chat)
    finally:
        await bot.session.close()
        await db.dispose()
    # Enough of both outcomes that the comparison means something.
    assert compared > 5_000
    assert matched > 100
    screened = [h for h in (*on_message, *on_press) if "check" in vars(h)]
    assert len(screened) > (len(on_message) + len(on_press)) // 2
