"""Handlers declared once at import, attached to a fresh aiogram Router per Dispatcher.

An aiogram Router can belong to one Dispatcher only, but a process may build several (tests,
a restart in place). `Routes` keeps the familiar decorator style and hands out new Routers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router

Handler = Callable[..., Any]


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._registrations: list[tuple[str, tuple[Any, ...], Handler]] = []

    def _on(self, observer: str, filters: tuple[Any, ...]) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self._registrations.append((observer, filters, handler))
            return handler

        return decorator

    def message(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("message", filters)

    def callback_query(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("callback_query", filters)

    def errors(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("errors", filters)

    def router(self) -> Router:
        """A new Router with every handler, in the order they were declared."""
        router = Router(name=self.name)
        # Stacked decorators register bottom-up; declaration order is what readers expect.
        for observer, filters, handler in self._ordered():
            getattr(router, observer).register(handler, *filters)
        return router

    def _ordered(self) -> list[tuple[str, tuple[Any, ...], Handler]]:
        return self._registrations
