"""Parse Telegram's `parse_mode` markups into plain text plus message entities.

Telegram answers 400 "Bad Request: can't parse entities: …" for broken markup; this module
reproduces the common cases (unknown or unbalanced HTML tags, unescaped reserved characters
in MarkdownV2, unclosed entities). Entity offsets and lengths are in UTF-16 code units, as
in the real Bot API.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """Markup that Telegram would refuse; the message is the full error description."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Bad Request: can't parse entities: {detail}")


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (Telegram's unit for entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


_SIMPLE_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


class _TelegramHTML(HTMLParser):
    """An HTMLParser that accepts exactly Telegram's tag set and records entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pos = 0
        self.stack: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []

    def _byte_offset(self) -> int:
        """Approximate offset of the current tag (its column), for error messages."""
        return self.getpos()[1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an entity for a supported tag, or refuse the markup."""
        attributes = dict(attrs)
        entity: Entity
        if tag in _SIMPLE_HTML_TAGS:
            entity = {"type": _SIMPLE_HTML_TAGS[tag]}
        elif tag == "span" and attributes.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "a":
            href = attributes.get("href") or ""
            if href.startswith("tg://user?id="):
                entity = {"type": "text_mention", "user_id": href.removeprefix("tg://user?id=")}
            else:
                entity = {"type": "text_link", "url": href}
        elif tag == "blockquote":
            expandable = "expandable" in attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id") or ""}
        else:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][1]["language"] = language
        entity["offset"] = self.pos
        self.stack.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closing tags (<br/>) do not exist in Telegram's HTML."""
        raise EntityParseError(
            f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
        )

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost entity; its tag must match."""
        if not self.stack:
            raise EntityParseError(
                f'Unexpected end tag "{tag}" at byte offset {self._byte_offset()}'
            )
        open_tag, entity = self.stack.pop()
        if open_tag != tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        entity["length"] = self.pos - entity["offset"]
        if entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Append text, advancing the UTF-16 position."""
        self.parts.append(data)
        self.pos += utf16_len(data)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for HTML `text`, or raise EntityParseError."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
        )
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for MarkdownV2 `text`, or raise EntityParseError."""
    out: list[str] = []
    pos = 0
    entities: list[Entity] = []
    stack: list[Entity] = []
    link_stack: list[int] = []
    i = 0
    n = len(text)
    at_line_start = True
    quote_start: int | None = None

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += utf16_len(chunk)

    def toggle(kind: str, offset: int) -> None:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index]["type"] == kind:
                entity = stack.pop(index)
                entity["length"] = pos - entity["offset"]
                if entity["length"] > 0:
                    entities.append(entity)
                return
        stack.append({"type": kind, "offset": pos, "byte": offset})

    while i < n:
        ch = text[i]
        if at_line_start and ch == ">":
            if quote_start is None:
                quote_start = pos
            at_line_start = False
            i += 1
            continue
        if at_line_start and quote_start is not None and ch != ">":
            # The quote ended on the previous line (which ended with "\n").
            length = pos - 1 - quote_start
            if length > 0:
                entities.append({"type": "blockquote", "offset": quote_start, "length": length})
            quote_start = None
        at_line_start = False
        if ch == "\\":
            if i + 1 < n:
                emit(text[i + 1])
                i += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of Pre entity at byte offset {i}")
            body = text[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            body = body.replace("\\`", "`").replace("\\\\", "\\")
            entity: Entity = {"type": "pre", "offset": pos}
            if language:
                entity["language"] = language
            emit(body)
            entity["length"] = pos - entity["offset"]
            if entity["length"] > 0:
                entities.append(entity)
            i = end + 3
            continue
        if ch == "`":
            end = i + 1
            while end < n and text[end] != "`":
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                raise EntityParseError(f"Can't find end of Code entity at byte offset {i}")
            body = text[i + 1 : end].replace("\\`", "`").replace("\\\\", "\\")
            start = pos
            emit(body)
            if pos > start:
                entities.append({"type": "code", "offset": start, "length": pos - start})
            i = end + 1
            continue
        if text.startswith("||", i):
            toggle("spoiler", i)
            i += 2
            continue
        if text.startswith("__", i):
            toggle("underline", i)
            i += 2
            continue
        if ch in _MDV2_TOGGLES:
            toggle(_MDV2_TOGGLES[ch], i)
            i += 1
            continue
        if ch == "[":
            link_stack.append(pos)
            i += 1
            continue
        if ch == "]" and link_stack:
            start = link_stack.pop()
            if i + 1 >= n or text[i + 1] != "(":
                raise EntityParseError(f"Can't find end of a URL at byte offset {i}")
            end = i + 2
            url_chars: list[str] = []
            while end < n and text[end] != ")":
                if text[end] == "\\" and end + 1 < n:
                    url_chars.append(text[end + 1])
                    end += 2
                else:
                    url_chars.append(text[end])
                    end += 1
            if end >= n:
                raise EntityParseError(f"Can't find end of a URL at byte offset {i}")
            if pos > start:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": start,
                        "length": pos - start,
                        "url": "".join(url_chars),
                    }
                )
            i = end + 1
            continue
        if ch in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        if ch == "\n":
            at_line_start = True
        i += 1
    if quote_start is not None and pos > quote_start:
        entities.append({"type": "blockquote", "offset": quote_start, "length": pos - quote_start})
    if stack:
        kind = stack[-1]["type"].capitalize()
        raise EntityParseError(
            f"Can't find end of {kind} entity at byte offset {stack[-1]['byte']}"
        )
    if link_stack:
        raise EntityParseError("Can't find end of a TextUrl entity")
    for entity in entities:
        entity.pop("byte", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown_legacy(text: str) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for legacy Markdown (*bold*, _italic_, `code`, links)."""
    out: list[str] = []
    pos = 0
    entities: list[Entity] = []
    i = 0
    n = len(text)
    pairs = {"*": "bold", "_": "italic"}
    while i < n:
        ch = text[i]
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {i}")
            body = text[i + 3 : end]
            out.append(body)
            length = utf16_len(body)
            if length:
                entities.append({"type": "pre", "offset": pos, "length": length})
            pos += length
            i = end + 3
            continue
        if ch in pairs or ch == "`":
            end = text.find(ch, i + 1)
            if end < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {i}")
            body = text[i + 1 : end]
            out.append(body)
            length = utf16_len(body)
            if length:
                entities.append({"type": pairs.get(ch, "code"), "offset": pos, "length": length})
            pos += length
            i = end + 1
            continue
        if ch == "[":
            close = text.find("](", i + 1)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                label = text[i + 1 : close]
                out.append(label)
                length = utf16_len(label)
                if length:
                    entities.append(
                        {
                            "type": "text_link",
                            "offset": pos,
                            "length": length,
                            "url": text[close + 2 : end],
                        }
                    )
                pos += length
                i = end + 1
                continue
        if ch == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            ch = text[i + 1]
            i += 1
        out.append(ch)
        pos += utf16_len(ch)
        i += 1
    return "".join(out), entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Dispatch on `parse_mode` (case-insensitive, as Telegram does)."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown_legacy(text)
    raise ValueError(f'Bad Request: unsupported parse_mode "{parse_mode}"')
