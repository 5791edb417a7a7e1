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
     "缴费怎么交" → none) or a labelling rule below separates two look-alike labels;
  5. kind "none" when the best kind's probability (summed over its categories) is below the
     threshold, or nothing in the message was ever seen in training, so a vague message does
     not start a flow;
  6. `urgent_hint` is set, whatever the category, for a gas smell, a flood or burst pipe,
     sparks/smoke/a burning smell/a live wire, or someone trapped in a lift.

Labelling rules (how `tests/data/ticket_phrases.csv` is labelled; keep new rows consistent)
  R1  repair = something physical is broken, blocked, leaking or needs maintenance work, at
      home or in a shared area. Frustration ("又坏了", "好几天了") does not make it a
      complaint: the remedy is a repair, so the flow is the repair flow.
  R2  The category is the object, not the symptom: 空调漏水 → appliance, 水管漏水 →
      plumbing, 电梯里的灯不亮 → elevator, 洗衣机响 → appliance, 热水器 → appliance (unless
      there is a gas smell → gas). Pipes, drains, toilets, taps and a sewer smell from a drain
      → plumbing, anywhere.
  R3  Shared areas: stairwell lights and sound/motion-activated switches → electrical (the
      technicians' job); pipes → plumbing; lifts → elevator; everything else in a shared area
      (unit door, access control/intercom, handrails, road surface, street lights, manholes,
      benches, playground and fitness equipment, stairwell windows, mailboxes) → public_area;
      trees, lawns, hedges, flower beds, sprinklers, wasp nests in trees → greening.
  R4  Home doors, locks, windows, screens, sliding-door rollers → doors_windows.
  R5  repair:other = heating, walls/plaster/tiles/ceilings, roof and exterior-wall seepage
      from rain, burglar bars, drying racks, floors; and a bare "我要报修"/"I want to report
      a repair" with no object.
  R6  A bare outage report ("停水了", "家里没水了", "家里没电了 邻居有电") is a repair
      (plumbing / electrical): the first step is to find the fault. It is complaint:utility_cut
      only when the resident objects to how cuts happen: no notice (不通知, 不打招呼,
      without notice), repeatedly (又, 老是, 三天两头, every week) or for too long. A question
      about a planned cut ("明天停电吗") is none.
  R7  complaint = a grievance about the property company's service or about other people's
      behaviour. fee_value: the fee (any charge the company levies) is not worth the service,
      is too high or rose. missing_service: staff absent or unresponsive — nobody cleans,
      steward or phone unreachable, a filed repair nobody came for, complaints unanswered.
      environment: the state of the place — garbage, clutter in stairwells, smells, vermin,
      flyers. security: guards, patrols, strangers, thefts, break-ins, CCTV, things thrown
      from windows. noise: renovation, square dancing, neighbours, barking dogs. parking:
      vehicles (cars, e-bikes) where they should not be, occupied spaces, blocked fire lanes.
      pets: stray animals, dog mess, unleashed or biting dogs. other: accounts not published,
      rude staff, illegal construction, owners'-committee matters, a bare "我要投诉".
  R8  When the object is named and broken, R1 wins over "没人管" (花坛没人浇水 → greening);
      when the message is about staff not acting on something already reported, it is
      missing_service ("报修三天了还没人来", "reported a leak a week ago and nobody came").
  R9  none = greetings, thanks, acknowledgements, questions about bills and how to pay
      (billing, not a ticket: "缴费怎么交", "停车费怎么交"), events, volunteering, lost and
      found, gas delivery, account settings, appointment small talk ("师傅你好 我在家等你"),
      and anything unrelated.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

KINDS = ("repair", "complaint", "none")
REPAIR_CATEGORIES = (
    "plumbing",
    "electrical",
    "appliance",
    "doors_windows",
    "gas",
    "elevator",
    "public_area",
    "greening",
    "other",
)
COMPLAINT_CATEGORIES = (
    "fee_value",
    "missing_service",
    "utility_cut",
    "security",
    "environment",
    "noise",
    "parking",
    "pets",
    "other",
)
NONE_LABEL = "none"
DEFAULT_THRESHOLD = 0.5
DEFAULT_EPOCHS = 15
MAX_CHARS = 4000  # longer messages are cut here; the opening says what the problem is
DATA_FILE = "ticket_phrases.csv"
CSV_HEADER = ("text", "kind", "category", "lang")


@dataclass(frozen=True, slots=True)
class Match:
    """The matcher's answer: a flow to offer (or "none") and the category to pre-fill."""

    kind: str  # "repair" | "complaint" | "none"
    category: str | None  # None when kind is "none"
    confidence: float  # P(kind) in 0‥1; for "none", 1 − P(best other kind)
    urgent_hint: bool = False  # gas smell, flood, sparks/smoke, someone trapped in a lift

    @property
    def is_problem(self) -> bool:
        """True when a repair or complaint flow should be offered."""
        return self.kind != NONE_LABEL


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled phrase: kind "repair"/"complaint" with a category, or kind "none"."""

    text: str
    kind: str
    category: str | None = None
    lang: str = ""

    @property
    def label(self) -> str:
        return label_of(self.kind, self.category)


def label_of(kind: str, category: str | None) -> str:
    """The joint label the model predicts: "repair:plumbing", "complaint:noise", "none"."""
    if kind == NONE_LABEL:
        return NONE_LABEL
    allowed = REPAIR_CATEGORIES if kind == "repair" else COMPLAINT_CATEGORIES
    if kind not in KINDS or category not in allowed:
        raise ValueError(f"unknown kind/category {kind!r}/{category!r}")
    return f"{kind}:{category}"


def split_label(label: str) -> tuple[str, str | None]:
    """Inverse of `label_of`."""
    if label == NONE_LABEL:
        return NONE_LABEL, None
    kind, _, category = label.partition(":")
    return kind, category


# --- normalisation ---------------------------------------------------------------------------

# Traditional → simplified for the characters this domain uses (residents with a traditional
# IME, or from Hong Kong/Taiwan). OpenCC does this fully; the matcher stays dependency-free.
_TRAD_PAIRS = (
    "電电燈灯門门樓楼棟栋單单號号層层壞坏氣气爐炉費费車车廁厕盞盏鎖锁簾帘開开關关響响聲声雜杂"
    "亂乱髒脏臟脏貓猫盜盗衛卫監监視视聽听該该麼么這这個个們们來来裡里為为幫帮謝谢請请問问錢钱"
    "貴贵發发現现處处報报讓让過过還还沒没總总線线與与養养鄰邻區区場场廣广給给陽阳臺台體体動动"
    "樹树綠绿鑰钥馬马龍龙頭头熱热調调機机風风燒烧煙烟異异護护欄栏廢废葉叶蟲虫轎轿裝装廚厨間间"
    "櫃柜廳厅臥卧錶表紗纱輪轮壓压淨净濕湿滲渗邏逻務务業业繳缴話话聯联牆墙墻墙磚砖頂顶蒼苍蠅蝇"
    "佔占擋挡繩绳漲涨圍围灣湾燙烫滅灭災灾險险蓋盖壇坛蟻蚁傷伤狀状態态罰罚違违築筑設设備备"
)
_TRAD = str.maketrans(_TRAD_PAIRS[0::2], _TRAD_PAIRS[1::2])

# Pinyin-IME homophone slips that the character features would otherwise miss (none of the
# keys may occur inside a correct word: "然气" would turn 天然气 into 天燃气), and 号楼/幢 → 栋.
_TYPOS = {
    "电提": "电梯",
    "马通": "马桶",
    "马筒": "马桶",
    "空掉": "空调",
    "空条": "空调",
    "下水到": "下水道",
    "物叶": "物业",
    "物页": "物业",
    "师父": "师傅",
    "插坐": "插座",
    "跳匝": "跳闸",
    "燃汽": "燃气",
    "煤汽": "煤气",
    "冰相": "冰箱",
    "热水气": "热水器",
    "洗衣几": "洗衣机",
    "号楼": "栋",
    "幢": "栋",
}
_TYPO_RE = re.compile("|".join(sorted(map(re.escape, _TYPOS), key=len, reverse=True)))

_CN_NUM = "零〇一二两三四五六七八九十百"
# "3栋", "5号楼602", "三单元", "2单元301室", "8楼", "building 3": addresses say where, not what.
_ADDRESS_RE = re.compile(rf"[0-9{_CN_NUM}]+\s*(栋|座|单元|楼|层|室|户|号)")
_EN_ADDRESS_RE = re.compile(
    r"\b(building|bldg|block|unit|flat|apartment|apt|room|floor|no)\.?\s*#?\d+[a-z]?\b"
)
_ORDINAL_RE = re.compile(r"\b\d+(st|nd|rd|th)\b")
_DIGITS_RE = re.compile(r"\d+")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z]+")
_APOSTROPHE_RE = re.compile(r"(?<=[a-z])['’](?=[a-z])|(?<=[a-z])-(?=[a-z])")

_AIRCON_RE = re.compile(r"\bair ?con(ditioners?|ditioning)?\b|\ba/c\b")
_EN_STOP = frozenset(
    "a an the is are was were be been am i my me we our you your it its this that these those "
    "there here of in on at to for from with by and or as so please pls just very really "
    "some any has have had do does did will would can could should ve ll d m s re".split()
)
_EN_SYNONYMS = {
    "lift": "elevator",
    "lifts": "elevator",
    "aircon": "ac",
    "rubbish": "garbage",
    "trash": "garbage",
    "faucet": "tap",
    "flat": "apartment",
    "staircase": "stairwell",
    "stairway": "stairwell",
    "stairs": "stairwell",
    "hallway": "corridor",
    "loo": "toilet",
    "wc": "toilet",
    "carpark": "car park",
}


def normalise(text: str) -> str:
    """Fold the text to what the features see (lower case, simplified, no addresses/digits)."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower().translate(_TRAD)
    text = _TYPO_RE.sub(lambda m: _TYPOS[m.group(0)], text)
    text = _ADDRESS_RE.sub(" ", text)
    text = _EN_ADDRESS_RE.sub(" ", text)
    text = _ORDINAL_RE.sub(" ", text)
    text = _DIGITS_RE.sub(" ", text)
    text = _APOSTROPHE_RE.sub("", text)  # can't → cant, e-bike → ebike
    text = _AIRCON_RE.sub(" ac ", text)
    return " ".join(_RUN_RE.findall(text))


def _stem(word: str) -> str:
    """A crude English stemmer: leaking/leaks/leaked → leak, switches → switch, clogged → clog."""
    word = _EN_SYNONYMS.get(word, word)
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # clogg → clog, dripp → drip
            break
    return word


# Domain lexicon: words that point to a label (or, for "kind:…", to a kind). A hit adds the
# feature "lex:<label>", whose weight the model learns, so an object seen in no training phrase
# (长椅, 秋千, dishwasher) still lands in its category. CJK words match as substrings of the
# normalised text; English words match whole stemmed words.
_LEXICON: dict[str, tuple[str, str]] = {
    "repair:plumbing": (
        "水管 管子 管道 下水 下水道 地漏 马桶 坐便 蹲便 便池 水箱 冲水 冲不 水龙头 龙头 阀门 "
        "总阀 水阀 水表 漏水 渗水 滴水 返水 反水 冒水 堵 疏通 水压 洗手盆 洗菜池 水池 水槽 面盆 "
        "淋浴 花洒 喷头 存水弯 化粪池 污水井 排水 没水 停水 反味 返味 返臭 暗管 接头",
        "pipe leak leaking drip dripping drain clog clogged blocked toilet flush cistern tap "
        "sink shower sewage overflow plumbing",
    ),
    "repair:electrical": (
        "跳闸 电闸 空开 漏保 电表 配电箱 插座 插头 开关 灯泡 灯管 吸顶灯 楼道灯 楼梯灯 声控 "
        "感应灯 照明 线路 电线 短路 没电 停电 火花 不亮 一闪 烧焦 保险丝 漏电",
        "light lights bulb lamp switch socket outlet plug breaker trip tripping fuse wiring wire "
        "power electricity electric flicker flickers sensor",
    ),
    "repair:appliance": (
        "空调 外机 内机 制冷 制热 加氟 冰箱 冰柜 冷柜 冷藏 冷冻 结冰 热水器 洗衣机 甩干 脱水 "
        "油烟机 烟机 微波炉 电视 烤箱 消毒柜 洗碗机 净水器 浴霸 遥控器 故障码 压缩机 电饭锅",
        "ac conditioner conditioning fridge refrigerator freezer heater boiler washer dryer "
        "dishwasher microwave oven hood extractor appliance remote compressor",
    ),
    "repair:doors_windows": (
        "门锁 锁芯 锁坏 把手 拉手 推拉门 滑轮 轨道 脱轨 合页 铰链 门框 防盗门 入户门 房门 卧室门 "
        "卫生间门 厨房门 阳台门 窗户 窗框 窗扇 玻璃 纱窗 纱门 密封条 漏风 门吸 反锁 钥匙 打不开",
        "door doors lock locked key handle hinge window windows glass pane screen mosquito "
        "sliding roller track frame jammed latch",
    ),
    "repair:gas": (
        "燃气 煤气 天然气 液化气 煤气罐 气罐 灶 炉头 点火 打不着 打火 燃气表 气表 漏气 报警器 "
        "熄火",
        "gas stove hob burner ignite ignition cooker cylinder flame",
    ),
    "repair:elevator": (
        "电梯 轿厢 困人 被困 平层 停运 停用 维保 直梯 扶梯",
        "elevator trapped escalator",
    ),
    "repair:public_area": (
        "单元门 楼门 大门 门禁 刷卡 门卡 刷脸 对讲 道闸 路面 坑 井盖 路灯 健身器材 器材 单杠 "
        "双杠 滑梯 秋千 游乐 长椅 座椅 凳子 扶手 栏杆 护栏 台阶 地砖 人行道 信报箱 信箱 围墙 "
        "消防栓 灭火器 雨棚 公共 楼道窗",
        "entrance gate intercom fob reader pothole road pavement sidewalk path streetlight "
        "manhole railing handrail bench playground swing slide equipment mailbox fence steps "
        "communal",
    ),
    "repair:greening": (
        "树 树枝 树木 树叶 大树 枯 草坪 草地 绿化 绿化带 灌木 绿篱 花坛 花草 修剪 剪枝 浇水 打药 "
        "虫 马蜂 蜂窝 补种 种树 落叶 喷灌",
        "tree trees branch branches lawn grass mow mowed hedge hedges bush shrub trim trimming "
        "prune flower garden green wasp nest leaves",
    ),
    "repair:other": (
        "暖气 暖气片 地暖 供暖 不热 墙皮 墙面 脱落 瓷砖 吊顶 防盗网 晾衣架 晾衣杆 外墙 屋顶 漏雨 "
        "地板 起鼓 裂缝 开裂 发霉 报修",
        "radiator heating plaster ceiling tile tiles crack cracked wall floor rack roof mould "
        "mold repair",
    ),
    "complaint:fee_value": (
        "物业费 收费 费用 涨价 涨 贵 不值 质价 价格 收钱 多收 乱收费 交钱 钱",
        "fee fees expensive price pay paying charge charging cost overcharge worth money",
    ),
    "complaint:missing_service": (
        "没人 找不到 打不通 不接 不回 没回复 回复 踢皮球 没下文 不来 没来 推脱 推诿 不作为 "
        "不处理 客服 管家 值班 办公室 打扫 保洁",
        "nobody never answer answers reply replies respond ignored office steward phone closed "
        "came cleaner",
    ),
    "complaint:utility_cut": (
        "停水 停电 断水 断电 不通知 通知 提前 招呼 又停 老是 经常 三天两头 随意 随便 来电 来水",
        "cut cuts outage notice warning shut advance",
    ),
    "complaint:security": (
        "保安 门卫 巡逻 巡查 安保 偷 被偷 盗 被盗 小偷 撬 陌生人 外人 监控 摄像头 登记 不安全 "
        "抛物 治安 岗亭 在岗",
        "guard guards security patrol patrolling stolen stole steal theft thief burglar break "
        "strangers cctv camera cameras unsafe",
    ),
    "complaint:environment": (
        "垃圾 垃圾桶 垃圾站 杂物 堆 脏 脏乱 臭 发臭 臭味 异味 老鼠 蟑螂 苍蝇 小广告 烟头 纸屑 "
        "污水 卫生 清理 清运",
        "garbage bin bins dirty filthy smell stink stinking smelly junk clutter rats mice "
        "cockroach cockroaches flies litter mess",
    ),
    "complaint:noise": (
        "吵 噪音 噪声 太响 装修 电钻 砸墙 电锯 广场舞 音响 喇叭 音乐 唱歌 狗叫 半夜 凌晨 睡不着 "
        "跑跳 麻将 打鼓",
        "noise noisy loud music shout shouting bark barking barks drill drilling renovating "
        "renovation party sleep thump thumping",
    ),
    "complaint:parking": (
        "停车 乱停 车位 占 消防通道 通道 车辆 外来车 僵尸车 电动车 电瓶车 汽车 盲道",
        "park parked parking car cars van vehicle vehicles spot space lane blocking ebike ebikes "
        "bike",
    ),
    "complaint:pets": (
        "狗 犬 猫 宠物 流浪 狗屎 狗粪 狗尿 拴绳 牵绳 遛狗 咬",
        "dog dogs cat cats pet pets stray leash poop poo bite bit",
    ),
    "complaint:other": (
        "投诉 账目 公开 公示 收益 态度 难听 骂人 违建 违章 搭建 业委会 选举 群租",
        "complaint complain rude attitude illegal structure accounts publish committee",
    ),
    "none:greeting": (
        "你好 您好 谢谢 多谢 辛苦 好的 收到 知道了 在吗 在不在 早上好 晚上好 哈哈",
        "hello hi thanks thank morning ok okay bye great",
    ),
    "none:question": (
        "请问 问一下 怎么 如何 哪里 在哪 几点 几号 什么时候 多少 有没有 能不能 可以吗",
        "how where when what who which can",
    ),
    "none:service": (
        "活动 报名 集市 电影 讲座 志愿 缴费 交费 账单 欠费 出账 查一下 绑定 预约 送气 送水 快递 "
        "丢了 捡到 天气 补办 手机号 联系电话 养老 理发 血压 义诊 居委会 取消",
        "event events sign volunteer market movie bill bills owe pay appointment lost found link "
        "account language english cancel registration deliver delivery office weather",
    ),
    "kind:repair": (
        "坏 修 维修 故障 失灵 不能用 不好使 不动 松动 掉了 不亮 不转 不制冷 打不开 关不上 师傅 "
        "快点来 来看看 麻烦",
        "broken broke repair fix fixed working faulty stuck won wont doesnt isnt cant",
    ),
    "kind:complaint": (
        "投诉 不管 没人管 凭什么 太差 受不了 天天 老是 每天 管管 怎么回事 到底 太过分 过分 简直",
        "complain complaint always never every ridiculous unacceptable nobody terrible",
    ),
}
_LEX_CJK = {
    label: re.compile("|".join(sorted(map(re.escape, zh.split()), key=len, reverse=True)))
    for label, (zh, _) in _LEXICON.items()
}
_LEX_EN = {label: frozenset(_stem(w) for w in en.split()) for label, (_, en) in _LEXICON.items()}
_BIAS = "bias"
_MIN_GRADIENT = 1e-4


def features(text: str) -> frozenset[str]:
    """The model's features for a raw message (see `_features`)."""
    return _features(normalise(text))


def _features(norm: str) -> frozenset[str]:
    """CJK character uni/bigrams, Latin word uni/bigrams and lexicon hits, each once."""
    feats: set[str] = set()
    words: list[str] = []
    for run in norm.split():
        if run.isascii():
            words.extend(w for w in _stem(run).split() if w not in _EN_STOP)
            continue
        feats.update(run)
        feats.update(run[i : i + 2] for i in range(len(run) - 1))
    feats.update(f"w:{w}" for w in words)
    feats.update(f"w:{a}_{b}" for a, b in itertools.pairwise(words))
    word_set = set(words)
    hits = {
        label
        for label, pattern in _LEX_CJK.items()
        if pattern.search(norm) or not word_set.isdisjoint(_LEX_EN[label])
    }
    feats.update(f"lex:{label}" for label in hits)
    # "你好 … 水管漏水 … 谢谢": small talk around a problem is still a problem.
    problem = any(label.startswith(("repair:", "complaint:")) for label in hits) or any(
        label != NONE_LABEL and pattern.search(norm) for pattern, label, _ in _RULES
    )
    if problem:
        feats.add("lex:any_problem")
    elif any(label.startswith("none:") for label in hits):
        feats.add("lex:only_none")
    return frozenset(feats)


# --- rules -----------------------------------------------------------------------------------

# (label, added log score, pattern on the normalised text). Decisive phrases only, and the
# labelling rules of the module docstring where the data alone keeps mixing two labels up.
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
_RULES: tuple[tuple[re.Pattern[str], str, float], ...] = tuple(
    (re.compile(pattern), label, weight) for label, weight, pattern in _RULE_TABLE
)

# Hints for the dispatcher, whatever category the model picks: (repair category, pattern).
# The category is used only when the model itself finds no problem in the message.
_URGENT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
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


def _urgent_category(norm: str) -> str | None:
    return next((category for category, pattern in _URGENT if pattern.search(norm)), None)


def urgent_hint(text: str) -> bool:
    """Whether the text mentions a gas smell, a flood, sparks/smoke, or someone trapped."""
    return _urgent_category(normalise(text)) is not None


# --- the model -------------------------------------------------------------------------------


def _rule_offsets(norm: str, labels: Sequence[str]) -> list[float]:
    """The rules' fixed additions to each label's log score."""
    offsets = [0.0] * len(labels)
    for pattern, label, weight in _RULES:
        if label in labels and pattern.search(norm):
            offsets[labels.index(label)] += weight
    return offsets


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """Softmax-regression weights over joint labels, plus the rule offsets and threshold."""

    labels: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]] = field(repr=False)
    threshold: float = DEFAULT_THRESHOLD
    use_rules: bool = True

    def label_scores(self, text: str) -> dict[str, float]:
        """Posterior probability of every joint label (sums to 1)."""
        return self._posterior(normalise(text))

    def classify(self, text: str) -> Match:
        """The flow and category to offer for this message, or kind "none"."""
        norm = normalise(text)
        posterior = self._posterior(norm)
        urgent = _urgent_category(norm)
        by_kind: dict[str, float] = {}
        for label, p in posterior.items():
            kind_of_label = split_label(label)[0]
            by_kind[kind_of_label] = by_kind.get(kind_of_label, 0.0) + p
        kind, p_kind = max(
            ((k, p) for k, p in by_kind.items() if k != NONE_LABEL),
            key=lambda kp: kp[1],
            default=(NONE_LABEL, 0.0),
        )
        if p_kind < self.threshold:
            if urgent is None:
                return Match(NONE_LABEL, None, round(1.0 - p_kind, 4))
            # "着火了!": never let an emergency fall through as small talk.
            return Match("repair", urgent, round(p_kind, 4), urgent_hint=True)
        best = max(
            (label for label in posterior if split_label(label)[0] == kind),
            key=posterior.__getitem__,
        )
        return Match(kind, split_label(best)[1], round(p_kind, 4), urgent is not None)

    def _posterior(self, norm: str) -> dict[str, float]:
        labels = self.labels
        scores = _rule_offsets(norm, labels) if self.use_rules else [0.0] * len(labels)
        evidence = any(scores)
        for feat in _features(norm):
            row = self.weights.get(feat)
            if row is not None:
                evidence = True
                for i, w in enumerate(row):
                    scores[i] += w
        if not evidence:  # nothing we have seen before: not a flow
            return {label: float(label == NONE_LABEL) for label in labels}
        bias = self.weights.get(_BIAS)
        if bias is not None:
            scores = [s + b for s, b in zip(scores, bias, strict=True)]
        return dict(zip(labels, _softmax(scores), strict=True))


