"""How tickets read to people: category, status, visit-window and history names, translated.

Plain data for renderers (the staff side may use them too): each mapping goes from the value
the services store to an English msgid, translated at render time in the reader's language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from core.formatting import format_datetime
from services.tickets import visits

DANGER = N_("⚠️ If anyone is in danger, please call 119 (fire), 120 (ambulance) or 110 first.")
# What to do at once, before anyone from the property office can arrive, for the emergencies
# whose first minutes matter most (shown under DANGER, and only when the report sounds urgent:
# a dripping tap needs no talk of the main valve).
SAFETY_STEPS = {
    "plumbing": N_(
        "💧 Water pouring out: close your home's main water valve (usually next to the water "
        "meter), and keep away from sockets and switches the water reaches."
    ),
    "electrical": N_(
        "⚡ Sparks or smoke: if you can do it safely, switch off the power at your home's "
        "breaker box. Never pour water on an electrical fire."
    ),
    "gas": N_(
        "🔥 Smell of gas: do not switch lights or appliances on or off, and light nothing. "
        "Open the windows, leave, and call the gas company's emergency line from outside."
    ),
    "elevator": N_(
        "🛗 Trapped in a lift: press the alarm button in the lift and call 96333, the lift "
        "rescue line (it is also on the notice inside the lift). Stay calm; do not force the doors."
    ),
}


def safety_lines(_: Translator, category: str | None) -> list[str]:
    """What to do at once in an emergency: call for help, and this category's own steps."""
    steps = SAFETY_STEPS.get(category or "")
    return [_(DANGER), _(steps)] if steps else [_(DANGER)]


REPAIR_CATEGORY_NAMES: dict[str, str] = {
    "plumbing": N_("🚰 Plumbing & drains"),
    "electrical": N_("💡 Electrical & lighting"),
    "appliance": N_("🔌 Appliances"),
    "doors_windows": N_("🚪 Doors & windows"),
    "gas": N_("🔥 Gas"),
    "elevator": N_("🛗 Lift"),
    "public_area": N_("🏢 Public area"),
    "greening": N_("🌳 Trees & lawns"),
    "other": N_("🔧 Something else"),
}
COMPLAINT_CATEGORY_NAMES: dict[str, str] = {
    "fee_value": N_("💴 Service not worth the fee"),
    "missing_service": N_("🙈 Service missing or absent"),
    "utility_cut": N_("🚱 Water/power cut without notice"),
    "security": N_("🛡 Security and patrols"),
    "environment": N_("🗑 Dirty or messy surroundings"),
    "noise": N_("🔊 Noise"),
    "parking": N_("🚗 Parking"),
    "pets": N_("🐕 Pets and stray animals"),
    "other": N_("📝 Something else"),
}
CATEGORY_NAMES = {"repair": REPAIR_CATEGORY_NAMES, "complaint": COMPLAINT_CATEGORY_NAMES}

# Shorter words for "Sounds like a … repair": no emoji, lower case where the language has it.
REPAIR_TOPICS: dict[str, str] = {
    "plumbing": N_("a plumbing repair"),
    "electrical": N_("an electrical or lighting repair"),
    "appliance": N_("an appliance repair"),
    "doors_windows": N_("a door or window repair"),
    "gas": N_("a gas problem"),
    "elevator": N_("a lift problem"),
    "public_area": N_("a repair in a public area"),
    "greening": N_("a job for the gardeners"),
    "other": N_("a repair"),
}
COMPLAINT_TOPICS: dict[str, str] = {
    "fee_value": N_("a complaint about the service for the fee"),
    "missing_service": N_("a complaint about missing service"),
    "utility_cut": N_("a complaint about a water or power cut"),
    "security": N_("a complaint about security"),
    "environment": N_("a complaint about the surroundings"),
    "noise": N_("a complaint about noise"),
    "parking": N_("a complaint about parking"),
    "pets": N_("a complaint about pets or stray animals"),
    "other": N_("a complaint"),
}

KIND_NAMES = {"repair": N_("repair"), "complaint": N_("complaint")}

STATUS_NAMES: dict[str, str] = {
    "new": N_("📥 Received, waiting for the office"),
    "accepted": N_("👍 Accepted"),
    "assigned": N_("👷 Assigned to staff"),
    "in_progress": N_("🔧 Being handled"),
    "done": N_("✅ Done, please rate"),
    "closed": N_("🔒 Closed"),
    "rejected": N_("✗ Not accepted"),
    "cancelled": N_("✗ Cancelled"),
    "reopened": N_("↩ Reopened"),
}

