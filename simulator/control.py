"""The control API under `/control`: what users do in Telegram, and what tests inspect.

Tests and the chat page create users and groups, send messages and press buttons as those
users (each becomes an update for the bot), inspect what the bot sent, wait for it, block the
bot, migrate groups, schedule faults and read statistics. All bodies and answers are JSON.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from typing import Annotated, Any, Literal

import telegram
from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from simulator import tgtypes
from simulator.formatting import utf16_len
from simulator.limits import Limits
from simulator.media import guess_mime, image_size, placeholder_png
from simulator.state import (
    CallbackRecord,
    SimChat,
    SimFile,
    SimMessage,
    SimState,
    SimUser,
)

UPDATE_KINDS = frozenset(str(kind) for kind in telegram.Update.ALL_TYPES)


# --- request bodies -------------------------------------------------------------------------


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


# --- plain views -------------------------------------------------------------------------------


def _file_view(file: SimFile | None) -> dict[str, Any] | None:
    """A file as the control API shows it."""
    if file is None:
        return None
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_name": file.file_name,
        "mime_type": file.mime_type,
        "file_size": file.size,
        "width": file.width,
        "height": file.height,
    }


def plain_message(state: SimState, message: SimMessage) -> dict[str, Any]:
    """A stored message as a plain dict for tests and the chat page."""
    sender = state.users.get(message.sender_id)
    if message.from_bot:
        from_name = state.bot_first_name
    elif sender is not None:
        from_name = " ".join(filter(None, [sender.first_name, sender.last_name]))
    else:
        from_name = str(message.sender_id)
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "from_bot": message.from_bot,
        "from_user_id": message.sender_id,
        "from_name": from_name,
        "date": message.date,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "photo": [_file_view(size) for size in message.photo] if message.photo else None,
        "document": _file_view(message.document),
        "voice": _file_view(message.voice),
        "sticker": _file_view(message.sticker),
        "contact": message.contact,
        "media_group_id": message.media_group_id,
        "reply_markup": message.reply_markup,
        "reply_to_message_id": message.reply_to_message_id,
        "message_thread_id": message.message_thread_id,
        "edited": message.edited,
        "edit_date": message.edit_date,
        "edit_history": message.history,
        "deleted": message.deleted,
        "pinned": message.pinned,
        "protect_content": message.protect_content,
        "disable_notification": message.disable_notification,
        "service": message.service,
        "forwarded_from_user_id": message.forward_from_user_id,
    }


# --- user-side actions (also usable without HTTP) ------------------------------------------------


def create_user(state: SimState, body: UserIn) -> SimUser:
    """Create a user and its private chat."""
    user_id = body.id if body.id is not None else state.new_user_id()
    if user_id <= 0:
        raise HTTPException(400, "user ids are positive")
    if user_id in state.chats and state.chats[user_id].type != "private":
        raise HTTPException(409, f"id {user_id} is a group")
    user = SimUser(
        id=user_id,
        first_name=body.first_name,
        last_name=body.last_name,
        username=body.username,
        language_code=body.language_code,
        phone_number=body.phone_number,
        note=body.note,
        started=body.started,
    )
    state.add_user(user)
    return user


def create_chat(state: SimState, body: ChatIn) -> SimChat:
    """Create a group or supergroup."""
    chat_id = body.id if body.id is not None else state.new_chat_id(body.type)
    if chat_id >= 0:
        raise HTTPException(400, "group ids are negative")
    if chat_id in state.chats:
        raise HTTPException(409, f"chat {chat_id} exists")
    chat = SimChat(
        id=chat_id,
        type=body.type,
        title=body.title,
        is_forum=body.is_forum and body.type == "supergroup",
        members=list(dict.fromkeys(body.members)),
        note=body.note,
        bot_status=body.bot_status,
    )
    return state.add_chat(chat)


def _decode(data: str | None) -> bytes | None:
    """Bytes from base64 (a data: URL prefix is accepted)."""
    if data is None:
        return None
    if data.startswith("data:") and "," in data:
        data = data.split(",", 1)[1]
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "data_base64 is not valid base64") from None


def bot_sees(state: SimState, chat: SimChat, message: SimMessage) -> bool:
    """Whether the bot receives a user's group message (privacy mode for non-admin bots)."""
    if chat.type == "private":
        return True
    if chat.bot_status in ("left", "kicked"):
        return False
    if chat.bot_status == "administrator" or not state.privacy_mode or message.service:
        return True
    text = message.text or message.caption or ""
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        if "@" in command:
            return command.split("@", 1)[1].lower() == state.bot_username.lower()
        return True
    if f"@{state.bot_username}".lower() in text.lower():
        return True
    replied = chat.by_id.get(message.reply_to_message_id or 0)
    return replied is not None and replied.from_bot