def train(
    rows: Iterable[Row],
    *,
    epochs: int = DEFAULT_EPOCHS,
    learning_rate: float = 0.5,
    l2: float = 1e-3,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    use_rules: bool = True,
) -> Model:
    """Fit softmax regression by seeded SGD (deterministic for the same rows and arguments)."""
    rows = list(rows)
    if not rows:
        raise ValueError("no training rows")
    labels = tuple(sorted({row.label for row in rows}))
    n_labels = len(labels)
    index: dict[str, int] = {}
    samples = []
    for row in rows:
        norm = normalise(row.text)
        feats = [*sorted(_features(norm)), _BIAS]
        ids = [index.setdefault(f, len(index)) for f in feats]
        offsets = _rule_offsets(norm, labels) if use_rules else [0.0] * n_labels
        samples.append((ids, offsets, labels.index(row.label)))
    weights = [[0.0] * n_labels for _ in index]
    order = random.Random(seed)
    for epoch in range(epochs):
        order.shuffle(samples)
        rate = learning_rate / (1.0 + 0.1 * epoch)
        for ids, offsets, gold in samples:
            columns = zip(offsets, *(weights[i] for i in ids), strict=True)
            probs = _softmax([sum(column) for column in columns])
            probs[gold] -= 1.0
            # Labels the model already rules out contribute nothing worth the time.
            step = [(j, rate * g) for j, g in enumerate(probs) if abs(g) > _MIN_GRADIENT]
            for i in ids:
                vector = weights[i]
                for j, g in step:
                    vector[j] -= g
        shrink = 1.0 - rate * l2  # L2 regularisation, once per epoch
        weights = [[w * shrink for w in vector] for vector in weights]
    table = {feat: tuple(weights[i]) for feat, i in index.items()}
    return Model(labels, MappingProxyType(table), threshold, use_rules)


# --- data and the default model --------------------------------------------------------------


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
    "KINDS",
    "REPAIR_CATEGORIES",
    "Match",
    "Model",
    "Row",
    "classify",
    "default_model",
    "features",
    "held_out_split",
    "label_of",
    "load_default_rows",
    "looks_like_problem",
    "normalise",
    "read_rows",
    "split_label",
    "train",
    "urgent_hint",
)
