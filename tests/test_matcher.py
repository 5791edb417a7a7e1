"""The free-text matcher: held-out accuracy on the labelled phrases, and the cases that matter.

The labelled set `tests/data/ticket_phrases.csv` is canonical; `services/data/` holds the copy
the matcher trains its default model on at run time, and must stay byte-identical.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from services import matcher
from services.matcher import (
    COMPLAINT_CATEGORIES,
    REPAIR_CATEGORIES,
    Match,
    Row,
    at_home,
    classify,
    held_out_split,
    in_shared_place,
    looks_like_problem,
    read_rows,
    small_talk,
    train,
    urgency_said,
    urgent_hint,
    where_said,
    yes_or_no,
)

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "tests" / "data" / "ticket_phrases.csv"
BUNDLED = ROOT / "services" / "data" / "ticket_phrases.csv"
ACCEPTANCE = 0.90  # kind+category on the held-out rows
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return read_rows(CANONICAL.read_text(encoding="utf-8"))


# --- the data --------------------------------------------------------------------------------


def test_bundled_training_data_is_a_copy_of_the_labelled_set() -> None:
    assert BUNDLED.read_bytes() == CANONICAL.read_bytes(), (
        "services/data/ticket_phrases.csv must be a copy of tests/data/ticket_phrases.csv: "
        "cp tests/data/ticket_phrases.csv services/data/"
    )


def test_labelled_set_covers_every_category(rows: list[Row]) -> None:
    assert len(rows) >= 420
    texts = [row.text for row in rows]
    assert len(set(texts)) == len(texts), "duplicate phrases"
    counts = Counter(row.label for row in rows)
    for category in REPAIR_CATEGORIES:
        assert counts[f"repair:{category}"] >= (15 if category != "other" else 1), category
    for category in COMPLAINT_CATEGORIES:
        assert counts[f"complaint:{category}"] >= (12 if category != "other" else 1), category
    assert counts["none"] >= 30


def test_labelled_set_is_mostly_chinese_and_lang_matches_text(rows: list[Row]) -> None:
    for row in rows:
        assert row.lang == ("zh" if CJK.search(row.text) else "en"), row.text
    share = sum(row.lang == "zh" for row in rows) / len(rows)
    assert 0.6 <= share <= 0.8, share


# --- accuracy --------------------------------------------------------------------------------


def test_held_out_accuracy(rows: list[Row]) -> None:
    """Train on four fifths of every label, classify the fifth the model never saw."""
    kept, held = held_out_split(rows, every=5, offset=0)
    model = train(kept)
    kind_ok = both_ok = 0
    for row in held:
        match = model.classify(row.text)
        kind_ok += match.kind == row.kind
        both_ok += match.kind == row.kind and match.category == row.category
    kind_acc, both_acc = kind_ok / len(held), both_ok / len(held)
    print(
        f"\nmatcher held-out accuracy: kind {kind_acc:.1%}, kind+category {both_acc:.1%} "
        f"(n={len(held)}, trained on {len(kept)})"
    )
    assert both_acc >= ACCEPTANCE


def test_training_is_deterministic(rows: list[Row]) -> None:
    kept, held = held_out_split(rows)
    first, second = train(kept), train(kept)
    assert [first.classify(r.text) for r in held] == [second.classify(r.text) for r in held]


# --- behaviour of the default model ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "category"),
    [
        ("厨房水管漏水了", "repair", "plumbing"),
        ("3栋电梯又坏了", "repair", "elevator"),
        ("the hallway light is out", "repair", "electrical"),
        ("楼上天天半夜装修吵死了", "complaint", "noise"),
        ("物业费这么贵什么都不管", "complaint", "fee_value"),
        # phrasings that are not in the labelled set
        ("我家洗碗机坏了", "repair", "appliance"),
        ("小区秋千断了 孩子差点摔下来", "repair", "public_area"),
        ("管家电话一直打不通", "complaint", "missing_service"),
        ("someone stole my bike from the shed", "complaint", "security"),
        ("the kitchen tap is leaking", "repair", "plumbing"),
        # labelling rule R6: a bare outage is a fault to find; an unannounced one is a complaint
        ("停水了", "repair", "plumbing"),
        ("停水也不提前通知", "complaint", "utility_cut"),
    ],
)
def test_problems_get_their_flow_and_category(text: str, kind: str, category: str) -> None:
    match = classify(text)
    assert (match.kind, match.category) == (kind, category), match
    assert match.is_problem and looks_like_problem(text)
    assert 0.5 <= match.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "谢谢师傅",
        "what time is it",
        "缴费怎么交",
        "有什么活动吗",
        "天然气费怎么交",
        "明天停电吗",
        "好的 知道了",
        "",
        "   ",
        "👍",
        "13800138000",
        "asdfghjkl",
    ],
)
def test_chit_chat_starts_no_flow(text: str) -> None:
    match = classify(text)
    assert match == Match("none", None, match.confidence)
    assert not looks_like_problem(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("家里有燃气味", "gas"),
        ("厨房里一股燃气的味道 快来", "gas"),
        ("I smell gas in the kitchen", "gas"),
        ("水管爆了 水漫了一地", "plumbing"),
        ("卫生间漏水严重 楼下都淹了", "plumbing"),
        ("burst pipe, water everywhere", "plumbing"),
        ("插座冒火花了", "electrical"),
        ("电表箱冒烟了", "electrical"),
        ("sparks coming from the outlet", "electrical"),
        ("电梯困人了 快来", "elevator"),
        ("我被关在电梯里了", "elevator"),
        ("someone is trapped in the lift", "elevator"),
    ],
)
def test_emergencies_carry_the_urgent_hint(text: str, category: str) -> None:
    match = classify(text)
    assert urgent_hint(text)
    assert match.urgent_hint
    assert (match.kind, match.category) == ("repair", category), match


@pytest.mark.parametrize(
    "text",
    [
        "电梯又坏了",
        "燃气费怎么交",
        "煤气灶打不着火",
        "水龙头滴水",
        "people smoke in the stairwell",
    ],
)
def test_ordinary_problems_are_not_urgent(text: str) -> None:
    assert not urgent_hint(text)
    assert not classify(text).urgent_hint


@pytest.mark.parametrize(
    "text",
    [
        "厨房水管漏水了",
        "卫生间马桶堵了",
        "楼上漏水到我家卧室",
        "家裡陽台的窗戶關不上",  # traditional characters
        "the tap in my kitchen drips",
        "my bathroom light is out",
        "The kitchen tap has been leaking since this morning",  # a room of a home, bare
        "the shower drain in the bathroom is blocked",
    ],
)
def test_a_room_of_ones_home_puts_the_repair_at_home(text: str) -> None:
    assert at_home(text)


@pytest.mark.parametrize(
    "text",
    [
        "楼道的灯坏了，我家门口黑乎乎的",  # a shared place beside the home: asked
        "屋顶漏水到我家",
        "3栋电梯又坏了",
        "水管漏水了",  # nowhere said
        "the hallway light outside my flat is out",
        "the tap in the clubhouse kitchen is broken",
        "the public toilet by the gym is blocked",
    ],
)
def test_a_shared_or_unnamed_place_is_left_to_ask(text: str) -> None:
    assert not at_home(text)


@pytest.mark.parametrize(
    "text",
    [
        "3栋电梯又坏了",
        "楼下每天晚上跳广场舞太吵了",
        "the hallway light is out",
        "樓道的燈壞了",
    ],
)
def test_a_shared_place_alone_puts_the_problem_in_public(text: str) -> None:
    assert in_shared_place(text)


@pytest.mark.parametrize(
    "text",
    [
        "楼道的灯坏了，我家门口黑乎乎的",
        "厨房水管漏水了",
        "水管漏水了",
        "the tap in my kitchen drips",
    ],
)
def test_a_home_named_or_nothing_named_is_not_public(text: str) -> None:
    assert not in_shared_place(text)


def test_an_emergency_the_model_does_not_know_still_is_one() -> None:
    match = classify("着火了!!")
    assert match.kind == "repair" and match.urgent_hint


def test_addresses_typos_and_traditional_characters_do_not_matter() -> None:
    plain = classify("马桶堵了")
    assert classify("5号楼602室 马通堵了！！") == plain
    assert classify("三单元 马桶堵了") == plain
    assert matcher.normalise("電梯壞了") == matcher.normalise("电梯坏了")
    assert classify("電梯壞了").category == "elevator"


def test_every_character_the_matcher_knows_comes_back_from_traditional() -> None:
    """Written in Taiwan's, Hong Kong's or the standard traditional forms (OpenCC's), each
    character of the labelled phrases and the rules reads as its simplified self."""
    import opencc

    # text.py holds the table itself: its traditional half is not what the matcher knows
    sources = [p for p in Path(ROOT, "services/matcher").glob("*.py") if p.name != "text.py"]
    sources.append(BUNDLED)
    known = set(re.findall(r"[\u4e00-\u9fff]", "".join(p.read_text() for p in sources)))
    converters = [opencc.OpenCC(c).convert for c in ("s2t", "s2tw", "s2hk")]
    ambiguous = {"着"}  # 著 is simplified too (显著): left as it is
    for char in sorted(known - ambiguous):
        for convert in converters:
            traditional = convert(char)
            if len(traditional) == 1 and traditional not in known:
                assert matcher.normalise(traditional) == char, (traditional, char)
    assert classify("地下車庫的燈壞了").category == classify("地下车库的灯坏了").category


def test_long_input_is_classified() -> None:
    text = ("楼上天天半夜装修吵死了，物业也不管。" * 300)[:4000]
    assert len(text) == 4000
    assert classify(text).category == "noise"
    assert classify("x" * 4000).kind == "none"
    assert classify("漏" * 10_000).kind in {"repair", "complaint", "none"}


def test_import_trains_nothing() -> None:
    code = "import services.matcher as m; assert m.default_model.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_bad_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_rows("text,kind,category,lang\n漏水,repair,plumbin,zh\n")
    with pytest.raises(ValueError, match="header"):
        read_rows("text,label\n漏水,repair\n")
    with pytest.raises(ValueError):
        train([])


@pytest.mark.parametrize(
    ("text", "talk"),
    [
        ("你好", "greeting"),
        ("您好，在吗？", "greeting"),
        ("你好呀", "greeting"),
        ("Good morning!", "greeting"),
        ("你好，谢谢", "greeting"),
        ("謝謝", "thanks"),
        ("thank you very much", "thanks"),
        ("谢谢啦", "thanks"),
        ("好的", "ok"),
        ("OK", "ok"),
        ("🙏", "thanks"),
        ("👍👍", "ok"),
        ("🙏👍", "ok"),
        ("?", None),
        ("🔥", None),
        ("你好，我家水管漏了", None),
        ("谢谢，水管还是漏", None),
        ("hi there", None),
        ("", None),
    ],
)
def test_small_talk_is_only_greetings_thanks_or_ok(text: str, talk: str | None) -> None:
    assert small_talk(text) == talk


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("好的", True),
        ("好的好的", True),
        ("是的，麻烦了", True),
        ("yes please", True),
        ("不用了，谢谢", False),
        ("算了吧", False),
        ("no thanks", False),
        ("好的 不用", None),  # both: not an answer
        ("谢谢", None),
        ("水管又漏了", None),
    ],
)
def test_a_typed_yes_or_no(text: str, answer: bool | None) -> None:
    assert yes_or_no(text) is answer


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("家里", ("home", False)),
        ("在我家", ("home", False)),
        ("卫生间", ("home", False)),
        ("公共区域", ("public", False)),
        ("Public area", ("public", False)),
        ("3单元楼道5楼", ("public", True)),
        ("随便", None),
    ],
)
def test_where_typed_to_the_form(text: str, where: tuple[str, bool] | None) -> None:
    assert where_said(text) == where


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("不急", "normal"),
        ("普通", "normal"),
        ("紧急！", "urgent"),
        ("Urgent", "urgent"),
        ("嗯", None),
    ],
)
def test_urgency_typed_to_the_form(text: str, urgency: str | None) -> None:
    assert urgency_said(text) == urgency


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("明天停水吗？", matcher.OUTAGE),
        ("什么时候来水", matcher.OUTAGE),
        ("今天会不会停电", matcher.OUTAGE),
        ("小區有停電通知嗎", matcher.OUTAGE),
        ("Is there a water cut tomorrow?", matcher.OUTAGE),
        ("When will the power be back?", matcher.OUTAGE),
        ("物业费交了吗", matcher.FEES),
        ("我家物业费欠多少", matcher.FEES),
        ("水费怎么交", matcher.FEES),
        ("How much is my property fee?", matcher.FEES),
        ("Have I paid the water bill?", matcher.FEES),
        ("我要交物业费", matcher.FEES),  # wanting to pay asks how
        ("I want to pay my water bill", matcher.FEES),
        ("我的报修怎么样了", matcher.PROGRESS),
        ("投诉有人管吗？", matcher.PROGRESS),
        ("工单进度", matcher.PROGRESS),
        ("How is my repair going?", matcher.PROGRESS),
        ("物业电话是多少", matcher.CONTACT),
        ("我们楼的管家是谁", matcher.CONTACT),
        ("物业几点上班", matcher.CONTACT),
        ("What is the office phone number?", matcher.CONTACT),
        ("How do I contact the office?", matcher.CONTACT),
        # said of a problem, not asked: the matcher's
        ("家里停水了", None),
        ("家里停电了，怎么办", None),
        ("为什么停水不提前通知", None),
        ("物业费这么贵，服务这么差", None),
        ("电梯坏了吗", None),
        ("my water is off", None),
        ("报修", None),  # starts a report
        ("水管漏了，我要报修", None),
        ("管家服务态度很差", None),
        ("I cannot contact anyone, water everywhere", None),
    ],
)
def test_questions_about_cuts_and_fees_are_told_from_problems(
    text: str, topic: str | None
) -> None:
    assert matcher.question_about(text) == topic


def test_the_cut_reported_as_the_answer_suggests_is_a_problem() -> None:
    # questions.outage tells residents to say "家里停水了" / "my water is off": both must work
    for said in ("家里停水了", "my water is off"):
        assert classify(said).is_problem and matcher.question_about(said) is None
