"""Bot API methods on messages already sent (edit, delete), on button presses, files and
chat actions."""

from __future__ import annotations

import time
from typing import Any

from simulator import tgtypes
from simulator.chats import SimChat, SimMessage
from simulator.methods.common import (
    CALLBACK_ANSWER_LIMIT,
    CHAT_ACTIONS,
    QUERY_INVALID,
    MethodsBase,
)
from simulator.params import Params, bad_request


class EditingMethods(MethodsBase):
    """editMessageText/Caption/ReplyMarkup, deleteMessage(s), answerCallbackQuery, getFile,
    sendChatAction."""

    def m_editMessageText(self, params: Params) -> dict[str, Any]:
        """Edit a bot message's text (a missing reply_markup removes the inline keyboard)."""
        chat, message = self._bot_message(params)
        text, entities = self._text(params)
        markup = self._markup(params, inline_only=True)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        markup = _edited_markup(message, markup)
        return self._edit(chat, message, text=text, entities=entities, reply_markup=markup)

    def m_editMessageCaption(self, params: Params) -> dict[str, Any]:
        """Edit a media message's caption."""
        chat, message = self._bot_message(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params, inline_only=True)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        markup = _edited_markup(message, markup)
        return self._edit(
            chat, message, caption=caption, caption_entities=caption_entities, reply_markup=markup
        )

    def m_editMessageReplyMarkup(self, params: Params) -> dict[str, Any]:
        """Replace (or remove) a bot message's inline keyboard."""
        chat, message = self._bot_message(params)
        markup = self._markup(params, inline_only=True)
        return self._edit(chat, message, reply_markup=markup)

    def _delete_one(self, chat: SimChat, message_id: int | None) -> None:
        """Mark one message deleted, with Telegram's permission rules."""
        message = chat.by_id.get(message_id or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found", violation=False)
        if chat.is_group and not message.from_bot and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted", violation=False)
        message.deleted = True

    def m_deleteMessage(self, params: Params) -> bool:
        """Delete one message."""
        chat = self._chat(params)
        self._delete_one(chat, params.get_int("message_id"))
        chat.changed()
        return True

    def m_deleteMessages(self, params: Params) -> bool:
        """Delete several messages (missing ones are skipped, as Telegram does)."""
        chat = self._chat(params)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a list of 1-100 identifiers")
        for message_id in ids:
            message = chat.by_id.get(int(message_id))
            if message is not None:
                message.deleted = True
        chat.changed()
        return True

    # --- callbacks, files, actions ----------------------------------------------------

    def m_answerCallbackQuery(self, params: Params) -> bool:
        """Answer a callback query once (text at most 200 characters)."""
        query_id = params.get_str("callback_query_id")
        record = self.state.callbacks.get(query_id or "")
        text = params.get_str("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        if record is None or record.answered:
            raise bad_request(QUERY_INVALID[len("Bad Request: ") :], violation=False)
        record.answered = True
        record.answered_at = time.monotonic()
        record.text = text
        record.show_alert = params.get_bool("show_alert")
        record.url = params.get_str("url")
        record.cache_time = params.get_int("cache_time")
        record.notifier.notify()
        return True

    def m_getFile(self, params: Params) -> dict[str, Any]:
        """Return a File whose file_path downloads from /file/bot<token>/<path>."""
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return tgtypes.tg_file(stored).to_dict()

    def m_sendChatAction(self, params: Params) -> bool:
        """Show a chat action (not rate limited)."""
        chat = self._send_chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        return True


def _edited_markup(message: SimMessage, markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The markup after an edit: an omitted inline keyboard goes, a reply keyboard stays.

    A reply keyboard belongs to the chat, not to the message, so edits never touch it.
    """
    current = message.reply_markup
    if markup is None and current is not None and "inline_keyboard" not in current:
        return current
    return markup
