"""Visit times: offered only while ahead, stored with their date, read back with it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalogue
from handlers.tickets.labels import visit_choice, window_name
from services.tickets import visits

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = date(2026, 12, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_a_tuesday_morning_offers_the_whole_day_tomorrow_and_the_weekend() -> None:
    assert visits.choices(at(TUESDAY, 9, 30)) == [
        "any",
        "2026-12-08.morning",
        "2026-12-08.afternoon",
        "2026-12-08.evening",
        "2026-12-09.morning",
        "2026-12-09.afternoon",
        "2026-12-12.weekend",
    ]


def test_parts_of_today_that_are_nearly_over_are_not_offered() -> None:
    assert visits.choices(at(TUESDAY, 11))[1:3] == ["2026-12-08.afternoon", "2026-12-08.evening"]
    late = visits.choices(at(TUESDAY, 21))
    assert late == ["any", "2026-12-09.morning", "2026-12-09.afternoon", "2026-12-12.weekend"]


def test_no_weekend_is_offered_at_the_weekend_itself() -> None:
    saturday = visits.choices(at(date(2026, 12, 12), 9))
    assert not any(code.endswith(".weekend") for code in saturday)
    assert "2026-12-13.morning" in saturday  # tomorrow is Sunday


def test_a_choice_is_kept_only_while_it_is_ahead() -> None:
    morning = "2026-12-08.morning"
    assert visits.acceptable(morning, at(TUESDAY, 10, 59))
    assert not visits.acceptable(morning, at(TUESDAY, 11))  # left open past it
    assert not visits.acceptable(morning, at(date(2026, 12, 9), 8))
    assert visits.acceptable("2026-12-12.weekend", at(date(2026, 12, 13), 8))  # still Sunday
    assert visits.acceptable("any", at(TUESDAY, 23))
    for forged in ("today_morning", "2026-13-01.morning", "2026-12-08.night", "", None):
        assert not visits.acceptable(forged, at(TUESDAY, 8)), forged


def test_a_visit_reads_with_its_date_in_each_language() -> None:
    catalogue = Catalogue()
    zh, en = catalogue.get("zh_Hans"), catalogue.get("en")
    assert window_name(zh, "2026-12-09.morning") == "12月9日（周三）上午"
    assert window_name(en, "2026-12-09.morning") == "Wed 9 Dec, morning"
    assert window_name(en, "2026-12-12.weekend") == "The weekend of Sat 12 Dec and Sun 13 Dec"
    assert window_name(zh, "any") == "什么时间都可以"
    # on the question's buttons, the day it is asked: today / tomorrow
    assert visit_choice(zh, "2026-12-09.morning", TUESDAY) == "明天上午"
    assert visit_choice(en, "2026-12-08.evening", TUESDAY) == "Today, evening"
    assert visit_choice(zh, "2026-12-12.weekend", TUESDAY) == "这个周末：12月12日（周六）起"
