"""Answers typed to the report form's button questions ("家里", "不急", "随时"), as people
type them instead of tapping: where the problem is, how urgent, and "any time" for a visit."""

from __future__ import annotations

from services.matcher.rules import in_home, in_public
from services.matcher.text import normalise

HOME, PUBLIC = "home", "public"
NORMAL, URGENT = "normal", "urgent"

# Whole answers, as normalise() leaves them.
_WHERE = {
    **dict.fromkeys(
        ("家", "家里", "在家", "在家里", "我家", "在我家", "屋里", "home", "at home"), HOME
    ),
    **dict.fromkeys(
        ("公共", "公共区域", "公共地方", "公共场所", "外面", "小区里", "public", "public area"),
        PUBLIC,
    ),
}
_URGENCY = {
    **dict.fromkeys(
        ("紧急", "很急", "急", "特别急", "非常急", "加急", "urgent", "emergency"), URGENT
    ),
    **dict.fromkeys(
        ("普通", "一般", "不急", "不紧急", "不着急", "正常", "normal", "not urgent"), NORMAL
    ),
}


def where_said(text: str) -> tuple[str, bool] | None:
    """(HOME or PUBLIC, whether the words name the place itself): "家里" → (HOME, False),
    "公共区域" → (PUBLIC, False), "3单元楼道5楼" → (PUBLIC, True); None when they say neither."""
    norm = normalise(text)
    if norm in _WHERE:
        return _WHERE[norm], False
    if in_home(norm):
        return HOME, False
    if in_public(norm):
        return PUBLIC, True
    return None


def urgency_said(text: str) -> str | None:
    """URGENT or NORMAL for a typed answer such as "不急" or "紧急", else None."""
    return _URGENCY.get(normalise(text))


_ANY_TIME = frozenset({"随时", "随便", "都行", "都可以", "anytime", "any time", "whenever"})


def any_time_said(text: str) -> bool:
    """Whether a typed visit time means "whenever suits you" ("随时", "any time")."""
    return normalise(text) in _ANY_TIME