VISIT_NAMES: dict[str, str] = {
    visits.ANY: N_("Any time"),
    visits.AT_ONCE: N_("As soon as possible (urgent)"),
}
# A visit time on the buttons, the day it is asked ("today", "tomorrow").
VISIT_CHOICES: dict[tuple[int, str], str] = {
    (0, "morning"): N_("Today, morning"),
    (0, "afternoon"): N_("Today, afternoon"),
    (0, "evening"): N_("Today, evening"),
    (1, "morning"): N_("Tomorrow, morning"),
    (1, "afternoon"): N_("Tomorrow, afternoon"),
}
PART_NAMES = {"morning": N_("morning"), "afternoon": N_("afternoon"), "evening": N_("evening")}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)

URGENCY_NAMES = {"normal": N_("Normal"), "urgent": N_("🚨 Urgent")}

# A ticket's history as a resident reads it (services.tickets.lifecycle event actions).
EVENT_NAMES: dict[str, str] = {
    "create": N_("Reported"),
    "accept": N_("Accepted by the property office"),
    "assign": N_("Assigned to staff"),
    "auto_assign": N_("Assigned to staff"),
    "grab": N_("Taken on by a technician"),
    "start": N_("Work started"),
    "finish": N_("Work done"),
    "reject": N_("Not accepted"),
    "cancel": N_("Cancelled"),
    "rate": N_("Rated"),
    "reopen": N_("Reopened"),
    "close": N_("Closed"),
    "message": N_("Message"),
}

STARS = {
    1: N_("⭐ Very poor"),
    2: N_("⭐⭐ Poor"),
    3: N_("⭐⭐⭐ OK"),
    4: N_("⭐⭐⭐⭐ Good"),
    5: N_("⭐⭐⭐⭐⭐ Very good"),
}


def category_name(_: Translator, kind: str, category: str) -> str:
    """'🚰 Plumbing & drains'; an unknown value is shown as it is rather than failing."""
    name = CATEGORY_NAMES.get(kind, {}).get(category)
    return _(name) if name else category


def topic(_: Translator, kind: str, category: str | None) -> str:
    """'a plumbing repair', 'a complaint about noise'."""
    topics = REPAIR_TOPICS if kind == "repair" else COMPLAINT_TOPICS
    msgid = topics.get(category or "") or topics["other"]
    return _(msgid)


def status_name(_: Translator, status: str) -> str:
    name = STATUS_NAMES.get(status)
    return _(name) if name else status


def kind_name(_: Translator, kind: str) -> str:
    msgid = KIND_NAMES.get(kind) or KIND_NAMES["repair"]
    return _(msgid)


def urgency_name(_: Translator, urgency: str) -> str:
    msgid = URGENCY_NAMES.get(urgency) or URGENCY_NAMES["normal"]
    return _(msgid)


def stars_name(_: Translator, stars: int) -> str:
    """'⭐⭐⭐⭐ Good'."""
    msgid = STARS.get(stars) or STARS[5]
    return _(msgid)


def day_name(_: Translator, day: date) -> str:
    """'Mon 7 Dec' / '12月7日 周一'."""
    return _(
        "{weekday} {day} {month_name}",
        weekday=_(WEEKDAYS[day.weekday()]),
        day=day.day,
        month_name=_(MONTHS[day.month - 1]),
    )


def date_name(_: Translator, day: date) -> str:
    """'24 Dec' / '12月24日'."""
    return _("{day} {month_name}", day=day.day, month_name=_(MONTHS[day.month - 1]))


def window_name(_: Translator, window: str | None) -> str:
    """A visit time as staff and the resident read it later: with its date, never "today"."""
    visit = visits.parse(window)
    if visit is None:
        return _(VISIT_NAMES.get(window or "") or VISIT_NAMES[visits.ANY])
    if visit.part == visits.WEEKEND:
        return _(
            "The weekend of {saturday} and {sunday}",
            saturday=day_name(_, visit.day),
            sunday=day_name(_, visit.day + timedelta(days=1)),
        )
    return _("{day}, {part}", day=day_name(_, visit.day), part=_(PART_NAMES[visit.part]))


def visit_choice(_: Translator, code: str, today: date | None) -> str:
    """A visit time on the question's buttons: 'Tomorrow, morning', 'This weekend (…)'."""
    visit = visits.parse(code)
    if visit is None or today is None:
        return window_name(_, code)
    if visit.part == visits.WEEKEND:
        return _("This weekend, from {saturday}", saturday=day_name(_, visit.day))
    relative = VISIT_CHOICES.get(((visit.day - today).days, visit.part))
    return _(relative) if relative else window_name(_, code)


def event_name(_: Translator, event: dict[str, Any]) -> str:
    """An event's action in plain words; unknown ones by the status they led to."""
    name = EVENT_NAMES.get(str(event.get("action")))
    if name:
        return _(name)
    return status_name(_, str(event.get("to_status") or ""))


def when(value: datetime, zone: ZoneInfo) -> str:
    """A stored time as people in the estate read it: '2026-11-22 14:05'."""
    return format_datetime(value, zone)


def short(text: str, limit: int) -> str:
    """Cut a long text for a list or a button, marking the cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int) -> str:
    """Cut a long text to `limit` characters (line breaks kept), marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
