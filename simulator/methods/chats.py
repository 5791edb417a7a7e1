"""Bot API methods on chats: pins, members, administrators and forum topics."""

from __future__ import annotations

import time
from typing import Any

from simulator import tgtypes
from simulator.chats import SimChat, SimMessage, SimTopic
from simulator.methods.common import MethodsBase
from simulator.params import Params, bad_request


class ChatMethods(MethodsBase):
    """pin/unpin(All)ChatMessage(s), getChat, getChatMember(Count), getChatAdministrators, and
    create/close/reopen/editForumTopic."""

    def _require_admin(self, chat: SimChat) -> None:
        """Group operations that need the bot to be an administrator."""
        if chat.is_group and chat.bot_status != "administrator":
            raise bad_request(
                "not enough rights to manage pinned messages in the chat", violation=False
            )

    def m_pinChatMessage(self, params: Params) -> bool:
        """Pin a message."""
        chat = self._chat(params)
        self._require_admin(chat)
        message = chat.by_id.get(params.get_int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message to pin not found", violation=False)
        message.pinned = True
        chat.changed()
        return True

    def m_unpinChatMessage(self, params: Params) -> bool:
        """Unpin a message (the most recent pinned one when no id is given)."""
        chat = self._chat(params)
        self._require_admin(chat)
        message_id = params.get_int("message_id")
        if message_id is None:
            target = next((m for m in reversed(chat.messages) if m.pinned), None)
        else:
            target = chat.by_id.get(message_id)
        if target is None or not target.pinned:
            raise bad_request("message to unpin not found", violation=False)
        target.pinned = False
        chat.changed()
        return True

    def m_unpinAllChatMessages(self, params: Params) -> bool:
        """Unpin every message of a chat."""
        chat = self._chat(params)
        self._require_admin(chat)
        for message in chat.messages:
            message.pinned = False
        chat.changed()
        return True

    def m_getChat(self, params: Params) -> dict[str, Any]:
        """Return a ChatFullInfo."""
        return tgtypes.chat_full_info(self.state, self._chat(params)).to_dict()

    def m_getChatMember(self, params: Params) -> dict[str, Any]:
        """Return a ChatMember."""
        chat = self._chat(params)
        user_id = params.get_int("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id != self.state.bot_id and user_id not in self.state.users:
            raise bad_request("user not found", violation=False)
        return tgtypes.chat_member(self.state, chat, user_id).to_dict()

    def m_getChatMemberCount(self, params: Params) -> int:
        """Return the number of members (the bot included)."""
        chat = self._chat(params)
        return 2 if chat.type == "private" else len(chat.members) + 1

    def m_getChatAdministrators(self, params: Params) -> list[dict[str, Any]]:
        """Return the administrators (the bot when it is one)."""
        chat = self._chat(params)
        if chat.is_group and chat.bot_status == "administrator":
            return [tgtypes.chat_member(self.state, chat, self.state.bot_id).to_dict()]
        return []

    # --- forum topics -----------------------------------------------------------------

    def _forum(self, params: Params) -> SimChat:
        """A forum supergroup where the bot may manage topics."""
        chat = self._chat(params)
        if chat.type != "supergroup" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if chat.bot_status != "administrator":
            raise bad_request("not enough rights to create a topic", violation=False)
        return chat

    def _topic(self, chat: SimChat, params: Params) -> SimTopic:
        """The addressed topic."""
        topic = chat.topics.get(params.get_int("message_thread_id") or 0)
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    def _service(self, chat: SimChat, thread_id: int | None, service: dict[str, Any]) -> None:
        """Store a service message sent on behalf of the bot."""
        message_id = chat.allocate_id()
        chat.add(
            SimMessage(
                message_id=message_id,
                chat_id=chat.id,
                from_bot=True,
                sender_id=self.state.bot_id,
                date=int(time.time()),
                message_thread_id=thread_id,
                is_topic_message=thread_id is not None,
                service=service,
            )
        )

    def m_createForumTopic(self, params: Params) -> dict[str, Any]:
        """Create a topic; its message_thread_id is the id of its service message."""
        chat = self._forum(params)
        name = params.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        icon_color = params.get_int("icon_color", 0x6FB9F0) or 0x6FB9F0
        thread_id = chat.next_message_id
        topic = SimTopic(
            message_thread_id=thread_id,
            name=name,
            icon_color=icon_color,
            icon_custom_emoji_id=params.get_str("icon_custom_emoji_id"),
        )
        chat.topics[thread_id] = topic
        self._service(
            chat, thread_id, {"forum_topic_created": {"name": name, "icon_color": icon_color}}
        )
        return tgtypes.forum_topic(topic)

    def m_closeForumTopic(self, params: Params) -> bool:
        """Close a topic (then only administrators may send into it, as in Telegram)."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
        topic.closed = True
        self._service(chat, topic.message_thread_id, {"forum_topic_closed": {}})
        return True

    def m_reopenForumTopic(self, params: Params) -> bool:
        """Reopen a closed topic."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
        topic.closed = False
        self._service(chat, topic.message_thread_id, {"forum_topic_reopened": {}})
        return True

    def m_editForumTopic(self, params: Params) -> bool:
        """Rename a topic or change its icon."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        name = params.get_str("name")
        icon = params.get_str("icon_custom_emoji_id")
        if name is not None:
            if not 1 <= len(name) <= 128:
                raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
            if name == topic.name and icon is None:
                raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
            topic.name = name
        if icon is not None:
            topic.icon_custom_emoji_id = icon or None
        chat.changed()
        return True