def _deliver_message(
    state: SimState, chat: SimChat, message: SimMessage
) -> tuple[int | None, dict[str, Any]]:
    """Store a user message and queue its update when the bot can see it."""
    chat.add(message)
    payload = tgtypes.message_dict(state, message)
    update_id = None
    if bot_sees(state, chat, message):
        update_id = state.enqueue_update("message", payload, chat.id)
    return update_id, payload


def _bot_status_update(
    state: SimState, chat: SimChat, by: SimUser, old: str, new: str
) -> int | None:
    """Queue a my_chat_member update for a change of the bot's status."""
    payload = tgtypes.my_chat_member(state, chat, by, old, new, int(time.time()))
    return state.enqueue_update("my_chat_member", payload, chat.id)


def set_blocked(state: SimState, user: SimUser, blocked: bool) -> int | None:
    """Block or unblock the bot as `user`; Telegram then sends my_chat_member."""
    if user.blocked == blocked:
        return None
    user.blocked = blocked
    chat = state.chats[user.id]
    chat.changed()
    if not user.started and not blocked:
        user.started = True
        return None
    if blocked and not user.started:
        return None
    user.started = True
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    return _bot_status_update(state, chat, user, old, new)


def _topic_of(chat: SimChat, body: MessageIn) -> tuple[int | None, int | None]:
    """(thread, message replied to) of a user message, as Telegram sets them in a forum: a
    reply is in the topic of what it answers, and a message in a topic that answers nothing
    in particular is a reply to the topic's first (service) message."""
    reply_to, thread_id = body.reply_to_message_id, body.message_thread_id
    if not chat.is_forum:
        return None, reply_to
    replied = chat.by_id.get(reply_to) if reply_to is not None else None
    if thread_id is None and replied is not None and replied.is_topic_message:
        thread_id = replied.message_thread_id
    if thread_id is not None and thread_id not in chat.topics:
        raise HTTPException(400, f"no topic {thread_id} in chat {chat.id}")
    return thread_id, reply_to if reply_to is not None else thread_id


