"""Handlers declared once at import, attached to a fresh aiogram Router per Dispatcher.

An aiogram Router can belong to one Dispatcher only, but a process may build several (tests,
a restart in place). `Routes` keeps the familiar decorator style and hands out new Routers.

The Dispatcher gets one Router holding every module's handlers in order (`merged`), not a
Router per module: aiogram tries handlers in exactly the same order either way (no Router of
ours has filters or middlewares of its own), but each Router an update passes through costs
it a round of aiogram's propagation (its middlewares resolved and wrapped, its data copied),
and a resident's typed answer to a ticket form used to pass through ten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router

Handler = Callable[..., Any]


class Routes:
    def __init__(self) -> None:
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

    def my_chat_member(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("my_chat_member", filters)

    def errors(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("errors", filters)


def merged(name: str, routes: list[Routes]) -> Router:
    """A new Router with the handlers of all `routes`, module after module, each module's in
    the order it registered them."""
    router = Router(name=name)
    for part in routes:
        for observer, filters, handler in part._registrations:
            getattr(router, observer).register(handler, *filters)
    return router
