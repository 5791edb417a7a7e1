"""The product's Bot session (bot/session.py) sends JSON bodies: every kind of call the outbox
makes must arrive as it would from aiogram's own form encoding, and uploads still work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendMessage
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from aiohttp.payload import BytesPayload

from bot.session import JsonAiohttpSession

from .conftest import TOKEN, Sim


@pytest.fixture
async def json_bot(sim: Sim) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=JsonAiohttpSession(api=TelegramAPIServer.from_base(sim.base)))
    yield bot
    await bot.session.close()


async def messages(sim: Sim, chat_id: int) -> list[dict]:  # type: ignore[type-arg]
    return (await sim.control.get(f"/chats/{chat_id}/messages")).json()["messages"]


async def test_text_buttons_replies_and_edits_arrive_whole(sim: Sim, json_bot: Bot) -> None:
    user = await sim.user(first_name="王")
    first = await json_bot.send_message(user["id"], "水管漏水了，请尽快处理 ¥1,234.50")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="收到 / Got it", callback_data="ack:7")]]
    )
    second = await json_bot.send_message(
        user["id"],
        "停水通知",
        reply_markup=markup,
        reply_parameters=ReplyParameters(message_id=first.message_id),
        disable_notification=False,
    )
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == first.message_id
    await json_bot.edit_message_text(
        "停水通知（已更新）", chat_id=user["id"], message_id=second.message_id
    )
    stored = await messages(sim, user["id"])
    assert stored[0]["text"] == "水管漏水了，请尽快处理 ¥1,234.50"
    assert stored[1]["text"] == "停水通知（已更新）"
    assert stored[1]["reply_markup"] is None  # an edit without markup takes the buttons away
    body = json_bot.session.build_form_data(json_bot, SendMessage(chat_id=1, text="好"))  # type: ignore[attr-defined]
    assert isinstance(body, BytesPayload) and body.content_type == "application/json"


async def test_an_album_of_file_ids_and_an_uploaded_document(sim: Sim, json_bot: Bot) -> None:
    user = await sim.user(first_name="李")
    await sim.say(user["id"], photo={"width": 640, "height": 480})
    updates = await json_bot.get_updates(timeout=0)
    file_id = updates[-1].message.photo[-1].file_id  # type: ignore[union-attr,index]
    album = await json_bot.send_media_group(
        user["id"],
        [InputMediaPhoto(media=file_id, caption="现场照片"), InputMediaPhoto(media=file_id)],
    )
    assert len(album) == 2 and album[0].caption == "现场照片"
    # A file upload cannot be JSON: it goes as a multipart form, as aiogram builds it.
    report = BufferedInputFile("楼栋,已读\n3栋,12\n".encode(), filename="report.csv")
    sent = await json_bot.send_document(user["id"], report, caption="送达报告")
    assert sent.document is not None and sent.document.file_name == "report.csv"
    downloaded = await json_bot.download(sent.document.file_id)
    assert downloaded is not None and downloaded.read().decode() == "楼栋,已读\n3栋,12\n"


async def test_a_keyboard_sent_again_arrives_as_itself(sim: Sim, json_bot: Bot) -> None:
    """The session keeps each keyboard's prepared form: reused ones, and others in between,
    still arrive exactly as they are."""
    user = await sim.user(first_name="赵")
    menu = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="📱 共享手机号", request_contact=True)],
            [KeyboardButton(text="❓ 帮助")],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )
    ack = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="收到", callback_data="ack:9")]]
    )
    for markup in (menu, ack, menu):
        await json_bot.send_message(user["id"], "通知", reply_markup=markup)
    stored = [m["reply_markup"] for m in await messages(sim, user["id"])]
    assert stored[0] == stored[2]
    assert stored[0]["keyboard"][0][0] == {"text": "📱 共享手机号", "request_contact": True}
    assert stored[0]["is_persistent"] is True
    assert stored[1] == {"inline_keyboard": [[{"text": "收到", "callback_data": "ack:9"}]]}


async def test_a_voice_note_is_passed_on_and_a_photo_is_no_voice(sim: Sim, json_bot: Bot) -> None:
    """Staff and residents' voice notes are relayed by file id, as Telegram takes them."""
    user = await sim.user(first_name="周")
    await sim.say(user["id"], voice={"duration": 4})
    await sim.say(user["id"], photo={"width": 64, "height": 64})
    updates = await json_bot.get_updates(timeout=0)
    voice_id = updates[-2].message.voice.file_id  # type: ignore[union-attr]
    photo_id = updates[-1].message.photo[-1].file_id  # type: ignore[union-attr,index]
    sent = await json_bot.send_voice(user["id"], voice_id, caption="BX-0000001 · 居民语音")
    assert sent.voice is not None and sent.voice.duration == 4
    assert sent.caption == "BX-0000001 · 居民语音"
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Voice"):
        await json_bot.send_voice(user["id"], photo_id)
