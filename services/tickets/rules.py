"""What a ticket may contain: categories, visit windows, media limits, SLA deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.settings import TicketSettings
from models import TicketKind, Urgency
from models import tickets as tickets_model
from services.tickets import visits
from services.tickets.categories import COMPLAINT_CATEGORIES, REPAIR_CATEGORIES

CATEGORIES = {TicketKind.repair: REPAIR_CATEGORIES, TicketKind.complaint: COMPLAINT_CATEGORIES}
# Suggested as urgent when chosen: a gas smell, a flood, someone stuck in a lift.
URGENT_SUGGESTED = frozenset({"gas", "elevator"})


def asks_visit(kind: str, location: str | None, urgency: str | None = None) -> bool:
    """A visit time matters for a repair in the home (nobody need be in for a stairwell),
    unless it is urgent: then someone comes at once, and asking would only hold them up."""
    return kind == TicketKind.repair and location == "home" and urgency != Urgency.urgent


def visit_shown(kind: str, location: str | None, urgency: str | None, window: str | None) -> str:
    """The visit time as people read it: the window chosen ("any" when none was),
    visits.AT_ONCE for an urgent repair at home, "" when nobody need be in."""
    if kind != TicketKind.repair or location != "home":
        return ""
    if urgency == Urgency.urgent:
        return visits.AT_ONCE
    return window or "any"


MAX_PHOTOS = 5
MAX_VOICE = 1
DESCRIPTION_MAX = 2000
PLACE_MAX = 200  # tickets.place is VARCHAR(200)
MESSAGE_MAX = 2000
WORK_NOTE_MAX = tickets_model.WORK_NOTE_MAX  # what was done, told with "done"
REJECT_REASON_MAX = tickets_model.REJECT_REASON_MAX  # the resident reads it
COMMENT_MAX = tickets_model.RATING_COMMENT_MAX  # words with the stars


def deadlines(
    settings: TicketSettings, urgency: Urgency, now: datetime
) -> tuple[datetime, datetime]:
    """(accept by, finish by) for a ticket filed now."""
    sla = settings.sla[urgency.value]
    return now + timedelta(minutes=sla.accept_minutes), now + timedelta(hours=sla.finish_hours)