def user_message(state: SimState, body: MessageIn) -> dict[str, Any]:
    """Send a message as a user; returns {update_id, message_id, message}."""
    user = state.users.get(body.user_id)
    if user is None:
        raise HTTPException(404, f"unknown user {body.user_id}")
    chat_id = body.chat_id if body.chat_id is not None else user.id
    chat = state.chats.get(chat_id)
    if chat is None:
        raise HTTPException(404, f"unknown chat {chat_id}")
    if chat.type == "private" and chat.id != user.id:
        raise HTTPException(400, "a private chat belongs to its own user")
    if chat.migrated_to is not None:
        raise HTTPException(
            409, {"error": "chat migrated", "migrate_to_chat_id": chat.migrated_to}
        )
    if chat.is_group and user.id not in chat.members:
        chat.members.append(user.id)
    unblock_update = None
    if chat.type == "private":
        if user.blocked:
            unblock_update = set_blocked(state, user, False)
        user.started = True
    thread_id, reply_to = _topic_of(chat, body)
    message = SimMessage(
        message_id=chat.allocate_id(),
        chat_id=chat.id,
        from_bot=False,
        sender_id=user.id,
        date=int(time.time()),
        reply_to_message_id=reply_to,
        message_thread_id=thread_id,
        is_topic_message=thread_id is not None,
    )
    caption = body.caption if body.caption is not None else None
    if body.photo is not None:
        data = _decode(body.photo.data_base64)
        if data is None:
            data = placeholder_png(body.photo.width or 320, body.photo.height or 240, user.id)
        size = image_size(data) or (body.photo.width or 320, body.photo.height or 240)
        full = state.store_file(
            data, "photo", mime_type=guess_mime(None, data), width=size[0], height=size[1]
        )
        scale = min(1.0, 90 / max(size[0], size[1], 1))
        thumb = state.store_file(
            data,
            "photo",
            mime_type=full.mime_type,
            width=max(1, round(size[0] * scale)),
            height=max(1, round(size[1] * scale)),
        )
        message.photo = [thumb, full]
        caption = caption if caption is not None else body.text
    elif body.document is not None:
        data = _decode(body.document.data_base64) or b"simulated document\n"
        message.document = state.store_file(
            data,
            "document",
            mime_type=body.document.mime_type or guess_mime(body.document.file_name, data),
            file_name=body.document.file_name,
        )
        caption = caption if caption is not None else body.text
    elif body.voice is not None:
        data = _decode(body.voice.data_base64) or b"OggS\x00simulated voice"
        message.voice = state.store_file(
            data, "voice", mime_type="audio/ogg", duration=body.voice.duration
        )
    elif body.sticker:
        message.sticker = state.store_file(
            placeholder_png(128, 128, 3),
            "sticker",
            mime_type="image/webp",
            width=512,
            height=512,
        )
    elif body.contact is not None and body.contact is not False:
        contact = body.contact if isinstance(body.contact, ContactIn) else ContactIn()
        phone = contact.phone_number or user.phone_number
        if not phone:
            raise HTTPException(400, "the user has no phone_number; give contact.phone_number")
        shared_own = contact.phone_number is None or contact.phone_number == user.phone_number
        message.contact = {
            "phone_number": phone,
            "first_name": contact.first_name or user.first_name,
            "last_name": contact.last_name if contact.first_name else user.last_name,
            "user_id": contact.user_id
            if contact.user_id is not None
            else (user.id if shared_own else None),
        }
    elif body.text is not None and body.text != "":
        message.text = body.text
        if body.entities is not None:
            message.entities = body.entities
        elif body.text.startswith("/"):
            command = body.text.split(maxsplit=1)[0]
            message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    else:
        raise HTTPException(
            400, "a message needs text, photo, document, voice, sticker or contact"
        )
    if caption:
        message.caption = caption
        if caption.startswith("/"):
            command = caption.split(maxsplit=1)[0]
            message.caption_entities = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
    update_id, payload = _deliver_message(state, chat, message)
    result: dict[str, Any] = {
        "update_id": update_id,
        "message_id": message.message_id,
        "chat_id": chat.id,
        "message": payload,
    }
    if unblock_update is not None:
        result["unblock_update_id"] = unblock_update
    return result


def press_button(state: SimState, body: CallbackIn) -> dict[str, Any]:
    """Press an inline button as a user (the data may be forged)."""
    user = state.users.get(body.user_id)
    if user is None:
        raise HTTPException(404, f"unknown user {body.user_id}")
    chat_id = body.chat_id if body.chat_id is not None else user.id
    chat = state.chats.get(chat_id)
    if chat is None:
        raise HTTPException(404, f"unknown chat {chat_id}")
    message = chat.by_id.get(body.message_id) if body.message_id is not None else None
    query_id = str(secrets.randbits(62) | (1 << 62))
    payload = tgtypes.callback_query(
        state, query_id, user, chat, message, body.message_id, body.data
    )
    record = CallbackRecord(
        id=query_id,
        user_id=user.id,
        chat_id=chat.id,
        message_id=body.message_id,
        data=body.data,
        update_id=None,
        created_at=time.monotonic(),
    )
    state.callbacks[query_id] = record
    record.update_id = state.enqueue_update("callback_query", payload, chat.id)
    return {
        "update_id": record.update_id,
        "callback_query_id": query_id,
        "callback_query": payload,
    }


