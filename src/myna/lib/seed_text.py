"""Made-up people and posts for `myna seed`: usernames, display names and short posts in
Chinese and English with #tags, #话题# topics, mentions and the odd link. Pure: every function
takes the `random.Random` to draw from, so a seed number gives the same graph again."""

import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞鑫宇浩然晨曦雨欣怡佳琪子涵思远梓轩一诺亦凡若汐嘉懿沐辰"  # noqa: E501
FIRST_NAMES = (
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
    "Yara", "Zoe", "Liam", "Emma", "Noah", "Ava", "Mia", "Lucas", "Chloe", "Ethan", "Nora",
    "Leo", "Ruby", "Hugo", "Iris", "Felix", "Maya", "Oscar", "Lena", "Theo", "Ada"
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Green", "Hall", "Wood", "Clarke", "Hughes", "Lewis", "Baker", "King", "Moore",
    "Turner", "Parker", "Cooper", "Ward", "Morris", "Price", "Bell", "Bailey", "Reed"
)  # fmt: skip
SYLLABLES = (
    "xiao", "ming", "hong", "li", "wei", "fang", "jun", "jie", "yu", "hao", "chen", "lin",
    "yun", "shan", "hai", "tian", "feng", "long", "mei", "lan", "qing", "an", "bo", "cheng",
    "dong", "fei", "gang", "hua", "kai", "lei", "ning", "ping", "rui", "song", "ting", "xin",
    "yang", "zhi"
)  # fmt: skip

ZH_SENTENCES = (
    "今天的咖啡特别香。",
    "下班路上看到了超美的晚霞。",
    "周末想去爬山，有人一起吗？",
    "终于把这本书读完了，后劲很大。",
    "地铁上人太多了，挤得喘不过气。",
    "新开的面馆味道不错，推荐牛肉面。",
    "加班到现在，饿了。",
    "猫又把我的键盘当床了。",
    "这场雨下得真及时，空气都清新了。",
    "刚看完发布会，感觉这次诚意满满。",
    "今天跑了五公里，腿已经不是我的了。",
    "有没有好看的电视剧推荐？",
    "早起的第一缕阳光，心情很好。",
    "代码终于跑通了，感动。",
    "和老朋友吃了顿火锅，聊到半夜。",
    "排队两小时，只为这一口奶茶。",
    "明天就要考试了，祝我好运。",
    "楼下的桂花开了，整条街都是香的。",
    "今天学会了一道新菜：番茄炒蛋。",
    "这个城市的秋天真的很短。",
    "又是被闹钟叫醒的一天。",
    "新买的相机到了，周末出去拍照。",
    "看球的朋友们，今晚谁赢？",
    "感谢大家的转发和评论！",
    "这篇文章写得太好了，值得一读。",
    "图书馆的自习室今天居然有空位。",
    "高铁上写完了周报，效率真高。",
    "给阳台的花浇了水，长得很好。",
    "小区门口的早餐摊又涨价了。",
    "说走就走的旅行，出发！",
)
EN_SENTENCES = (
    "Coffee first, then everything else.",
    "Shipped the release tonight, time to sleep.",
    "The sunset on the way home was unreal.",
    "Anyone up for a hike this weekend?",
    "Finally finished that book. Still thinking about it.",
    "The new noodle place downstairs is great.",
    "My cat has claimed the keyboard again.",
    "Rain at last, the whole city smells fresh.",
    "Ran 5k this morning, legs are jelly.",
    "Any good series to watch? Send recommendations.",
    "Tests are green, merging now.",
    "Hot pot with old friends until midnight.",
    "Two hours in line for bubble tea. Worth it.",
    "Exam tomorrow, wish me luck.",
    "Learned a new recipe today: tomato and egg.",
    "Autumn here lasts about a week.",
    "Thanks everyone for the boosts and replies!",
    "This article is worth your time.",
    "Wrote my weekly report on the train.",
    "Spontaneous trip, leaving now!",
    "Reading the docs before asking, as one does.",
    "Fixed a bug that was older than my houseplants.",
    "The library had free seats today, a miracle.",
    "New camera arrived, photo walk on Saturday.",
)
REPLIES_ZH = (
    "同意！",
    "哈哈哈哈",
    "说得太对了。",
    "求链接！",
    "我也是这么想的。",
    "加油！",
    "羡慕了",
)
REPLIES_EN = ("Agreed!", "Ha, same here.", "So true.", "Link please?", "Good luck!", "Love this.")
TAGS = (
    "python", "coffee", "running", "photography", "books", "travel", "cats", "music", "cooking",
    "movies", "gaming", "football", "weekend", "work", "study", "design", "opensource", "linux",
    "rust", "art", "nature", "food", "science", "history", "tech", "startup", "mastodon",
    "myna", "sunrise", "rain", "autumn"
)  # fmt: skip
TOPICS = (
    "今日天气",
    "周末去哪儿",
    "打工人日常",
    "读书打卡",
    "美食分享",
    "跑步打卡",
    "我的猫",
    "旅行日记",
    "考研加油",
    "新歌推荐",
    "春节回家",
    "科技新闻",
    "世界杯",
    "摄影",
    "电影推荐",
    "程序员日常",
)


