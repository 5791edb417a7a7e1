"""The simulated Bot API: `POST|GET /bot{token}/{method}` and `GET /file/bot{token}/{path}`.

Requests may be JSON, form-urlencoded (what aiogram sends without files) or multipart (with
files, attached as `attach://<field>`). Each method validates its input the way Telegram
does and answers with Telegram's error descriptions; results are built with
python-telegram-bot's classes (see `tgtypes`). Scheduled faults are applied before a method
runs and never count as violations.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulator.methods.chats import ChatMethods
from simulator.methods.common import FAULT_DESCRIPTIONS
from simulator.methods.editing import EditingMethods
from simulator.methods.profile import ProfileMethods
from simulator.methods.sending import SendingMethods
from simulator.methods.updates import UpdateMethods
from simulator.params import ApiError, Params, read_params
from simulator.state import SimState

log = logging.getLogger(__name__)


def _json(status: int, body: dict[str, Any]) -> Response:
    """A compact JSON response."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


Handler = Callable[[Params], Any]


class BotApi(UpdateMethods, SendingMethods, EditingMethods, ProfileMethods, ChatMethods):
    """The Bot API methods over a SimState: every `m_<name>` of the method groups answers
    `<name>` (case-insensitively, as Telegram does)."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.methods: dict[str, tuple[str, Handler, bool]] = {}
        for attribute in dir(self):
            if attribute.startswith("m_"):
                handler = getattr(self, attribute)
                name = attribute[2:]
                self.methods[name.lower()] = (name, handler, inspect.iscoroutinefunction(handler))

    async def http_method(self, request: Request) -> Response:
        """Serve `/bot{token}/{method}`."""
        if request.path_params["token"] != self.state.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = await read_params(request)
        except ApiError as error:
            self._count_error(error)
            return _json(error.status, error.body())
        status, body = await self.call(request.path_params["method"], params)
        return _json(status, body)

    async def http_file(self, request: Request) -> Response:
        """Serve `/file/bot{token}/{file_path}` (the download URL of getFile)."""
        if request.path_params["token"] != self.state.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        stored = self.state.files_by_path.get(request.path_params["file_path"])
        if stored is None:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    async def call(self, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Run one method call (with faults and counters) and return (status, JSON body)."""
        state = self.state
        entry = self.methods.get(method.lower())
        if entry is None:
            state.calls_by_method[method] += 1
            error = ApiError(404, "Not Found: method not found")
            self._count_error(error)
            return 404, error.body()
        name, handler, is_async = entry
        state.calls_by_method[name] += 1
        fault = state.faults.take(name, params.raw.get("chat_id"))
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return fault.status, self._fault_body(
                    fault.status, fault.retry_after, fault.description
                )
        try:
            result = await handler(params) if is_async else handler(params)
        except ApiError as error:
            self._count_error(error)
            return error.status, error.body()
        except Exception:
            log.exception("simulator: %s failed", name)
            internal = ApiError(500, "Internal Server Error: simulator bug")
            self._count_error(internal)
            return 500, internal.body()
        if name != "getUpdates":
            state.sent_by_method[name] += 1
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _fault_body(
        status: int, retry_after: int | None, description: str | None
    ) -> dict[str, Any]:
        """The error body of a simulated fault."""
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            wait = max(1, retry_after or 1)
            body["description"] = description or f"Too Many Requests: retry after {wait}"
            body["parameters"] = {"retry_after": wait}
        else:
            body["description"] = description or FAULT_DESCRIPTIONS.get(status, "Simulated error")
        return body

    def _count_error(self, error: ApiError) -> None:
        """Count an error answer (and a violation when it is one)."""
        self.state.errors[f"{error.status} {error.description}"[:160]] += 1
        if error.violation:
            self.state.record_violation(error.violation)


MethodCaller = Callable[[str, Params], Awaitable[tuple[int, dict[str, Any]]]]
