"""Forum topic operations for the outbox sender: create, close and reopen a topic.

A service asks for a topic like for any message, with an outbox row (op `newtopic`, whose
rendered text is the topic's name and whose `ref_key` keeps the new thread id); the rows
that belong in the topic name that ref as their `thread_ref` and wait until it exists.
`closetopic` / `opentopic` address the topic through their `target_ref`.

A group registered as a forum that turns out not to be one (or where the bot may not manage
topics) must not hold the ticket's messages back for ever: the topic is then remembered
as thread 0, "none", and its messages go to the chat itself, as in a plain group.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from services.outbox import CLOSE_TOPIC, NEW_TOPIC, REOPEN_TOPIC

log = logging.getLogger(__name__)

OPS = frozenset({NEW_TOPIC, CLOSE_TOPIC, REOPEN_TOPIC})
NAME_MAX = 128  # Telegram's limit for a topic's name
NO_TOPIC = 0  # the thread id remembered when no topic could be made


async def call(bot: Bot, op: str, chat_id: int, name: str, thread_id: int | None) -> int:
    """Run one topic op; returns the topic's thread id (NO_TOPIC when there is none)."""
    if op == NEW_TOPIC:
        try:
            topic = await bot.create_forum_topic(chat_id, name=name[:NAME_MAX] or "…")
        except TelegramBadRequest as exc:  # not a forum, or no right to manage topics
            log.warning("forum topic not created", extra={"fields": {"error": exc.message}})
            return NO_TOPIC
        return topic.message_thread_id
    if not thread_id:
        return NO_TOPIC
    try:
        if op == CLOSE_TOPIC:
            await bot.close_forum_topic(chat_id, thread_id)
        else:
            await bot.reopen_forum_topic(chat_id, thread_id)
    except TelegramBadRequest as exc:
        if "TOPIC_NOT_MODIFIED" not in exc.message:  # already closed (or open): that's fine
            raise
    return thread_id
