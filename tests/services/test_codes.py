"""How a typed binding code is read: as people really type one they were given."""

from __future__ import annotations

import pytest

from services.onboarding import looks_like_code, normalize_code


@pytest.mark.parametrize(
    "typed",
    [
        "P34GNC6C",
        "p34g-nc6c ",
        "p34g nc6c",
        "Ｐ３４ＧＮＣ６Ｃ",  # a phone's full-width input mode
        "ｐ３４ｇ－ｎｃ６ｃ",
        "绑定码是P34GNC6C",
        "我的绑定码：P34GNC6C。",
        "码 P34G NC6C",
        "my code is p34gnc6c",
        "Binding code: P34GNC6C!",
    ],
)
def test_a_code_is_read_however_it_is_typed(typed: str) -> None:
    assert normalize_code(typed) == "P34GNC6C"
    assert looks_like_code(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "绑定码",
        "我没有绑定码",
        "你好",
        "楼道的灯坏了",
        "hello there",
        "P34GNC6",
        "我家在P34GNC6C楼",
    ],
)
def test_other_words_are_not_a_code(typed: str) -> None:
    assert normalize_code(typed) is None


def test_a_mistyped_code_is_still_a_try_but_words_are_not() -> None:
    assert looks_like_code("绑定码是P34GNC6")  # one character short: told it is not right
    assert not looks_like_code("我没有绑定码")
    assert not looks_like_code("hello")