def username(index: int, salt: int = 0) -> str:
    """The `index`-th account's username: unique by `index` (its base-36 digits end the name),
    the same for the same (index, salt), at most 30 characters."""
    mixed = ((index + 1) * 2654435761 + salt * 40503) & 0xFFFFFFFF
    if mixed & 1:
        base = SYLLABLES[(mixed >> 1) % len(SYLLABLES)] + SYLLABLES[(mixed >> 9) % len(SYLLABLES)]
    else:
        base = FIRST_NAMES[(mixed >> 1) % len(FIRST_NAMES)].lower()
    return f"{base}_{_base36(index)}"


def display_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        return rng.choice(SURNAMES) + given
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def zipf_choice(items: tuple[str, ...] | list[str], rng: random.Random) -> str:
    """Earlier items are more popular (weight 1/rank): a few tags are hot, most are not."""
    weights = _ZIPF_CACHE.get(len(items))
    if weights is None:
        weights = _ZIPF_CACHE[len(items)] = [1 / (rank + 1) for rank in range(len(items))]
    return rng.choices(items, weights=weights)[0]


_ZIPF_CACHE: dict[int, list[float]] = {}


def post(rng: random.Random, mention: str | None = None) -> tuple[str, str]:
    """(text, language) of an original post, short enough for Weibo's 140 units."""
    chinese = rng.random() < 0.6
    bank = ZH_SENTENCES if chinese else EN_SENTENCES
    joiner = "" if chinese else " "
    parts = [rng.choice(bank) for _ in range(rng.choice((1, 1, 2)))]
    roll = rng.random()
    if roll < 0.2:  # a Weibo topic opens the post
        parts.insert(0, f"#{zipf_choice(TOPICS, rng)}#")
    elif roll < 0.4:  # a hashtag closes it
        parts.append(f"#{zipf_choice(TAGS, rng)}")
        joiner = " "
    elif roll < 0.45:  # both kinds, in the other language's place
        parts.insert(0, f"#{zipf_choice(TOPICS, rng)}#")
        parts.append(f"#{zipf_choice(TAGS, rng)}")
        joiner = " "
    if mention is not None:
        parts.insert(len(parts) // 2 + 1, f"@{mention}")
        joiner = " "
    if rng.random() < 0.05:
        parts.append(f"https://example.com/{_base36(rng.randrange(36**6))}")
        joiner = " "
    return joiner.join(parts), "zh" if chinese else "en"


def reply(rng: random.Random, to: str | None) -> tuple[str, str]:
    """(text, language) of a reply; `to` is the username replied to (None: one's own thread)."""
    chinese = rng.random() < 0.6
    text = rng.choice(REPLIES_ZH if chinese else REPLIES_EN)
    if rng.random() < 0.3:
        text += " " + rng.choice(ZH_SENTENCES if chinese else EN_SENTENCES)
    if to is not None:
        text = f"@{to} {text}"
    return text, "zh" if chinese else "en"


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out
