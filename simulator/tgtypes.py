"""Build Bot API JSON with python-telegram-bot's `telegram.*` classes.

Every object the simulator hands to the bot (updates and method results) goes through these
builders, so our aiogram bot is checked against an independent model of the Bot API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import telegram

from simulator.chats import SimChat, SimFile, SimMessage, SimUser
from simulator.state import SimState


def ts(seconds: int | float) -> dt.datetime:
    """A UTC datetime from a unix timestamp."""
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def bot_user(state: SimState, *, full: bool = False) -> telegram.User:
    """The bot as a User (with the getMe capability flags when `full`)."""
    if full:
        return telegram.User(
            id=state.bot_id,
            is_bot=True,
            first_name=state.bot_first_name,
            username=state.bot_username,
            can_join_groups=True,
            can_read_all_group_messages=not state.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return telegram.User(
        id=state.bot_id, is_bot=True, first_name=state.bot_first_name, username=state.bot_username
    )


def user(sim_user: SimUser) -> telegram.User:
    """A human user."""
    return telegram.User(
        id=sim_user.id,
        is_bot=False,
        first_name=sim_user.first_name,
        last_name=sim_user.last_name,
        username=sim_user.username,
        language_code=sim_user.language_code,
    )


def sender(state: SimState, user_id: int) -> telegram.User:
    """The User for an id: the bot, a known user, or a placeholder."""
    if user_id == state.bot_id:
        return bot_user(state)
    known = state.users.get(user_id)
    if known is not None:
        return user(known)
    return telegram.User(id=user_id, is_bot=False, first_name=f"User {user_id}")


def chat(state: SimState, sim_chat: SimChat) -> telegram.Chat:
    """A Chat as it appears inside messages."""
    if sim_chat.type == "private":
        owner = state.users.get(sim_chat.user_id or sim_chat.id)
        return telegram.Chat(
            id=sim_chat.id,
            type="private",
            first_name=owner.first_name if owner else f"User {sim_chat.id}",
            last_name=owner.last_name if owner else None,
            username=owner.username if owner else None,
        )
    return telegram.Chat(
        id=sim_chat.id,
        type=sim_chat.type,
        title=sim_chat.title,
        is_forum=True if sim_chat.is_forum else None,
    )


def chat_full_info(state: SimState, sim_chat: SimChat) -> telegram.ChatFullInfo:
    """The result of getChat."""
    gifts = telegram.AcceptedGiftTypes(
        unlimited_gifts=False,
        limited_gifts=False,
        unique_gifts=False,
        premium_subscription=False,
        gifts_from_channels=False,
    )
    base = chat(state, sim_chat)
    pinned = next((m for m in reversed(sim_chat.messages) if m.pinned and not m.deleted), None)
    return telegram.ChatFullInfo(
        id=base.id,
        type=base.type,
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types=gifts,
        title=base.title,
        username=base.username,
        first_name=base.first_name,
        last_name=base.last_name,
        is_forum=base.is_forum,
        description=sim_chat.note if sim_chat.is_group else None,
        pinned_message=message(state, pinned, with_reply=False) if pinned else None,
    )


def photo_sizes(file: SimFile, thumb: SimFile | None = None) -> list[telegram.PhotoSize]:
    """PhotoSizes of a photo, smallest first (a thumbnail when one is stored)."""
    sizes = []
    for item in (thumb, file):
        if item is None:
            continue
        sizes.append(
            telegram.PhotoSize(
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                width=item.width or 0,
                height=item.height or 0,
                file_size=item.size,
            )
        )
    return sizes


def document(file: SimFile) -> telegram.Document:
    """A Document."""
    return telegram.Document(
        file_id=file.file_id,
        file_unique_id=file.file_unique_id,
        file_name=file.file_name,
        mime_type=file.mime_type,
        file_size=file.size,
    )


def voice(file: SimFile) -> telegram.Voice:
    """A Voice note."""
    return telegram.Voice(
        file_id=file.file_id,
        file_unique_id=file.file_unique_id,
        duration=file.duration or 1,
        mime_type=file.mime_type or "audio/ogg",
        file_size=file.size,
    )


def sticker(file: SimFile) -> telegram.Sticker:
    """A static sticker."""
    return telegram.Sticker(
        file_id=file.file_id,
        file_unique_id=file.file_unique_id,
        width=file.width or 512,
        height=file.height or 512,
        is_animated=False,
        is_video=False,
        type="regular",
        emoji="👍",
        file_size=file.size,
    )


def tg_file(file: SimFile) -> telegram.File:
    """The result of getFile."""
    return telegram.File(
        file_id=file.file_id,
        file_unique_id=file.file_unique_id,
        file_size=file.size,
        file_path=file.file_path,
    )


def entities(state: SimState, raw: list[dict[str, Any]] | None) -> list[telegram.MessageEntity]:
    """MessageEntity objects from stored entity dicts."""
    result = []
    for item in raw or []:
        mention = None
        if item.get("user_id") is not None:
            try:
                mention = sender(state, int(item["user_id"]))
            except ValueError:
                continue
        elif isinstance(item.get("user"), dict):
            mention = telegram.User.de_json(item["user"], None)
        result.append(
            telegram.MessageEntity(
                type=item["type"],
                offset=item["offset"],
                length=item["length"],
                url=item.get("url"),
                language=item.get("language"),
                custom_emoji_id=item.get("custom_emoji_id"),
                user=mention,
            )
        )
    return result


def inline_markup(raw: dict[str, Any] | None) -> telegram.InlineKeyboardMarkup | None:
    """The inline keyboard of a message (other markups are not part of a Message)."""
    if not raw or "inline_keyboard" not in raw:
        return None
    return telegram.InlineKeyboardMarkup.de_json(raw, None)


def message(state: SimState, msg: SimMessage, *, with_reply: bool = True) -> telegram.Message:
    """A Message from a stored message."""
    sim_chat = state.chats[msg.chat_id]
    reply = None
    if with_reply and msg.reply_to_message_id is not None:
        replied = sim_chat.by_id.get(msg.reply_to_message_id)
        if replied is not None and not replied.deleted:
            reply = message(state, replied, with_reply=False)
    photo = None
    if msg.photo:
        photo = photo_sizes(msg.photo[-1], msg.photo[0] if len(msg.photo) > 1 else None)
    service = msg.service or {}
    topic_created = None
    if "forum_topic_created" in service:
        created = service["forum_topic_created"]
        topic_created = telegram.ForumTopicCreated(
            name=created["name"], icon_color=created["icon_color"]
        )
    contact = None
    if msg.contact:
        contact = telegram.Contact(
            phone_number=msg.contact["phone_number"],
            first_name=msg.contact.get("first_name") or "",
            last_name=msg.contact.get("last_name"),
            user_id=msg.contact.get("user_id"),
        )
    forward_origin = None
    if msg.forward_from_user_id is not None:
        forward_origin = telegram.MessageOriginUser(
            date=ts(msg.date), sender_user=sender(state, msg.forward_from_user_id)
        )
    return telegram.Message(
        message_id=msg.message_id,
        date=ts(msg.date),
        chat=chat(state, sim_chat),
        from_user=sender(state, msg.sender_id),
        reply_to_message=reply,
        edit_date=ts(msg.edit_date) if msg.edit_date else None,
        text=msg.text,
        entities=entities(state, msg.entities) or None,
        caption=msg.caption,
        caption_entities=entities(state, msg.caption_entities) or None,
        photo=photo,
        document=document(msg.document) if msg.document else None,
        voice=voice(msg.voice) if msg.voice else None,
        sticker=sticker(msg.sticker) if msg.sticker else None,
        contact=contact,
        media_group_id=msg.media_group_id,
        reply_markup=inline_markup(msg.reply_markup),
        has_protected_content=True if msg.protect_content else None,
        message_thread_id=msg.message_thread_id,
        is_topic_message=True if msg.is_topic_message else None,
        migrate_to_chat_id=service.get("migrate_to_chat_id"),
        migrate_from_chat_id=service.get("migrate_from_chat_id"),
        group_chat_created=bool(service.get("group_chat_created")),
        forum_topic_created=topic_created,
        forum_topic_closed=telegram.ForumTopicClosed()
        if "forum_topic_closed" in service
        else None,
        forum_topic_reopened=(
            telegram.ForumTopicReopened() if "forum_topic_reopened" in service else None
        ),
        forward_origin=forward_origin,
    )


def message_dict(state: SimState, msg: SimMessage) -> dict[str, Any]:
    """A Message as a JSON-ready dict."""
    return message(state, msg).to_dict()


def callback_query(
    state: SimState,
    query_id: str,
    from_user: SimUser,
    sim_chat: SimChat | None,
    msg: SimMessage | None,
    message_id: int | None,
    data: str | None,
) -> dict[str, Any]:
    """A CallbackQuery payload (always with chat_instance)."""
    carried: telegram.MaybeInaccessibleMessage | None = None
    if msg is not None and not msg.deleted:
        carried = message(state, msg)
    elif sim_chat is not None and message_id is not None:
        carried = telegram.InaccessibleMessage(chat=chat(state, sim_chat), message_id=message_id)
    instance = sim_chat.chat_instance if sim_chat is not None else str(from_user.id)
    return telegram.CallbackQuery(
        id=query_id,
        from_user=user(from_user),
        chat_instance=instance,
        message=carried,
        data=data,
    ).to_dict()


def chat_member(state: SimState, sim_chat: SimChat, user_id: int) -> telegram.ChatMember:
    """The ChatMember of a user (or the bot) in a chat."""
    who = sender(state, user_id)
    if user_id == state.bot_id:
        status = sim_chat.bot_status if sim_chat.is_group else "member"
    elif sim_chat.type == "private":
        status = "member" if user_id == sim_chat.id else "left"
    else:
        status = "member" if user_id in sim_chat.members else "left"
    if status == "administrator":
        return telegram.ChatMemberAdministrator(
            user=who,
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
            can_manage_topics=sim_chat.is_forum,
            # Newer than python-telegram-bot 22.8, required by aiogram 3.31.
            api_kwargs={"can_send_welcome_messages": False},
        )
    if status == "creator":
        return telegram.ChatMemberOwner(user=who, is_anonymous=False)
    if status == "kicked":
        return telegram.ChatMemberBanned(user=who, until_date=ts(0))
    if status == "left":
        return telegram.ChatMemberLeft(user=who)
    return telegram.ChatMemberMember(user=who)


def my_chat_member(
    state: SimState, sim_chat: SimChat, from_user: SimUser, old: str, new: str, date: int
) -> dict[str, Any]:
    """A my_chat_member payload: the bot's status in `sim_chat` changed from old to new."""
    me = bot_user(state)

    def member(status: str) -> telegram.ChatMember:
        if status == "kicked":
            return telegram.ChatMemberBanned(user=me, until_date=ts(0))
        if status == "left":
            return telegram.ChatMemberLeft(user=me)
        return telegram.ChatMemberMember(user=me)

    return telegram.ChatMemberUpdated(
        chat=chat(state, sim_chat),
        from_user=user(from_user),
        date=ts(date),
        old_chat_member=member(old),
        new_chat_member=member(new),
    ).to_dict()


def forum_topic(topic: Any) -> dict[str, Any]:
    """A ForumTopic result."""
    return telegram.ForumTopic(
        message_thread_id=topic.message_thread_id,
        name=topic.name,
        icon_color=topic.icon_color,
        icon_custom_emoji_id=topic.icon_custom_emoji_id,
    ).to_dict()


def webhook_info(state: SimState) -> dict[str, Any]:
    """The result of getWebhookInfo."""
    hook = state.webhook
    if hook is None:
        return telegram.WebhookInfo(
            url="", has_custom_certificate=False, pending_update_count=len(state.updates)
        ).to_dict()
    return telegram.WebhookInfo(
        url=hook.url,
        has_custom_certificate=False,
        pending_update_count=len(state.updates),
        last_error_date=ts(hook.last_error_date) if hook.last_error_date else None,
        last_error_message=hook.last_error_message,
        max_connections=hook.max_connections,
        allowed_updates=hook.allowed_updates,
        ip_address=hook.ip_address or "127.0.0.1",
    ).to_dict()
