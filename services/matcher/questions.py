"""Questions residents ask that are not problems to report: "明天停水吗?" (is the water being
cut?), "物业费交了吗?" / "我要交物业费" (have I paid? I want to pay), "我的报修怎么样了?" (how
is my report going?) and "物业电话是多少?" (whom do I call?).

The matcher alone reads them as problems: a water cut, a complaint that the fee is not worth
the service, a new repair. Asked as questions they want an answer: the office's announcements
about cuts, whom to ask about money, the home's tickets, the steward and the office's phone.
A statement stays a problem ("家里停水了", "物业费太贵了", "水管漏了").
"""

from __future__ import annotations

import functools
import re

from services.matcher.text import normalise

OUTAGE, FEES, PROGRESS, CONTACT = "outage", "fees", "progress", "contact"

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
    r"要交|想交|要缴|想缴|交一下|缴一下|去交|"  # wanting to pay asks how: the same answer
    r"\b(how much|have i|did i|do i|when|how do|how can|where|pay|paying)\b"
)
# How a report is going: a word for the report and one for its progress, both needed ("报修"
# alone starts one; "怎么样了" alone is small talk or anything).
_REPORT = re.compile(
    r"报修|投诉|工单|单子|维修|\b(repair|repairs|complaint|complaints|ticket|tickets|report)\b"
)
_PROGRESS_ASKED = re.compile(
    r"进度|进展|怎么样了|咋样了|处理了吗|处理了没|处理得怎么样|到哪一步|到哪了|什么状态|"
    r"有没有人管|有人管吗|有结果|有回复|修好了吗|"
    r"\b(status|progress|update|updates|how is|how's|what happened|any news)\b"
)
# Whom to call: the office's phone, the steward, the office's hours.
_CONTACT = re.compile(
    r"(物业|管家|客服|服务中心|物业处|办公室|前台)\S{0,4}(电话|号码|手机|联系方式|是谁|叫什么|在哪|"
    r"几点上班|上班时间|办公时间|几点下班)|怎么联系(物业|管家)?|联系不上物业|"
    r"\b(office|property|management|steward|stewards) ?s? (phone|number|hotline|hours)\b|"
    r"\b(hotline|office hours|opening hours|who is my steward)\b|"
    r"\bcontact (the |my )?(office|property|management|steward)\b|\bhow (do|can) i contact\b"
)
_LONGEST = 80  # characters: a longer message tells a story, and the matcher reads it


@functools.lru_cache(maxsize=1024)  # asked of one message by the offer and each question
def question_about(text: str) -> str | None:
    """OUTAGE, FEES, PROGRESS or CONTACT when the text asks about a cut, about money, about
    how a report is going or whom to call; else None."""
    if len(text) > _LONGEST:
        return None
    words = normalise(text)
    if _OUTAGE.search(words) and _OUTAGE_ASKED.search(words):
        return OUTAGE
    if _FEES.search(words) and _FEES_ASKED.search(words):
        return FEES
    if _REPORT.search(words) and _PROGRESS_ASKED.search(words):
        return PROGRESS
    if _CONTACT.search(words):
        return CONTACT
    return None


# Staff asking for their work in their own words ("有新工单吗", "我的任务", "any new jobs?"):
# /queue answers. Not "报修" or "投诉" alone, which a member of staff who lives here says of a
# problem at home.
_WORK = re.compile(
    r"工单|任务|单子|活儿|派单|待办|待处理|新单|抢单|接单|有报修|新报修|新的报修|有投诉|新投诉|新的投诉|"
    r"\b(queue|tickets|jobs|tasks|work orders|open tickets)\b"
)


def asks_for_work(text: str) -> bool:
    """Whether a member of staff's words ask what work there is (see _WORK)."""
    return len(text) <= _LONGEST and bool(_WORK.search(normalise(text)))