def migrate_chat(state: SimState, chat: SimChat, body: MigrateIn) -> dict[str, Any]:
    """Upgrade a basic group to a supergroup, with Telegram's two service messages."""
    if chat.type != "group" or chat.migrated_to is not None:
        raise HTTPException(400, "only a basic group that has not migrated can migrate")
    new_id = body.new_chat_id if body.new_chat_id is not None else state.new_chat_id("supergroup")
    if new_id in state.chats:
        raise HTTPException(409, f"chat {new_id} exists")
    new = state.add_chat(
        SimChat(
            id=new_id,
            type="supergroup",
            title=chat.title,
            members=list(chat.members),
            note=chat.note,
            bot_status=chat.bot_status,
            migrated_from=chat.id,
        )
    )
    by = (
        body.by_user_id
        if body.by_user_id is not None
        else (chat.members[0] if chat.members else state.bot_id)
    )
    now = int(time.time())
    old_message = SimMessage(
        message_id=chat.allocate_id(),
        chat_id=chat.id,
        from_bot=False,
        sender_id=by,
        date=now,
        service={"migrate_to_chat_id": new_id},
    )
    new_message = SimMessage(
        message_id=new.allocate_id(),
        chat_id=new.id,
        from_bot=False,
        sender_id=by,
        date=now,
        service={"migrate_from_chat_id": chat.id},
    )
    first, _ = _deliver_message(state, chat, old_message)
    chat.migrated_to = new_id
    second, _ = _deliver_message(state, new, new_message)
    chat.changed()
    return {
        "old_chat_id": chat.id,
        "new_chat_id": new_id,
        "chat": new.public(state.users),
        "update_ids": [first, second],
    }


def inject_update(state: SimState, body: dict[str, Any]) -> dict[str, Any]:
    """Queue a raw update, or redeliver an earlier one with the same update_id."""
    if "redeliver_update_id" in body:
        try:
            old_id = int(body["redeliver_update_id"])
        except (TypeError, ValueError):
            raise HTTPException(400, "redeliver_update_id must be an integer") from None
        entry = state.update_history.get(old_id)
        if entry is None:
            raise HTTPException(404, f"update {old_id} is not in the history")
        state.enqueue_update(entry.kind, entry.payload, entry.key, update_id=old_id, forced=True)
        return {"update_id": old_id, "redelivered": True}
    raw = dict(body)
    given = raw.pop("update_id", None)
    kinds = [key for key in raw if key in UPDATE_KINDS]
    if len(kinds) != 1 or len(raw) != 1:
        raise HTTPException(400, "an update has exactly one payload field, e.g. 'message'")
    kind = kinds[0]
    try:
        telegram.Update.de_json({"update_id": int(given or 0), **raw}, None)
    except Exception as error:
        raise HTTPException(400, f"not a valid Update: {error}") from None
    payload = raw[kind]
    key = 0
    if isinstance(payload, dict):
        holder = payload.get("message") if kind == "callback_query" else payload
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            key = int(holder["chat"].get("id", 0))
        elif isinstance(payload.get("from"), dict):
            key = int(payload["from"].get("id", 0))
    update_id: int | None
    if given is not None:
        wanted = int(given)
        forced = wanted <= state.last_update_id
        update_id = state.enqueue_update(kind, payload, key, update_id=wanted, forced=forced)
    else:
        update_id = state.enqueue_update(kind, payload, key)
    return {"update_id": update_id, "redelivered": False}


# --- the router ---------------------------------------------------------------------------------


