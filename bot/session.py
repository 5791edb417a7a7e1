"""The Bot API session: aiogram's aiohttp session, sending JSON bodies when nothing is uploaded.

aiogram posts every call as a form, JSON-encoding each nested value into a field and then
percent-encoding the whole body: for a Chinese text with a keyboard that is three times the
work of one `json.dumps` (measured: ~190 µs against ~65 µs per sendMessage), on every message
the outbox sends. The Bot API takes `application/json` for any call without a file upload;
calls that upload a file still go as multipart forms, exactly as aiogram builds them.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiohttp import FormData
from aiohttp.payload import BytesPayload


class JsonAiohttpSession(AiohttpSession):
    def build_form_data(  # type: ignore[override] # aiohttp takes a payload as `data` too
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> FormData | BytesPayload:
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":  # left out of aiogram's form too
                continue
            body[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        return BytesPayload(
            json.dumps(body, ensure_ascii=False).encode(), content_type="application/json"
        )
