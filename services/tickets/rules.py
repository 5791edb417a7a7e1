"""What a ticket may contain: categories, visit windows, media limits, SLA deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.settings import TicketSettings
from models import TicketKind, Urgency
from services.tickets.categories import COMPLAINT_CATEGORIES, REPAIR_CATEGORIES

CATEGORIES = {TicketKind.repair: REPAIR_CATEGORIES, TicketKind.complaint: COMPLAINT_CATEGORIES}
# Suggested as urgent when chosen: a gas smell, a flood, someone stuck in a lift.
URGENT_SUGGESTED = frozenset({"gas", "elevator"})
VISIT_WINDOWS = (
    "any",
    "today_morning",
    "today_afternoon",
    "today_evening",
    "tomorrow_morning",
    "tomorrow_afternoon",
    "weekend",
)


def asks_visit(kind: str, location: str | None) -> bool:
    """A visit time matters for a repair in the home: nobody need be in for a stairwell."""
    return kind == TicketKind.repair and location == "home"


MAX_PHOTOS = 5
MAX_VOICE = 1
DESCRIPTION_MAX = 2000
PLACE_MAX = 200  # tickets.place is VARCHAR(200)
MESSAGE_MAX = 2000


def deadlines(
    settings: TicketSettings, urgency: Urgency, now: datetime
) -> tuple[datetime, datetime]:
    """(accept by, finish by) for a ticket filed now."""
    sla = settings.sla[urgency.value]
    return now + timedelta(minutes=sla.accept_minutes), now + timedelta(hours=sla.finish_hours)
