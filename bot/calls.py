"""The Bot API calls that carry out one outbox row: send (text, photo, document, voice, album;
as a reply, into a forum topic, pinned), edit, delete, and the forum topic ops.

The sender (bot/delivery.py) decides when a row goes and what its outcome means; this module
only says how a rendered row becomes Bot API calls, and raises what those calls raise.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.types import InputMediaPhoto, MessageId, ReplyParameters

from bot import topics
from bot.notices import Rendered
from models import MessageRef, OutboxKind
from services.outbox import Claimed

log = logging.getLogger(__name__)


class SendText(SendMessage):
    """sendMessage, its answer read as the message's id only.

    Telegram answers with the whole message it made, which aiogram validates into a `Message`
    (chat, sender, entities, …: half the cost of a /help update beyond the echo bot's reply,
    measured by bench/updates.py). Of a text we sent, the id is all the sender keeps."""

    __returning__ = MessageId


class MissingRef(Exception):
    """The message this row edits, answers in or goes into has not been sent yet."""


class Calls:
    def __init__(self, bot: Bot, *, paid_broadcast: bool) -> None:
        self._bot = bot
        self._paid_broadcast = paid_broadcast

    async def run(
        self, row: Claimed, rendered: Rendered, refs: dict[str, MessageRef]
    ) -> int | None:
        chat_id = int(row.chat_id)
        if row.op == "send":
            # A send with a target is a reply to that earlier message, when it exists.
            ref = refs.get(row.target_ref) if row.target_ref else None
            reply_to = (
                ref.message_id if ref and ref.chat_id == row.chat_id else row.target_message_id
            )
            thread = row.thread_id
            if row.thread_ref:  # into a forum topic: wait until it exists (0: it never will)
                if row.thread_ref not in refs:
                    raise MissingRef
                thread = refs[row.thread_ref].message_id or None
            message_id = await self._send(chat_id, row, rendered, reply_to, thread)
            if rendered.pin:
                await self._pin(chat_id, message_id)
            return message_id
        target = row.target_message_id
        if target is None and row.target_ref:
            ref = refs.get(row.target_ref)
            if ref is None:
                raise MissingRef
            target = ref.message_id
        if row.op in topics.OPS:
            return await topics.call(self._bot, row.op, chat_id, rendered.text, target)
        if row.op == "delete":
            await self._bot.delete_message(chat_id, target)
            return target
        markup = (
            rendered.markup
            if rendered.markup is None or hasattr(rendered.markup, "inline_keyboard")
            else None
        )
        if rendered.photo or rendered.document or rendered.voice:  # the text is a caption
            await self._bot.edit_message_caption(
                chat_id=chat_id, message_id=target, caption=rendered.text, reply_markup=markup
            )
        else:
            await self._bot.edit_message_text(
                rendered.text, chat_id=chat_id, message_id=target, reply_markup=markup
            )
        return target

    async def _send(
        self,
        chat_id: int,
        row: Claimed,
        rendered: Rendered,
        reply_to: int | None,
        thread: int | None = None,
    ) -> int:
        common = {
            "message_thread_id": thread,
            "allow_paid_broadcast": (self._paid_broadcast and row.kind == OutboxKind.bulk) or None,
            "reply_parameters": ReplyParameters(
                message_id=reply_to, allow_sending_without_reply=True
            )
            if reply_to
            else None,
        }
        if rendered.media:
            # aiogram's input media are frozen: the caption goes in when the first is built.
            album = [
                InputMediaPhoto(media=file_id, caption=(rendered.text or None) if i == 0 else None)
                for i, file_id in enumerate(rendered.media[:10])
            ]
            messages = await self._bot.send_media_group(chat_id, album, **common)
            return messages[0].message_id
        # One file with the text as its caption, or the text alone.
        for file_id, send in (
            (rendered.photo, self._bot.send_photo),
            (rendered.document, self._bot.send_document),
            (rendered.voice, self._bot.send_voice),
        ):
            if file_id:
                message = await send(
                    chat_id, file_id, caption=rendered.text, reply_markup=rendered.markup, **common
                )
                return message.message_id
        sent = await self._bot(
            SendText(chat_id=chat_id, text=rendered.text, reply_markup=rendered.markup, **common)
        )
        return sent.message_id

    async def _pin(self, chat_id: int, message_id: int) -> None:
        """Pin without failing the send: the message itself has gone out."""
        try:
            await self._bot.pin_chat_message(chat_id, message_id, disable_notification=False)
        except Exception as exc:
            log.warning("pin failed", extra={"fields": {"error": type(exc).__name__}})
