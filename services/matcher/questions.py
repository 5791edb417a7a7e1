"""Questions residents ask that are not problems to report: "明天停水吗?" (is the water being
cut?) and "物业费交了吗?" (have I paid?).

The matcher alone reads them as problems: a water cut, or a complaint that the fee is not
worth the service. Asked as questions they want an answer: the office's announcements about
cuts, or whom to ask about money. A statement stays a problem ("家里停水了", "物业费太贵了").
"""

from __future__ import annotations

import functools
import re

from services.matcher.text import normalise

OUTAGE, FEES = "outage", "fees"

# On normalise()'s text: lower case, simplified, digits and punctuation gone. Not 么: it is in
# 怎么办 and 这么贵, said of a problem.
_OUTAGE = re.compile(
    r"停水|停电|停气|停暖|断水|断电|断气|停止供水|停止供电|停止供气|供暖|来水|来电|"
    r"\b(water|power|gas|electricity|heating) (cut|cuts|outage|outages|off|shutoff)\b|"
    r"\boutages?\b|\b(water|power|electricity|gas|heating)\b.*\b(back|restored|on again)\b"
)
_OUTAGE_ASKED = re.compile(
    r"吗|嘛|什么时候|几点|多久|多长时间|有没有|是不是|会不会|要不要|哪天|几号|啥时候|"
    r"\b(when|what time|how long|is there|are there|will there|will the|is the|any)\b"
)
_FEES = re.compile(
    r"物业费|管理费|水费|电费|燃气费|煤气费|暖气费|供暖费|取暖费|停车费|车位费|缴费|交费|欠费|账单|"
    r"\b(property|management|service|water|electricity|power|gas|heating|parking) "
    r"(fee|fees|bill|bills|charge|charges)\b|\b(bill|bills|arrears)\b"
)
_FEES_ASKED = re.compile(
    r"吗|多少|几个月|没有|了没|没交|怎么交|怎么缴|在哪|哪里|什么时候|啥时候|到期|欠了|"
    r"\b(how much|have i|did i|do i|when|how do|how can|where)\b"
)
_LONGEST = 80  # characters: a longer message tells a story, and the matcher reads it


@functools.lru_cache(maxsize=1024)  # asked of one message by the offer and each question
def question_about(text: str) -> str | None:
    """OUTAGE or FEES when the text asks about a cut or about money; else None."""
    if len(text) > _LONGEST:
        return None
    words = normalise(text)
    if _OUTAGE.search(words) and _OUTAGE_ASKED.search(words):
        return OUTAGE
    if _FEES.search(words) and _FEES_ASKED.search(words):
        return FEES
    return None
