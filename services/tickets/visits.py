"""When a resident would like a repair visit: a part of a given day, chosen among those ahead.

A choice is stored with its date ("2026-12-07.morning"), not as "today, morning": staff read
the ticket days later, and a form left open overnight must not move the visit a day on. Dates
are the estate's own (the caller passes the local time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

ANY = "any"
AT_ONCE = "asap"  # shown, never chosen: an urgent repair at home is attended at once
PARTS = ("morning", "afternoon", "evening")
WEEKEND = "weekend"  # its day is the Saturday
# Today's parts are offered until an hour before each ends: a visit needs arranging.
OFFERED_UNTIL = {"morning": time(11), "afternoon": time(17), "evening": time(20)}
SATURDAY = 5


@dataclass(frozen=True)
class Visit:
    day: date
    part: str  # one of PARTS, or WEEKEND

    @property
    def code(self) -> str:
        return f"{self.day.isoformat()}.{self.part}"

    def ahead(self, now: datetime) -> bool:
        """Still worth choosing at local time `now`."""
        today = now.date()
        if self.part == WEEKEND:
            return self.day + timedelta(days=1) >= today
        return self.day > today or (self.day == today and now.time() < OFFERED_UNTIL[self.part])


def parse(code: str | None) -> Visit | None:
    """The visit a stored or pressed code names; None for "any", "asap" or nonsense."""
    day, _, part = (code or "").partition(".")
    if part not in (*PARTS, WEEKEND):
        return None
    try:
        return Visit(date.fromisoformat(day), part)
    except ValueError:
        return None


def choices(now: datetime) -> list[str]:
    """What to offer at local time `now`: any time, today's parts still ahead, tomorrow
    morning and afternoon, and on a weekday the coming weekend."""
    today = now.date()
    offered = [Visit(today, part) for part in PARTS]
    offered += [Visit(today + timedelta(days=1), part) for part in ("morning", "afternoon")]
    if today.weekday() < SATURDAY:
        offered.append(Visit(today + timedelta(days=SATURDAY - today.weekday()), WEEKEND))
    return [ANY, *(v.code for v in offered if v.ahead(now))]


def known(code: str | None) -> bool:
    """A choice of the form's: "any" or a dated visit (whether still ahead or not)."""
    return code == ANY or parse(code) is not None


def acceptable(code: str | None, now: datetime) -> bool:
    """A choice the form may keep at local time `now`: "any", or a visit still ahead."""
    if code == ANY:
        return True
    visit = parse(code)
    return visit is not None and visit.ahead(now)
