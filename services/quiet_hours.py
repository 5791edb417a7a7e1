"""Quiet hours: when non-urgent messages wait for the morning (in the estate's zone)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(at: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    local = at.astimezone(zone).time()
    if start <= end:  # e.g. 13:00–14:00
        return start <= local < end
    return local >= start or local < end  # wraps midnight, e.g. 21:00–08:30


def release_time(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """`at` itself outside quiet hours; otherwise the moment quiet hours end (UTC)."""
    if not in_quiet_hours(at, zone, start, end):
        return at
    local = at.astimezone(zone)
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(UTC)
