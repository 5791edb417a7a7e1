"""Small talk: a greeting, thanks or an "OK" typed on its own, to be answered in kind.

Many residents open a chat with "你好" or "在吗" and close it with "谢谢"; such words are no
problem to report, and "I didn't understand" is the wrong answer to them. Only a message made
wholly of such phrases counts ("你好，我家水管漏了" is a problem, and the matcher's).
"""

from __future__ import annotations

from services.matcher.text import normalise

GREETING, THANKS, OK = "greeting", "thanks", "ok"

# Phrases as normalise() leaves them (lower case, simplified, punctuation gone, words
# separated by one space); "|" separates the phrases.
_PHRASES: dict[str, str] = {
    GREETING: "你好|您好|你们好|大家好|哈喽|嗨|喂|在吗|在不在|有人吗|有人在吗|早|早上好|早安|"
    "上午好|中午好|下午好|晚上好|hi|hello|hey|hallo|morning|good morning|good afternoon|"
    "good evening",
    THANKS: "谢谢|谢谢你|谢谢您|谢谢你们|谢了|多谢|感谢|非常感谢|太感谢了|麻烦了|麻烦你了|辛苦了|"
    "辛苦你们了|thanks|thank you|thank you very much|thanks a lot|many thanks|thx|ty|cheers",
    OK: "好|好的|好滴|行|可以|嗯|嗯嗯|哦|哦哦|ok|okay|收到|知道了|明白了|懂了|没问题|got it|fine|"
    "alright|all right|sure",
}
_KIND_OF: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): kind
    for kind, phrases in _PHRASES.items()
    for phrase in phrases.split("|")
}
_LONGEST_PHRASE = max(map(len, _KIND_OF))  # in words
_PARTICLES = "呀啊吖哦呢啦哈嘛吧喔"  # said after a phrase, changing nothing ("你好呀", "谢谢啦")
_LONGEST_TEXT = 40  # characters: anything longer says more than hello


_EMOJI: dict[str, str] = {"🙏": THANKS, "👍": OK, "👌": OK, "😊": OK, "🙂": OK, "👏": OK}


def small_talk(text: str) -> str | None:
    """GREETING, THANKS or OK when the text is only such phrases (a greeting wins: "你好，
    谢谢" opens a conversation), or only a thumbs-up or folded hands; else None."""
    if len(text) > _LONGEST_TEXT:
        return None
    words = normalise(text).split()
    if not words:  # no words at all: perhaps an emoji that says it
        emoji = {_EMOJI.get(ch) for ch in text.replace("\ufe0f", "") if not ch.isspace()}
        return THANKS if emoji == {THANKS} else OK if emoji and emoji <= {THANKS, OK} else None
    kinds: set[str] = set()
    for phrase in _phrases(words):
        kind = _KIND_OF.get(phrase)
        if kind is None:
            return None  # a word that is not small talk
        kinds.add(kind)
    return next((k for k in (GREETING, THANKS, OK) if k in kinds), None)


def _without_particles(word: str) -> str:
    word = word.rstrip(_PARTICLES) or word
    half = len(word) // 2
    if half > 1 and len(word) % 2 == 0 and word[:half] == word[half:]:
        return word[:half]  # said twice: "好的好的", "谢谢谢谢"
    return word


# A yes or a no typed to a question the bot asked with buttons ("要帮您报给物业吗？" "好的").
_ANSWERS: dict[tuple[str, ...], bool] = {
    tuple(phrase.split()): answer
    for answer, phrases in (
        (
            True,
            "好|好的|好滴|好啊|是|是的|对|对的|对对|可以|行|行的|嗯|嗯嗯|要|需要|报|报吧|帮我报|"
            "yes|yeah|yep|ok|okay|sure|please|yes please",
        ),
        (False, "不|不用|不要|不用了|不要了|不了|算了|没事|没事了|不需要|no|nope|not now"),
    )
    for phrase in phrases.split("|")
}


def yes_or_no(text: str) -> bool | None:
    """True for a plain yes ("好的", "是的，麻烦了", "yes please"), False for a plain no
    ("不用了，谢谢", "no thanks"), None for anything else (a new problem, a question)."""
    if len(text) > _LONGEST_TEXT:
        return None
    answers: set[bool] = set()
    for phrase in _phrases(normalise(text).split()):
        if phrase in _ANSWERS:
            answers.add(_ANSWERS[phrase])
        elif phrase not in _KIND_OF:  # thanks and greetings change nothing; anything else does
            return None
    return answers.pop() if len(answers) == 1 else None


def _phrases(words: list[str]) -> list[tuple[str, ...]]:
    """The words grouped into the longest known phrases, left to right (unknown words alone)."""
    words = [_without_particles(word) for word in words]
    found, start = [], 0
    while start < len(words):
        size = next(
            (
                n
                for n in range(min(_LONGEST_PHRASE, len(words) - start), 0, -1)
                if tuple(words[start : start + n]) in _KIND_OF
                or tuple(words[start : start + n]) in _ANSWERS
            ),
            1,
        )
        found.append(tuple(words[start : start + size]))
        start += size
    return found
