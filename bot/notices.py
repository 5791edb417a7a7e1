"""Notice renderers: the outbox says what to tell whom; these turn it into a chat message.

Each feature module in `handlers/` registers the renderers for its notices, next to the
keyboards and callback data they use. The sender renders when it sends, in the recipient's
language at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import Catalogue, Translator

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: Markup | None = None
    photo: str | None = None  # a Telegram file id; the text becomes its caption
    document: str | None = None  # likewise, for a file
    voice: str | None = None  # a voice note's file id
    media: list[str] | None = None  # an album of photo file ids; the text captions the first
    pin: bool = False  # pin it in the chat once sent (urgent announcements)


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may need besides the data: the reader's language and the bot's name."""

    _: Translator
    catalogue: Catalogue
    bot_username: str
    data: dict[str, Any]


Renderer = Callable[[RenderContext], Rendered]


class UnknownNotice(KeyError):
    pass


class NoticeRegistry:
    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}

    def register(self, name: str) -> Callable[[Renderer], Renderer]:
        def decorator(func: Renderer) -> Renderer:
            if name in self._renderers:
                raise ValueError(f"notice {name!r} registered twice")
            self._renderers[name] = func
            return func

        return decorator

    def render(self, name: str, context: RenderContext) -> Rendered:
        try:
            renderer = self._renderers[name]
        except KeyError:
            raise UnknownNotice(name) from None
        return renderer(context)

    def names(self) -> list[str]:
        return sorted(self._renderers)


# Filled by the handler modules at import; a registry of pure functions, like a Router.
notices = NoticeRegistry()
