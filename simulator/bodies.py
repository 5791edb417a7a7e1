"""The JSON bodies of the control API (`/control`): users, chats, what users send and press,
faults and limits. Validated by pydantic; the actions they drive are in simulator.actions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class UserIn(BaseModel):
    """A user to create."""

    id: int | None = None
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    note: str | None = None
    started: bool = True


class ChatIn(BaseModel):
    """A group or supergroup to create (members may be users created later)."""

    id: int | None = None
    title: str
    type: Literal["group", "supergroup"] = "group"
    is_forum: bool = False
    members: list[int] = Field(default_factory=list)
    note: str | None = None
    bot_status: Literal["administrator", "member", "left", "kicked"] = "administrator"


class PhotoIn(BaseModel):
    """A photo attached to a user message (a placeholder image when no data is given)."""

    data_base64: str | None = None
    width: int | None = None
    height: int | None = None


class DocumentIn(BaseModel):
    """A document attached to a user message."""

    data_base64: str | None = None
    file_name: str = "document.txt"
    mime_type: str | None = None


class VoiceIn(BaseModel):
    """A voice note attached to a user message."""

    data_base64: str | None = None
    duration: int = 2


class ContactIn(BaseModel):
    """A shared contact; omitted fields default to the sender's own."""

    phone_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    user_id: int | None = None


class MessageIn(BaseModel):
    """A message a user sends."""

    user_id: int
    chat_id: int | None = None
    text: str | None = None
    caption: str | None = None
    photo: PhotoIn | None = None
    document: DocumentIn | None = None
    voice: VoiceIn | None = None
    sticker: bool = False
    contact: ContactIn | bool | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    entities: list[dict[str, Any]] | None = None


class CallbackIn(BaseModel):
    """A button press (any data: tests forge it)."""

    user_id: int
    chat_id: int | None = None
    message_id: int | None = None
    data: str | None = None


class BlockIn(BaseModel):
    """Block or unblock the bot."""

    blocked: bool = True


class MigrateIn(BaseModel):
    """Upgrade a group to a supergroup."""

    by_user_id: int | None = None
    new_chat_id: int | None = None


class BotStatusIn(BaseModel):
    """Change the bot's membership in a group (sends my_chat_member)."""

    status: Literal["administrator", "member", "left", "kicked"]
    by_user_id: int | None = None


class FaultIn(BaseModel):
    """A scheduled fault."""

    method: str
    chat_id: int | str | None = None
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    count: int = 1
    description: str | None = None


class ResetIn(BaseModel):
    """Options of a reset."""

    drop_webhook: bool = False


class LimitsIn(BaseModel):
    """A partial change of the rate limits."""

    enabled: bool | None = None
    global_per_second: float | None = None
    global_burst: int | None = None
    paid_per_second: float | None = None
    paid_burst: int | None = None
    private_per_second: float | None = None
    private_burst: int | None = None
    group_per_minute: float | None = None
    group_burst: int | None = None
