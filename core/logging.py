"""Structured logging with redaction of secrets and personal data.

The bot token sits in every Bot API URL, and aiohttp/httpx log full URLs, so their loggers are
quietened and every record passes through `RedactingFilter` on the way out.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"bot\d{3,}:[\w-]{20,}"), "bot<token>"),
    (re.compile(r"\d{6,}:AA[\w-]{20,}"), "<token>"),
    (
        re.compile(
            r"(?i)(secret[_-]?token|webhook[_-]?secret|x-telegram-bot-api-secret-token)([\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
        ),
        r"\1\2<secret>",
    ),
    (re.compile(r"(?<!\d)\+?86[\s-]?1[3-9]\d{9}(?!\d)"), "<phone>"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "<phone>"),
    (re.compile(r"\+\d{10,15}(?!\d)"), "<phone>"),
]
# Keys whose values are personal data or message text: dropped from structured fields.
_SENSITIVE_KEYS = {
    "text",
    "caption",
    "phone",
    "phone_number",
    "name",
    "first_name",
    "last_name",
    "owner_name",
    "username",
    "token",
    "secret",
    "contact",
}


def redact(text: str) -> str:
    """Replace tokens, secrets and phone numbers in `text`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redact the formatted message and any structured `extra` fields of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                k: ("<redacted>" if k in _SENSITIVE_KEYS else v) for k, v in fields.items()
            }
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            data.update(fields)
        if record.exc_info:
            data["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", *, stream: Any = None) -> None:
    """Install the redacting JSON handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_linli", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    handler._linli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # These log full request URLs (with the token) and bodies at INFO/DEBUG.
    for noisy in (
        "httpx",
        "httpcore",
        "aiohttp.access",
        "aiohttp.client",
        "uvicorn.access",
        "aiogram.event",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
