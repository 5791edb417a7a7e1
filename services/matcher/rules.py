"""Hand-written rules: decisive phrases that add a fixed amount to a label's log score (step
4 of "How it works"), and the urgent hints for the dispatcher (step 6). Patterns run on
the normalised text (services.matcher.text.normalise)."""

from __future__ import annotations

import re

from services.matcher.labels import NONE_LABEL

# (label, added log score, pattern on the normalised text). Decisive phrases only, and the
# labelling rules of services.matcher.labels where the data alone keeps mixing two labels up.
_RULE_TABLE: tuple[tuple[str, float, str], ...] = (
    # Objects that name their category outright.
    (
        "repair:gas",
        4.0,
        r"燃气味|煤气味|天然气的?味|燃气灶|煤气灶|燃气表|燃气报警|燃气管|煤气管|漏气|"
        r"\bgas (smell|stove|meter|alarm|leak|hob|cooker|burner|pipe)|smells? (like |of )?gas",
    ),
    (
        "repair:elevator",
        4.0,
        r"困人|被困|关在电梯|困在电梯|卡在电梯|"
        r"(stuck|trapped) in the (elevator|lift)",
    ),
    ("repair:electrical", 2.5, r"跳闸|声控|感应灯|楼道灯|楼梯灯|空开|电闸|\bbreaker|\bfuses?\b"),
    ("repair:doors_windows", 2.5, r"推拉门|滑轮|纱窗|门锁|锁芯|\bsliding door|\bmosquito screen"),
    ("repair:greening", 2.0, r"树枝|草坪|绿化带|灌木|修剪|\bbranch|\blawn|\bhedge"),
    # R2: the object, not the symptom or the place, decides.
    (
        "repair:elevator",
        3.0,
        r"电梯(里|内)的?(灯|风扇|按钮|显示)|(light|fan) in the (elevator|lift)",
    ),
    (
        "repair:appliance",
        2.0,
        r"(空调|冰箱|冰柜|洗衣机|热水器|油烟机).{0,6}(漏水|滴水|渗水|排水|下水)",
    ),
    # R3: shared fixtures are public_area; street lights are not stairwell lights.
    (
        "repair:public_area",
        3.5,
        r"路灯|\bstreet ?lights?|门禁|单元门|楼门|楼道的?窗|健身器材|井盖|"
        r"\bintercom|\bpothole|\bmanhole|\bentrance door|\bstairwell window",
    ),
    # R6: only my home is out → a fault to find, not a cut to complain about.
    (
        "repair:electrical",
        3.0,
        r"(邻居|别人|人家)(家)?(都)?有电|neighbou?rs have (power|electricity)",
    ),
    # Complaints.
    (
        "complaint:fee_value",
        3.0,
        r"物业费.{0,12}(贵|涨|不值|高)|质价不符|不值这个(价|钱)|"
        r"收费.{0,4}(太高|太贵|这么高)|(停车费|收费|物业费).{0,3}又?涨|"
        r"\bfees?\b.{0,40}(nothing|expensive|poor|worse|too high)|too expensive",
    ),
    (
        "complaint:missing_service",
        3.0,
        r"(打|拨).{0,3}不通|没人接|找不到人|踢皮球|没下文|没人处理|"
        r"从来不回|没有回复|不回复?消息|报修.{0,12}(没人|还没|没来)|nobody (answers|has come|came)|"
        r"never (repl|answer|pick)|nothing happened|no one (answers|came)",
    ),
    (
        "complaint:utility_cut",
        3.5,
        r"(停水|停电|断水|断电).{0,12}(不通知|没通知|没有通知|不提前|"
        r"不打招呼|招呼都不打|连个通知|通知都没有)|(不通知|不打招呼|随便|随意|又|老是|经常|动不动就|"
        r"三天两头|说停.就)停(水|电)|without (any )?(notice|warning)|with no warning|"
        r"no one tells|nobody tells|no notices?\b",
    ),
    (
        "complaint:security",
        2.5,
        r"保安|门卫|巡逻|被偷|被盗|偷了|撬|陌生人|高空抛物|翻墙|\bstol(en|e)\b|"
        r"\bguards?\b|patrol|break into|\bbreak ?in\b|burglar|stranger",
    ),
    (
        "complaint:environment",
        2.0,
        r"垃圾桶|垃圾站|杂物|脏乱|臭气|发臭|老鼠|蟑螂|苍蝇|小广告|"
        r"filthy|\bjunk\b|\brats\b",
    ),
    (
        "complaint:noise",
        2.5,
        r"装修|广场舞|电钻|砸墙|打墙|电锯|吵死|吵得|吵到|太吵|renovat|"
        r"square danc|drilling|\bparty\b",
    ),
    # R7: barking is noise, whatever else the dog does.
    ("complaint:noise", 3.5, r"狗.{0,6}叫|犬吠|\bbark"),
    (
        "complaint:parking",
        3.0,
        r"乱停|占.{0,2}车位|车位.{0,4}被占|消防(通道|车道)|僵尸车|停车.{0,3}乱|"
        r"fire lane|parked (in|on|across)|\bparking (in|on|across|e ?bikes)",
    ),
    (
        "complaint:pets",
        3.0,
        r"流浪狗|流浪猫|狗屎|狗粪|狗尿|拴绳|牵绳|狗咬|被.{0,6}狗.{0,2}咬|"
        r"\bstray (dog|cat)|dog (poop|poo|mess)|\bleash",
    ),
    # R9: billing, schedules, deliveries and lost property are not tickets.
    (
        NONE_LABEL,
        4.0,
        r"(怎么|在哪里?|如何|去哪)(缴|交)|交了没有|(费|钱).{0,4}多少|多少钱|交多少|怎么补办|"
        r"\bhow much (is|are|do)|\bwhat do (i|we) owe|(送气|送水)(上门|服务)?|"
        r"(叫|订|送)一?(桶|瓶)|有人捡到|\bhow (do|can) (i|we) pay|\bwhere (do|can) (i|we) pay|"
        r"(明天|后天|今天|这周|下周|什么时候).{0,2}停(水|电)吗|outage planned|"
        r"deliver (a )?gas|has anyone found|\brent a parking",
    ),
)
RULES: tuple[tuple[re.Pattern[str], str, float], ...] = tuple(
    (re.compile(pattern), label, weight) for label, weight, pattern in _RULE_TABLE
)