def build_control_router(state: SimState) -> APIRouter:
    """The `/control` routes over one SimState."""
    router = APIRouter(prefix="/control", tags=["control"])

    def get_user(user_id: int) -> SimUser:
        user = state.users.get(user_id)
        if user is None:
            raise HTTPException(404, f"unknown user {user_id}")
        return user

    def get_chat(chat_id: int) -> SimChat:
        chat = state.chats.get(chat_id)
        if chat is None:
            raise HTTPException(404, f"unknown chat {chat_id}")
        return chat

    @router.post("/users")
    def post_user(body: UserIn) -> dict[str, Any]:
        """Create a user (and its private chat)."""
        return create_user(state, body).public()

    @router.get("/users/{user_id}")
    def read_user(user_id: int) -> dict[str, Any]:
        """Show one user."""
        return get_user(user_id).public()

    @router.post("/users/{user_id}/block")
    def block_user(user_id: int, body: BlockIn | None = None) -> dict[str, Any]:
        """Block (or unblock) the bot as this user."""
        user = get_user(user_id)
        update_id = set_blocked(state, user, body.blocked if body else True)
        return {**user.public(), "update_id": update_id}

    @router.post("/chats")
    def post_chat(body: ChatIn) -> dict[str, Any]:
        """Create a group or supergroup."""
        return create_chat(state, body).public(state.users)

    @router.get("/chats/{chat_id}")
    def read_chat(chat_id: int) -> dict[str, Any]:
        """Show one chat."""
        return get_chat(chat_id).public(state.users)

    @router.post("/chats/{chat_id}/migrate")
    def migrate(chat_id: int, body: MigrateIn | None = None) -> dict[str, Any]:
        """Upgrade a group to a supergroup."""
        return migrate_chat(state, get_chat(chat_id), body or MigrateIn())

    @router.post("/chats/{chat_id}/bot_status")
    def bot_status(chat_id: int, body: BotStatusIn) -> dict[str, Any]:
        """Add, promote or remove the bot in a group (sends my_chat_member)."""
        chat = get_chat(chat_id)
        if not chat.is_group:
            raise HTTPException(400, "only groups have a bot status")
        by_id = (
            body.by_user_id
            if body.by_user_id is not None
            else (chat.members[0] if chat.members else None)
        )
        if by_id is None:
            raise HTTPException(400, "by_user_id is needed for a group without members")
        old = chat.bot_status
        chat.bot_status = body.status
        chat.changed()
        update_id = None
        if old != body.status:
            update_id = _bot_status_update(state, chat, get_user(by_id), old, body.status)
        return {**chat.public(), "update_id": update_id}

    @router.get("/personas")
    def personas() -> dict[str, Any]:
        """Users and groups for the chat page's persona picker."""
        return {
            "bot": {
                "id": state.bot_id,
                "username": state.bot_username,
                "first_name": state.bot_first_name,
            },
            "users": [user.public() for user in state.users.values()],
            "chats": [
                chat.public(state.users)
                for chat in state.chats.values()
                if chat.is_group and chat.migrated_to is None
            ],
        }

    @router.post("/messages")
    def post_message(body: MessageIn) -> dict[str, Any]:
        """Send a message as a user (becomes an update for the bot)."""
        return user_message(state, body)

    @router.post("/callbacks")
    def post_callback(body: CallbackIn) -> dict[str, Any]:
        """Press an inline button as a user."""
        return press_button(state, body)

    @router.get("/callbacks/{callback_query_id}")
    async def read_callback(
        callback_query_id: str,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=120)] = 0,
    ) -> dict[str, Any]:
        """Whether and how the bot answered; `timeout` waits for the answer."""
        record = state.callbacks.get(callback_query_id)
        if record is None:
            raise HTTPException(404, f"unknown callback query {callback_query_id}")
        if not record.answered and wait_seconds > 0:
            deadline = time.monotonic() + wait_seconds
            while not record.answered and time.monotonic() < deadline:
                await record.notifier.wait(deadline - time.monotonic())
        return record.public()

    @router.post("/updates")
    def post_update(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Inject a raw update, or redeliver one: {"redeliver_update_id": N}."""
        return inject_update(state, body)

    @router.get("/chats/{chat_id}/messages")
    def chat_messages(chat_id: int, after_id: int = 0) -> dict[str, Any]:
        """All messages (bot and users) after `after_id`."""
        chat = get_chat(chat_id)
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "messages": [plain_message(state, m) for m in chat.messages_after(after_id)],
        }

    @router.get("/chats/{chat_id}/wait")
    async def wait_messages(
        chat_id: int,
        count: Annotated[int, Query(ge=1)] = 1,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 10,
        after_id: int = 0,
    ) -> dict[str, Any]:
        """Wait until the bot has sent `count` messages after `after_id` (or time out)."""
        chat = get_chat(chat_id)
        deadline = time.monotonic() + wait_seconds
        while True:
            sent = [m for m in chat.messages_after(after_id) if m.from_bot and m.service is None]
            remaining = deadline - time.monotonic()
            if len(sent) >= count or remaining <= 0 or state.chats.get(chat_id) is not chat:
                return {
                    "chat_id": chat.id,
                    "timed_out": len(sent) < count,
                    "version": chat.version,
                    "messages": [plain_message(state, m) for m in sent],
                }
            await chat.notifier.wait(remaining)

    @router.get("/chats/{chat_id}/wait_change")
    async def wait_change(
        chat_id: int,
        since_version: int = 0,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 25,
    ) -> dict[str, Any]:
        """Wait until the chat's version differs from `since_version` (or time out)."""
        chat = get_chat(chat_id)
        if chat.version == since_version and wait_seconds > 0:
            deadline = time.monotonic() + wait_seconds
            while chat.version == since_version and state.chats.get(chat_id) is chat:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                await chat.notifier.wait(remaining)
        changed = chat.version != since_version
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "changed": changed,
            "timed_out": not changed,
        }

    @router.get("/files/{file_id}")
    def download(file_id: str) -> Response:
        """The bytes of a stored file (for the chat page; no token needed)."""
        stored = state.files.get(file_id)
        if stored is None:
            raise HTTPException(404, "unknown file")
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    @router.post("/faults")
    def post_fault(body: FaultIn) -> dict[str, Any]:
        """Schedule a fault for the next `count` calls of `method` ("*" for any)."""
        if body.status is None and body.delay <= 0:
            raise HTTPException(400, "a fault needs a status or a delay")
        if body.count < 1:
            raise HTTPException(400, "count must be at least 1")
        fault = state.add_fault(
            body.method,
            count=body.count,
            status=body.status,
            retry_after=body.retry_after,
            delay=body.delay,
            chat_id=body.chat_id,
            description=body.description,
        )
        return fault.public()

    @router.get("/faults")
    def list_faults() -> dict[str, Any]:
        """The faults still scheduled."""
        return {"faults": [fault.public() for fault in state.faults]}

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        """Cancel every scheduled fault."""
        count = len(state.faults)
        state.faults.clear()
        return {"cleared": count}

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        """Counters: calls, sends, errors, violations, pending updates, per-chat counts."""
        return state.stats()

    @router.post("/reset")
    def reset(body: ResetIn | None = None) -> dict[str, Any]:
        """Forget users, chats, messages, files, updates, faults and counters."""
        state.reset(drop_webhook=bool(body and body.drop_webhook))
        return {"ok": True, "last_update_id": state.last_update_id}

    @router.get("/bot")
    def bot() -> dict[str, Any]:
        """The simulated bot's identity."""
        return {
            "id": state.bot_id,
            "token_id": state.bot_id,
            "username": state.bot_username,
            "first_name": state.bot_first_name,
            "privacy_mode": state.privacy_mode,
            "webhook_url": state.webhook.url if state.webhook else None,
        }

    @router.get("/limits")
    def read_limits() -> dict[str, Any]:
        """The current rate limits."""
        return state.limits.as_dict()

    @router.post("/limits")
    def set_limits(body: LimitsIn) -> dict[str, Any]:
        """Change the rate limits at runtime (buckets start full)."""
        current = state.limits.as_dict()
        current.update(body.model_dump(exclude_none=True))
        state.configure_limits(Limits(**current))  # type: ignore[arg-type]
        return state.limits.as_dict()

    return router
