"""What the model sees of a message: the normalised text (see the package's "How it
works", steps 1–2), its features, and the domain lexicon behind the "lex:" features."""

from __future__ import annotations

import itertools
import re
import unicodedata

from services.matcher.labels import NONE_LABEL
from services.matcher.rules import RULES

MAX_CHARS = 4000  # longer messages are cut here; the opening says what the problem is


# Traditional → simplified for the characters this domain uses (residents with a traditional
# IME, or from Hong Kong/Taiwan). OpenCC does this fully; the matcher stays dependency-free,
# and tests/test_matcher.py checks with OpenCC that every character of its phrases and rules
# comes back from its Taiwan, Hong Kong and standard traditional forms.
_TRAD_PAIRS = (
    "電电燈灯門门樓楼棟栋單单號号層层壞坏氣气爐炉費费車车廁厕盞盏鎖锁簾帘開开關关響响聲声雜杂"
    "亂乱髒脏臟脏貓猫盜盗衛卫監监視视聽听該该麼么這这個个們们來来裡里為为幫帮謝谢請请問问錢钱"
    "貴贵發发現现處处報报讓让過过還还沒没總总線线與与養养鄰邻區区場场廣广給给陽阳臺台體体動动"
    "樹树綠绿鑰钥馬马龍龙頭头熱热調调機机風风燒烧煙烟異异護护欄栏廢废葉叶蟲虫轎轿裝装廚厨間间"
    "櫃柜廳厅臥卧錶表紗纱輪轮壓压淨净濕湿滲渗邏逻務务業业繳缴話话聯联牆墙墻墙磚砖頂顶蒼苍蠅蝇"
    "佔占擋挡繩绳漲涨圍围灣湾燙烫滅灭災灾險险蓋盖壇坛蟻蚁傷伤狀状態态罰罚違违築筑設设備备"
    "東东絲丝丟丢兩两嚴严爲为舉举義义樂乐習习書书從从價价會会餘余兒儿內内衝冲況况凍冻準准涼凉幾几憑凭劃划剛刚別别辦办醫医賣卖厲厉廂厢參参雙双變变喫吃後后嚇吓嗎吗員员諮咨譁哗喚唤噴喷嘍喽園园塊块復复"
    "夾夹媽妈孫孙實实寵宠對对將将屍尸歲岁崗岗師师帶带幹干庫库應应彎弯歸归當当徵征惡恶願愿戶户掃扫拋抛擰拧撥拨掛挂撿捡換换攝摄搖摇斷断舊旧時时顯显曬晒槓杠條条標标樣样橫横潔洁灑洒澆浇溫温遊游溼湿滿满"
    "靈灵竈灶點点煩烦燻熏牽牵瘋疯碼码禮礼禿秃種种穩稳窩窝簡简籬篱類类糞粪緊紧紅红約约紙纸細细絆绊經经綁绑結结維维縫缝縮缩網网羣群翹翘腳脚脫脱臉脸藝艺藥药藍蓝虛虚補补見见覺觉觸触訂订記记講讲詐诈訴诉"
    "診诊詢询誤误說说諉诿誰谁負负責责賬账質质貼贴趕赶軌轨轉转輛辆邊边運运進进遠远連连選选遞递遙遥裏里鈕钮鑽钻鈴铃鋁铝鉸铰鋪铺鏈链銷销鍋锅鏽锈錯错鋸锯長长閃闪閉闭悶闷閘闸聞闻閥阀階阶隨随難难黴霉頁页"
    "預预題题額额飛飞飯饭餿馊罵骂騙骗雞鸡鵡鹉鸚鹦汙污洩泄衞卫説说搶抢"
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


def features(text: str) -> frozenset[str]:
    """The model's features for a raw message (see `features_of_normalised`)."""
    return features_of_normalised(normalise(text))


def features_of_normalised(norm: str) -> frozenset[str]:
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
        label != NONE_LABEL and pattern.search(norm) for pattern, label, _ in RULES
    )
    if problem:
        feats.add("lex:any_problem")
    elif any(label.startswith("none:") for label in hits):
        feats.add("lex:only_none")
    return frozenset(feats)