# Hints for the dispatcher, whatever category the model picks: (repair category, pattern).
# The category is used only when the model itself finds no problem in the message.
URGENT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        (
            "gas",  # a gas smell or leak
            r"(燃气|煤气|天然气|液化气)的?(味|气味|泄漏|泄露)|臭鸡蛋味|漏气|燃气报警|"
            r"\bgas (smell|leak|alarm)|smells? (like |of )?gas|rotten egg",
        ),
        (
            "plumbing",  # a flood or burst pipe
            r"水漫|漫水|漫出|淹了|被淹|漏水严重|严重漏水|水管爆|爆管|管子爆|管道爆|地上全是水|"
            r"满地(都是)?水|\bflood|\bburst|water everywhere",
        ),
        (
            "electrical",  # sparks, smoke, burning, live current
            r"火花|火星|冒烟|烧焦|(?<![不没打点])着火|起火|失火|漏电|触电|麻手|\bspark|\bsmoke\b(?! in)|"
            r"\bburning|(on|caught) fire|electric shock",
        ),
        (
            "elevator",  # someone trapped in a lift
            r"困人|被困|困在|关在电梯|卡在电梯|\btrapped|stuck in the (elevator|lift)|stuck between",
        ),
    )
)


def urgent_category(norm: str) -> str | None:
    return next((category for category, pattern in URGENT if pattern.search(norm)), None)


# Where a problem is, when the words say so: a room of one's own home and no shared place
# beside it ("楼上漏水到我家卫生间" is at home; "屋顶漏水到我家" is asked), or a shared place and
# nothing of the home ("3栋电梯又坏了"). Then the form need not ask "in your home or a public
# area?" (the summary shows it, with a button to change it).
_IN_HOME = re.compile(
    r"我家|家里|家中|屋里|室内|厨房|卫生间|洗手间|厕所|浴室|客厅|卧室|主卧|次卧|书房|阳台|"
    r"\b(my|our) (flat|apartment|home|house|unit|place|room|toilet)\b|\bat home\b|"
    r"\b(kitchen|bathroom|bedroom|living room|balcony|en-?suite|shower)s?\b"
)
_SHARED_PLACE = re.compile(
    r"楼道|走廊|楼梯|电梯|大堂|大厅|车库|停车|花园|绿化|草坪|小区|门口|单元门|大门|门禁|地下室|"
    r"公共|外墙|楼顶|天台|屋顶|广场|垃圾|路灯|健身|"
    r"\b(hallway|corridor|stair|lift|elevator|lobby|garage|parking|garden|gate|basement|roof|"
    r"public|shared|communal|clubhouse|playground|gym)"
)


def in_home(norm: str) -> bool:
    return bool(_IN_HOME.search(norm)) and not _SHARED_PLACE.search(norm)


def in_public(norm: str) -> bool:
    return bool(_SHARED_PLACE.search(norm)) and not _IN_HOME.search(norm)
