"""Money and time as people read them: integer fen shown as ¥1,234.50; UTC shown in a zone."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from core.clock import as_utc


def format_fen(fen: int) -> str:
    """123450 -> '¥1,234.50'; negative amounts keep their sign before the symbol."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """'1,234.5' -> 123450 fen; at most two decimals; raises ValueError otherwise."""
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"more than two decimals: {text!r}")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def local_time(value: datetime, zone: ZoneInfo) -> datetime:
    """A stored UTC time in the community's zone."""
    return as_utc(value).astimezone(zone)


def format_datetime(value: datetime, zone: ZoneInfo) -> str:
    """'2026-11-22 14:05' in the given zone."""
    return local_time(value, zone).strftime("%Y-%m-%d %H:%M")
