"""The examples under an announcement template's questions: a date in them is still ahead."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import Catalogue
from handlers.broadcast.render import field_example


@pytest.mark.parametrize(
    ("field", "today", "zh", "en"),
    [
        ("date", date(2026, 12, 7), "例如：12月14日", "For example: 14 Dec"),
        ("date", date(2026, 12, 28), "例如：1月4日", "For example: 4 Jan"),
        ("due_date", date(2026, 12, 7), "例如：1月31日", "For example: 31 Jan"),
        ("due_date", date(2027, 1, 31), "例如：2月28日", "For example: 28 Feb"),
        (
            "period",
            date(2026, 12, 7),
            "例如：2027年1月至12月",
            "For example: January to December 2027",
        ),
        (
            "period",
            date(2027, 3, 1),
            "例如：2027年1月至12月",
            "For example: January to December 2027",
        ),
    ],
)
def test_examples_name_days_ahead(field: str, today: date, zh: str, en: str) -> None:
    catalogue = Catalogue()
    assert field_example(catalogue.get("zh_Hans"), field, "", today) == zh
    assert field_example(catalogue.get("en"), field, "", today) == en
