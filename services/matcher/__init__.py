"""Free-text matcher: what a resident typed → which flow (repair or complaint) and category.

A resident who just types their problem ("厨房水管漏水了", "3栋电梯又坏了", "the hallway light is
out", "楼上天天半夜装修吵死了") is offered the matching flow with the category pre-filled;
greetings and unrelated chat ("你好", "缴费怎么交") come back as kind "none" so they never
start a flow. Pure standard library, no I/O at import time: the default model is trained on
first use from `services/data/ticket_phrases.csv` (a copy of the canonical labelled set in
`tests/data/ticket_phrases.csv`; a test keeps the two identical).

    classify("厨房水管漏水了")  # Match(kind='repair', category='plumbing', confidence=…)

How it works
  1. normalise: NFKC, lower case, a few traditional → simplified characters, common pinyin
     typos (电提 → 电梯, 马通 → 马桶), addresses and room numbers dropped (3栋, 5号楼602,
     三单元, "building 3"), punctuation and emoji dropped;
  2. features: character unigrams and bigrams of each CJK run, word unigrams and bigrams of
     each Latin run (light stemming, a few stop words), each counted once per message, plus
     hits in a hand-written domain lexicon ("lex:repair:public_area" for 长椅, 秋千, bench…),
     so an object that no training phrase mentions still finds its category;
  3. softmax (multinomial logistic) regression over the joint label "kind:category" and
     "none", trained by seeded SGD: deterministic, well under a second for the bundled set.
     Measured on this data it beat multinomial Naive Bayes and an averaged perceptron on the
     same features (`python -m bench.matcher --compare`);
  4. hand-written high-precision rules add a fixed amount to a label's log score, in training
     and in use, where a phrase is decisive (燃气味 → repair:gas, 消防通道 → parking,
     "缴费怎么交" → none) or a labelling rule (labels.py) separates two look-alike labels;
  5. kind "none" when the best kind's probability (summed over its categories) is below the
     threshold, or nothing in the message was ever seen in training, so a vague message does
     not start a flow;
  6. `urgent_hint` is set, whatever the category, for a gas smell, a flood or burst pipe,
     sparks/smoke/a burning smell/a live wire, or someone trapped in a lift.

The labels and the rules for labelling data are in services/matcher/labels.py.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Sequence
from importlib import resources

from services.matcher.answers import any_time_said, urgency_said, where_said
from services.matcher.labels import (
    COMPLAINT_CATEGORIES,
    KINDS,
    NONE_LABEL,
    REPAIR_CATEGORIES,
    Match,
    Row,
    label_of,
    split_label,
)
from services.matcher.model import Model, rule_offsets, train
from services.matcher.questions import (
    CONTACT,
    FEES,
    OUTAGE,
    PROGRESS,
    asks_for_work,
    question_about,
)
from services.matcher.rules import in_home, in_public, urgent_category
from services.matcher.small_talk import GREETING, OK, THANKS, small_talk, yes_or_no
from services.matcher.text import features, normalise

DATA_FILE = "ticket_phrases.csv"
CSV_HEADER = ("text", "kind", "category", "lang")


def urgent_hint(text: str) -> bool:
    """Whether the text mentions a gas smell, a flood, sparks/smoke, or someone trapped."""
    return urgent_category(normalise(text)) is not None


def at_home(text: str) -> bool:
    """Whether the words put the problem inside the person's own home (a kitchen, "我家"…)
    and nowhere shared."""
    return in_home(normalise(text))


def in_shared_place(text: str) -> bool:
    """Whether the words put the problem in a shared place (a stairwell, the lift, "小区"…)
    and nothing of the person's own home."""
    return in_public(normalise(text))


def read_rows(source: str | Iterable[str]) -> list[Row]:
    """Parse the labelled CSV (header text,kind,category,lang: CSV text or an open file)."""
    lines = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.reader(lines)
    header = next(reader, None)
    if tuple(header or ()) != CSV_HEADER:
        raise ValueError(f"expected header {','.join(CSV_HEADER)}, got {header!r}")
    rows = []
    for number, record in enumerate(reader, start=2):
        if not record:
            continue
        text, kind, category, lang = record
        row = Row(text, kind, category or None, lang)
        try:
            label_of(row.kind, row.category)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        rows.append(row)
    return rows


def held_out_split(
    rows: Sequence[Row], *, every: int = 5, offset: int = 0
) -> tuple[list[Row], list[Row]]:
    """(train, held out): every `every`-th row of each label, from its `offset`-th, is held out.

    Stratified and deterministic: each label keeps its share in both parts, and the split
    depends only on the order of the rows within their label.
    """
    seen: dict[str, int] = {}
    kept: list[Row] = []
    held: list[Row] = []
    for row in rows:
        position = seen.get(row.label, 0)
        seen[row.label] = position + 1
        (held if position % every == offset else kept).append(row)
    return kept, held


def load_default_rows() -> list[Row]:
    """The bundled training set (services/data/ticket_phrases.csv)."""
    data = resources.files("services").joinpath("data", DATA_FILE)
    return read_rows(data.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def default_model() -> Model:
    """The model trained on the bundled data, built once on first use."""
    return train(load_default_rows())


def classify(text: str) -> Match:
    """Classify a resident's free text with the default model."""
    return default_model().classify(text)


def looks_like_problem(text: str) -> bool:
    """True when the text should be offered a repair or complaint flow."""
    return classify(text).is_problem


__all__ = (
    "COMPLAINT_CATEGORIES",
    "CONTACT",
    "FEES",
    "GREETING",
    "KINDS",
    "NONE_LABEL",
    "OK",
    "OUTAGE",
    "PROGRESS",
    "REPAIR_CATEGORIES",
    "THANKS",
    "Match",
    "Model",
    "Row",
    "any_time_said",
    "asks_for_work",
    "at_home",
    "classify",
    "default_model",
    "features",
    "held_out_split",
    "in_shared_place",
    "label_of",
    "load_default_rows",
    "looks_like_problem",
    "normalise",
    "question_about",
    "read_rows",
    "rule_offsets",
    "small_talk",
    "split_label",
    "train",
    "urgency_said",
    "urgent_hint",
    "where_said",
    "yes_or_no",
)
