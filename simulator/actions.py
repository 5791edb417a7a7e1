"""What users do in Telegram, as the control API and the load generators ask for it: create
users and chats, send messages (what they carry: simulator/sent.py), press buttons,
block the bot, migrate groups, inject raw updates; and the plain views of what a chat holds.
Each works on a SimState directly, without HTTP."""

from __future__ import annotations

import secrets
import time
from typing import Any

import telegram
from fastapi import HTTPException

from simulator import tgtypes
from simulator.bodies import CallbackIn, ChatIn, MessageIn, MigrateIn, UserIn
from simulator.chats import SimChat, SimFile, SimMessage, SimUser
from simulator.sent import fill_message
from simulator.state import CallbackRecord, SimState

UPDATE_KINDS = frozenset(str(kind) for kind in telegram.Update.ALL_TYPES)


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


def bot_status_update(
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
    return bot_status_update(state, chat, user, old, new)


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


def _user_and_chat(state: SimState, user_id: int, chat_id: int | None) -> tuple[SimUser, SimChat]:
    """The acting user and the chat they act in (their private chat unless one is named)."""
    user = state.users.get(user_id)
    if user is None:
        raise HTTPException(404, f"unknown user {user_id}")
    chat = state.chats.get(chat_id if chat_id is not None else user.id)
    if chat is None:
        raise HTTPException(404, f"unknown chat {chat_id if chat_id is not None else user.id}")
    return user, chat


def user_message(state: SimState, body: MessageIn) -> dict[str, Any]:
    """Send a message as a user; returns {update_id, message_id, message}."""
    user, chat = _user_and_chat(state, body.user_id, body.chat_id)
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
    fill_message(state, user, body, message)
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
    user, chat = _user_and_chat(state, body.user_id, body.chat_id)
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
