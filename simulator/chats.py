"""The simulated Telegram's people and places: users, chats (with their messages, kept as a
list plus an index by id, so no request scans all messages), forum topics and files."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from simulator.notify import Notifier


@dataclass
class SimUser:
    """A Telegram user who may talk to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    note: str | None = None
    started: bool = True
    blocked: bool = False

    def public(self) -> dict[str, Any]:
        """Return the control API's view of the user."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "phone_number": self.phone_number,
            "note": self.note,
            "started": self.started,
            "blocked": self.blocked,
        }


@dataclass
class SimTopic:
    """A forum topic of a supergroup."""

    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False


@dataclass
class SimFile:
    """A stored file; the bytes stay in memory."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None

    @property
    def size(self) -> int:
        """File size in bytes."""
        return len(self.data)


@dataclass
class SimMessage:
    """A message in a chat, sent by the bot or by a user (or a service message)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    photo: list[SimFile] | None = None
    document: SimFile | None = None
    voice: SimFile | None = None
    sticker: SimFile | None = None
    contact: dict[str, Any] | None = None
    media_group_id: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    is_topic_message: bool = False
    protect_content: bool = False
    disable_notification: bool = False
    parse_mode: str | None = None
    edited: bool = False
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    pinned: bool = False
    service: dict[str, Any] | None = None
    forward_from_user_id: int | None = None

    def content_key(self) -> tuple[Any, ...]:
        """What an edit must change (text or caption, entities and inline markup)."""
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)


@dataclass
class SimChat:
    """A chat: private (id == user id), group or supergroup (optionally a forum)."""

    id: int
    type: str
    title: str | None = None
    user_id: int | None = None
    is_forum: bool = False
    members: list[int] = field(default_factory=list)
    note: str | None = None
    bot_status: str = "administrator"
    migrated_to: int | None = None
    migrated_from: int | None = None
    messages: list[SimMessage] = field(default_factory=list)
    by_id: dict[int, SimMessage] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0
    bot_message_count: int = 0
    topics: dict[int, SimTopic] = field(default_factory=dict)
    chat_instance: str = field(default_factory=lambda: str(secrets.randbits(62)))
    last_action: str | None = None
    notifier: Notifier = field(default_factory=Notifier)

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups."""
        return self.type in ("group", "supergroup")

    def public(self, users: dict[int, SimUser] | None = None) -> dict[str, Any]:
        """Return the control API's view of the chat."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "is_forum": self.is_forum,
            "note": self.note,
            "members": list(self.members),
            "bot_status": self.bot_status,
            "migrated_to": self.migrated_to,
            "migrated_from": self.migrated_from,
            "version": self.version,
            "topics": [
                {"message_thread_id": t.message_thread_id, "name": t.name, "closed": t.closed}
                for t in self.topics.values()
            ],
        }
        if users is not None:
            data["member_users"] = [users[m].public() for m in self.members if m in users]
        return data

    def changed(self) -> None:
        """Bump the version and wake waiters."""
        self.version += 1
        self.notifier.notify()

    def add(self, message: SimMessage) -> SimMessage:
        """Append a message (its id must come from `allocate_id`)."""
        self.messages.append(message)
        self.by_id[message.message_id] = message
        if message.from_bot and message.service is None:
            self.bot_message_count += 1
        self.changed()
        return message

    def allocate_id(self) -> int:
        """Return the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def messages_after(self, after_id: int) -> Iterator[SimMessage]:
        """Messages with an id above `after_id`, oldest first (binary search, no full scan)."""
        lo, hi = 0, len(self.messages)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.messages[mid].message_id <= after_id:
                lo = mid + 1
            else:
                hi = mid
        return iter(self.messages[lo:])
