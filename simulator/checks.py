"""Checks of what a bot sends that Telegram refuses: malformed inline keyboards, callback
data outside 1..64 bytes, bad button URLs, malformed explicit entities."""

from __future__ import annotations

from typing import Any

from simulator.params import bad_request

CALLBACK_DATA_LIMIT = 64
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_inline_keyboard(rows: Any) -> None:
    """Refuse malformed inline keyboards and callback_data outside 1..64 bytes."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    count = 0
    for row in rows:
        for button in row:
            count += 1
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: object expected")
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            actions = [name for name in INLINE_ACTIONS if name in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str):
                    data = str(data)
                if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = str(button["url"])
                if not url.startswith(("http://", "https://", "tg://")):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
    if count > 100:
        raise bad_request("too many inline keyboard buttons")


def check_entities(raw: Any) -> list[dict[str, Any]]:
    """Validate explicit entities."""
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    result = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("type"), str)
            or not isinstance(item.get("offset"), int)
            or not isinstance(item.get("length"), int)
        ):
            raise bad_request("can't parse entities JSON object")
        result.append(dict(item))
    return result
