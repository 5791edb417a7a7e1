"""Bot API methods that send: text, files, albums, copies and forwards."""

from __future__ import annotations

from typing import Any

import telegram

from simulator import tgtypes
from simulator.chats import SimMessage
from simulator.methods.common import MethodsBase
from simulator.params import Params, bad_request


class SendingMethods(MethodsBase):
    """sendMessage, sendPhoto, sendDocument, sendVoice, sendMediaGroup, copyMessage, forwardMessage."""

    def m_sendMessage(self, params: Params) -> dict[str, Any]:
        """Send a text message."""
        chat = self._send_chat(params)
        text, entities = self._text(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return tgtypes.message_dict(self.state, message)

    def m_sendPhoto(self, params: Params) -> dict[str, Any]:
        """Send a photo (upload, file_id or URL)."""
        return self._send_file(params, "photo")

    def m_sendDocument(self, params: Params) -> dict[str, Any]:
        """Send a document (upload, file_id or URL)."""
        return self._send_file(params, "document")

    def m_sendVoice(self, params: Params) -> dict[str, Any]:
        """Send a voice note (upload, file_id of a voice note, or URL)."""
        return self._send_file(params, "voice")

    def _send_file(self, params: Params, kind: str) -> dict[str, Any]:
        """One file with an optional caption; the parameter is named after its kind."""
        chat = self._send_chat(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        value = params.files.get(kind) or params.raw.get(kind)
        stored = self._input_file(params, value, kind, kind)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            # A photo is its sizes (thumbnail and full); other kinds are one file.
            **{kind: stored if kind == "photo" else stored[0]},
            caption=caption,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return tgtypes.message_dict(self.state, message)

    def m_sendMediaGroup(self, params: Params) -> list[dict[str, Any]]:
        """Send an album of 2–10 photos or documents; each item counts against the limits."""
        chat = self._send_chat(params)
        media = params.get_json("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: must be 2-10 items")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
        if not kinds <= {"photo", "document"}:
            raise bad_request("unsupported media type in the simulator (photo/document only)")
        if len(kinds) > 1:
            raise bad_request("document can't be mixed with other media types")
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        prepared = []
        for item in media:
            item_params = Params({**item}, params.files)
            caption, caption_entities = self._caption(item_params)
            files = self._input_file(params, item.get("media"), item["type"], "media")
            prepared.append((item["type"], files, caption, caption_entities))
        self._admit(chat, params, count=len(media))
        group_id = self.state.new_media_group_id()
        results = []
        for kind, files, caption, caption_entities in prepared:
            content: dict[str, Any] = (
                {"photo": files} if kind == "photo" else {"document": files[0]}
            )
            message = self._new_message(
                chat,
                params,
                caption=caption,
                caption_entities=caption_entities,
                media_group_id=group_id,
                reply_to_message_id=reply_to,
                message_thread_id=thread_id,
                **content,
            )
            results.append(tgtypes.message_dict(self.state, message))
        return results

    def _source(self, params: Params) -> SimMessage:
        """The message a copy or forward takes."""
        source_chat = self.state.chats.get(params.chat_id("from_chat_id"))
        if source_chat is None:
            raise bad_request("chat not found", violation=False)
        message_id = params.get_int("message_id")
        source = source_chat.by_id.get(message_id or 0)
        if source is None or source.deleted:
            raise bad_request("message to copy not found", violation=False)
        if source.service is not None:
            raise bad_request("message can't be copied")
        if source.protect_content:
            raise bad_request("message can't be forwarded", violation=False)
        return source

    def m_copyMessage(self, params: Params) -> dict[str, Any]:
        """Copy a message (without a link to the original); returns a MessageId."""
        chat = self._send_chat(params)
        source = self._source(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        caption, caption_entities = source.caption, source.caption_entities
        if params.has("caption"):
            caption, caption_entities = self._caption(params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=source.text,
            entities=source.entities,
            caption=caption,
            caption_entities=caption_entities,
            photo=source.photo,
            document=source.document,
            voice=source.voice,
            sticker=source.sticker,
            contact=source.contact,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return telegram.MessageId(message_id=message.message_id).to_dict()

    def m_forwardMessage(self, params: Params) -> dict[str, Any]:
        """Forward a message (with forward_origin)."""
        chat = self._send_chat(params)
        source = self._source(params)
        thread_id = self._thread(chat, params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=source.text,
            entities=source.entities,
            caption=source.caption,
            caption_entities=source.caption_entities,
            photo=source.photo,
            document=source.document,
            voice=source.voice,
            sticker=source.sticker,
            contact=source.contact,
            message_thread_id=thread_id,
            forward_from_user_id=source.sender_id,
        )
        return tgtypes.message_dict(self.state, message)
