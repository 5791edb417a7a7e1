"""The Bot API side of the simulator, exercised with the real aiogram Bot."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from simulator.media import placeholder_png

from .conftest import TOKEN, Sim


async def drain(sim: Sim) -> list:
    """Fetch and confirm everything pending."""
    updates = await sim.bot.get_updates(timeout=0)
    if updates:
        await sim.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


async def test_get_me(sim: Sim) -> None:
    """getMe returns the configured bot identity."""
    me = await sim.bot.get_me()
    assert me.id == 123456789
    assert me.is_bot and me.username == "linli_demo_bot"
    assert me.first_name == "邻里"


async def test_wrong_token_and_unknown_method(sim: Sim) -> None:
    """A wrong token answers 401, an unknown method 404; JSON bodies work too."""
    async with httpx.AsyncClient() as client:
        bad = await client.post(f"{sim.base}/bot123456789:wrong/getMe")
        assert bad.status_code == 401
        assert bad.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        unknown = await client.post(f"{sim.base}/bot{TOKEN}/sendTelepathy", json={})
        assert unknown.status_code == 404
        assert unknown.json()["description"] == "Not Found: method not found"
        as_json = await client.post(f"{sim.base}/bot{TOKEN}/getMe", json={})
        assert as_json.json()["result"]["username"] == "linli_demo_bot"
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    other = Bot(
        "987654321:AAEwrongTokenxxxxxxxxxxxxxxxxxxxxxxx",
        session=AiohttpSession(api=TelegramAPIServer.from_base(sim.base)),
    )
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await other.get_me()
    finally:
        await other.session.close()


async def test_start_command_update_and_offset(sim: Sim) -> None:
    """A user's /start arrives with a bot_command entity until an offset confirms it."""
    user = await sim.user(first_name="王", last_name="阿姨", language_code="zh-hans")
    sent = await sim.say(user["id"], text="/start ABC123")
    updates = await sim.bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start ABC123"
    assert message.from_user is not None and message.from_user.id == user["id"]
    assert message.chat.type == "private" and message.chat.id == user["id"]
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].offset, message.entities[0].length) == (
        "bot_command",
        0,
        6,
    )
    # Not confirmed yet: delivered again; an offset above it confirms it.
    again = await sim.bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [sent["update_id"]]
    assert await sim.bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == []
    assert (await sim.control.get("/stats")).json()["pending_updates"] == 0


async def test_long_poll_wakes_immediately(sim: Sim) -> None:
    """A waiting getUpdates returns as soon as an update arrives."""
    user = await sim.user()
    poll = asyncio.create_task(sim.bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await sim.say(user["id"], text="hello")
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message is not None and updates[0].message.text == "hello"


async def test_contact_photo_and_download(sim: Sim) -> None:
    """Contacts and photos arrive as valid aiogram objects; photos download."""
    user = await sim.user(first_name="李", phone_number="+8613800138000")
    await sim.say(user["id"], contact={})
    await sim.say(user["id"], photo={"width": 640, "height": 480}, caption="漏水")
    updates = await drain(sim)
    contact = updates[0].message.contact
    assert contact.phone_number == "+8613800138000" and contact.user_id == user["id"]
    photo_message = updates[1].message
    assert photo_message.caption == "漏水"
    assert [(p.width, p.height) for p in photo_message.photo] == [(90, 68), (640, 480)]
    file = await sim.bot.get_file(photo_message.photo[-1].file_id)
    data = await sim.bot.download_file(file.file_path)
    assert data is not None and data.read().startswith(b"\x89PNG")


async def test_inline_keyboard_callback_and_answer(sim: Sim) -> None:
    """Inline buttons → callback query → answerCallbackQuery, forged data included."""
    user = await sim.user()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="确认 OK", callback_data="ticket:confirm:42"),
                InlineKeyboardButton(text="Help", url="https://example.org/help"),
            ]
        ]
    )
    sent = await sim.bot.send_message(user["id"], "请确认", reply_markup=markup)
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ticket:confirm:42"
    listed = (await sim.control.get(f"/chats/{user['id']}/messages")).json()["messages"]
    assert (
        listed[-1]["from_bot"]
        and listed[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        == "ticket:confirm:42"
    )
    press = (
        await sim.control.post(
            "/callbacks",
            json={
                "user_id": user["id"],
                "chat_id": user["id"],
                "message_id": sent.message_id,
                "data": "ticket:confirm:42",
            },
        )
    ).json()
    updates = await drain(sim)
    query = updates[-1].callback_query
    assert query is not None and query.id == press["callback_query_id"]
    assert query.data == "ticket:confirm:42" and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await sim.bot.answer_callback_query(query.id, text="已确认")
    answer = (await sim.control.get(f"/callbacks/{query.id}")).json()
    assert answer["answered"] and answer["text"] == "已确认"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await sim.bot.answer_callback_query(query.id)
    # Forged data for a message that does not exist still arrives (as inaccessible).
    await sim.control.post(
        "/callbacks",
        json={"user_id": user["id"], "message_id": 999, "data": "admin:delete_everything"},
    )
    forged = (await drain(sim))[-1].callback_query
    assert forged.data == "admin:delete_everything" and forged.message.date == 0
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await sim.bot.answer_callback_query(forged.id, text="x" * 201)


async def test_edit_message_text(sim: Sim) -> None:
    """Edits apply, refuse no-ops and drop an omitted inline keyboard."""
    user = await sim.user()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    sent = await sim.bot.send_message(
        user["id"], "<b>待处理</b>", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "待处理" and sent.entities[0].type == "bold"
    edited = await sim.bot.edit_message_text(
        "已处理", chat_id=user["id"], message_id=sent.message_id, reply_markup=markup
    )
    assert edited.text == "已处理" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await sim.bot.edit_message_text(
            "已处理", chat_id=user["id"], message_id=sent.message_id, reply_markup=markup
        )
    # Without reply_markup the inline keyboard goes away, as in Telegram.
    await sim.bot.edit_message_text("完成", chat_id=user["id"], message_id=sent.message_id)
    stored = (await sim.control.get(f"/chats/{user['id']}/messages")).json()["messages"][-1]
    assert stored["edited"] and stored["text"] == "完成" and stored["reply_markup"] is None
    assert [h["text"] for h in stored["edit_history"]] == ["待处理", "已处理"]
    await sim.bot.edit_message_reply_markup(
        chat_id=user["id"], message_id=sent.message_id, reply_markup=markup
    )
    assert await sim.bot.delete_message(user["id"], sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await sim.bot.edit_message_text("x", chat_id=user["id"], message_id=sent.message_id)


async def test_validation_like_telegram(sim: Sim) -> None:
    """Telegram's validation errors are reproduced and counted as violations."""
    user = await sim.user()
    uid = user["id"]
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await sim.bot.send_message(uid, "长" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await sim.bot.send_message(uid, "  \n ")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await sim.bot.send_message(
            uid,
            "x",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="x" * 65)]]
            ),
        )
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await sim.bot.send_message(uid, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await sim.bot.send_message(uid, "1. Done!", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await sim.bot.send_message(-424242, "hi")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await sim.bot.send_photo(
            uid, BufferedInputFile(placeholder_png(4, 4), "p.png"), caption="c" * 1025
        )
    # None of the refused requests consumed tokens: three sends still fit the burst.
    await sim.bot.send_message(uid, "长" * 4096)
    await sim.bot.send_message(uid, "*bold* and 1\\.", parse_mode="MarkdownV2")
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📱 Share", request_contact=True)]]
    )
    await sim.bot.send_message(uid, "phone?", reply_markup=keyboard)
    stats = (await sim.control.get("/stats")).json()
    assert stats["violations"] == 6 and stats["violations_by_kind"] == {"bad_request": 6}
    assert stats["per_chat_counts"] == {str(uid): 3}


async def test_private_rate_limit(sim: Sim) -> None:
    """The fourth quick message to one private chat is refused with retry_after."""
    user = await sim.user()
    for n in range(3):
        await sim.bot.send_message(user["id"], f"msg {n}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await sim.bot.send_message(user["id"], "one too many")
    assert caught.value.retry_after >= 1
    stats = (await sim.control.get("/stats")).json()
    assert stats["violations"] == 1 and stats["violations_by_kind"] == {"rate_limit": 1}
    # Edits, chat actions and other chats are not limited by this chat's bucket.
    other = await sim.user()
    await sim.bot.send_message(other["id"], "fine")
    await sim.bot.send_chat_action(user["id"], "typing")


async def test_global_and_group_limits_and_limits_off(sim: Sim) -> None:
    """Global, paid, group and disabled limits behave as configured."""
    await sim.control.post("/limits", json={"global_per_second": 2, "global_burst": 2})
    users = [await sim.user() for _ in range(3)]
    await sim.bot.send_message(users[0]["id"], "a")
    await sim.bot.send_message(users[1]["id"], "b")
    with pytest.raises(TelegramRetryAfter):
        await sim.bot.send_message(users[2]["id"], "c")
    # Paid broadcasts use the 1000/s bucket instead.
    await sim.bot.send_message(users[2]["id"], "c", allow_paid_broadcast=True)
    await sim.control.post(
        "/limits", json={"global_per_second": 30, "global_burst": 30, "group_burst": 2}
    )
    group = (
        await sim.control.post("/chats", json={"title": "楼栋群", "members": [users[0]["id"]]})
    ).json()
    await sim.bot.send_message(group["id"], "1")
    await sim.bot.send_message(group["id"], "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await sim.bot.send_message(group["id"], "3")
    assert caught.value.retry_after >= 3  # 20/min → a token every 3 s
    await sim.control.post("/limits", json={"enabled": False})
    await asyncio.gather(*(sim.bot.send_message(group["id"], str(i)) for i in range(40)))
    assert (await sim.control.get("/stats")).json()["violations"] == 2


async def test_blocked_and_never_started(sim: Sim) -> None:
    """Blocked and never-started users give 403, not violations."""
    user = await sim.user()
    await sim.bot.send_message(user["id"], "hi")
    blocked = (await sim.control.post(f"/users/{user['id']}/block", json={"blocked": True})).json()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await sim.bot.send_message(user["id"], "still there?")
    updates = await drain(sim)
    member = updates[-1].my_chat_member
    assert updates[-1].update_id == blocked["update_id"]
    assert member.new_chat_member.status == "kicked" and member.old_chat_member.status == "member"
    stranger = await sim.user(started=False)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await sim.bot.send_message(stranger["id"], "hello?")
    await sim.say(stranger["id"], text="/start")
    await sim.bot.send_message(stranger["id"], "welcome")
    # 403s are not violations: the bot cannot know beforehand.
    assert (await sim.control.get("/stats")).json()["violations"] == 0


async def test_fault_schedule(sim: Sim) -> None:
    """Scheduled faults (429, 500, 403 per chat, hangs) hit exactly the next calls."""
    user = await sim.user()
    other = await sim.user()
    await sim.control.post(
        "/faults", json={"method": "sendMessage", "status": 429, "retry_after": 3, "count": 1}
    )
    with pytest.raises(TelegramRetryAfter) as caught:
        await sim.bot.send_message(user["id"], "x")
    assert caught.value.retry_after == 3
    await sim.control.post("/faults", json={"method": "sendMessage", "status": 500})
    with pytest.raises(TelegramServerError):
        await sim.bot.send_message(user["id"], "x")
    await sim.control.post(
        "/faults", json={"method": "sendMessage", "status": 403, "chat_id": user["id"]}
    )
    await sim.bot.send_message(other["id"], "not affected")
    with pytest.raises(TelegramForbiddenError):
        await sim.bot.send_message(user["id"], "x")
    # A hang longer than the client's timeout: the client gives up, the send still happens.
    await sim.control.post("/faults", json={"method": "sendMessage", "delay": 1.2})
    with pytest.raises(TelegramNetworkError):
        await sim.bot.send_message(user["id"], "slow", request_timeout=1)
    waited = (
        await sim.control.get(f"/chats/{user['id']}/wait", params={"count": 1, "timeout": 3})
    ).json()
    assert [m["text"] for m in waited["messages"]] == ["slow"]
    stats = (await sim.control.get("/stats")).json()
    assert stats["violations"] == 0 and stats["faults_triggered"] == 4
    assert (await sim.control.get("/faults")).json()["faults"] == []


async def test_upload_photo_document_album(sim: Sim) -> None:
    """Uploads by multipart, re-sends by file_id, albums and downloads work."""
    user = await sim.user()
    png = placeholder_png(200, 100)
    sent = await sim.bot.send_photo(
        user["id"], BufferedInputFile(png, "meter.png"), caption="读数"
    )
    assert sent.photo[-1].width == 200 and sent.photo[-1].height == 100
    file = await sim.bot.get_file(sent.photo[-1].file_id)
    downloaded = await sim.bot.download_file(file.file_path)
    assert downloaded.read() == png
    # Re-send by file_id.
    again = await sim.bot.send_photo(user["id"], sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    doc = await sim.bot.send_document(user["id"], BufferedInputFile(b"a,b\n1,2\n", "bills.csv"))
    assert doc.document.file_name == "bills.csv" and doc.document.mime_type == "text/csv"
    await sim.control.post("/limits", json={"private_burst": 10})
    album = await sim.bot.send_media_group(
        user["id"],
        media=[
            InputMediaPhoto(media=BufferedInputFile(png, "a.png"), caption="一"),
            InputMediaPhoto(media=BufferedInputFile(placeholder_png(30, 30), "b.png")),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert (await sim.control.get("/stats")).json()["per_chat_counts"][str(user["id"])] == 5


async def test_migrate_group(sim: Sim) -> None:
    """A migrated group answers migrate_to_chat_id and sends both service messages."""
    user = await sim.user()
    group = (
        await sim.control.post("/chats", json={"title": "业主群", "members": [user["id"]]})
    ).json()
    await sim.bot.send_message(group["id"], "通知")
    migrated = (await sim.control.post(f"/chats/{group['id']}/migrate")).json()
    new_id = migrated["new_chat_id"]
    assert str(new_id).startswith("-100")
    with pytest.raises(TelegramMigrateToChat) as caught:
        await sim.bot.send_message(group["id"], "通知 2")
    assert caught.value.migrate_to_chat_id == new_id
    updates = await drain(sim)
    assert updates[0].message.migrate_to_chat_id == new_id
    assert updates[1].message.migrate_from_chat_id == group["id"]
    assert updates[1].message.chat.type == "supergroup"
    await sim.bot.send_message(new_id, "通知 2")


async def test_forum_topics(sim: Sim) -> None:
    """Forum topics are created, closed, reopened and checked on send."""
    staff = await sim.user(first_name="物业", last_name="小张")
    forum = await sim.chat(title="工单", type="supergroup", is_forum=True, members=[staff["id"]])
    topic = await sim.bot.create_forum_topic(forum["id"], "BX-0001")
    assert topic.message_thread_id > 0 and topic.name == "BX-0001"
    sent = await sim.bot.send_message(
        forum["id"], "新工单", message_thread_id=topic.message_thread_id
    )
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    await sim.bot.close_forum_topic(forum["id"], topic.message_thread_id)
    # A closed topic takes messages from administrators that manage topics (this bot) only.
    await sim.bot.send_message(forum["id"], "已关闭", message_thread_id=topic.message_thread_id)
    await sim.control.post(
        f"/chats/{forum['id']}/bot_status", json={"status": "member", "by_user_id": staff["id"]}
    )
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await sim.bot.send_message(forum["id"], "x", message_thread_id=topic.message_thread_id)
    await sim.control.post(
        f"/chats/{forum['id']}/bot_status",
        json={"status": "administrator", "by_user_id": staff["id"]},
    )
    await sim.bot.reopen_forum_topic(forum["id"], topic.message_thread_id)
    await sim.bot.edit_forum_topic(forum["id"], topic.message_thread_id, name="BX-0001 已完成")
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await sim.bot.send_message(forum["id"], "x", message_thread_id=9999)
    plain = (await sim.control.post("/chats", json={"title": "普通群"})).json()
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await sim.bot.create_forum_topic(plain["id"], "x")
    waited = (await sim.control.get(f"/chats/{forum['id']}/wait", params={"count": 1})).json()
    assert [m["text"] for m in waited["messages"]] == ["新工单", "已关闭"]


async def test_commands_pins_and_chat_info(sim: Sim) -> None:
    """Commands per scope/language, pins, getChat and getChatMember work."""
    user = await sim.user(first_name="张", username="zhang")
    commands = [
        BotCommand(command="start", description="开始"),
        BotCommand(command="repair", description="报修"),
    ]
    assert await sim.bot.set_my_commands(commands)
    assert [c.command for c in await sim.bot.get_my_commands()] == ["start", "repair"]
    assert await sim.bot.set_my_commands(commands[:1], language_code="en")
    assert len(await sim.bot.get_my_commands(language_code="en")) == 1
    assert await sim.bot.delete_my_commands()
    assert await sim.bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await sim.bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    assert await sim.bot.set_chat_menu_button()
    sent = await sim.bot.send_message(user["id"], "公告")
    assert await sim.bot.pin_chat_message(user["id"], sent.message_id)
    chat = await sim.bot.get_chat(user["id"])
    assert chat.username == "zhang" and chat.pinned_message.message_id == sent.message_id
    assert await sim.bot.unpin_chat_message(user["id"])
    member = await sim.bot.get_chat_member(user["id"], user["id"])
    assert member.status == "member"
    group = (await sim.control.post("/chats", json={"title": "g", "members": [user["id"]]})).json()
    me = await sim.bot.get_chat_member(group["id"], 123456789)
    assert me.status == "administrator"
    assert await sim.bot.send_chat_action(user["id"], "typing")
    with pytest.raises(TelegramBadRequest):
        await sim.bot.send_chat_action(user["id"], "dancing")


async def test_redelivery_and_raw_updates(sim: Sim) -> None:
    """An update can be redelivered with the same update_id; raw updates validate."""
    user = await sim.user()
    sent = await sim.say(user["id"], text="once")
    first = await drain(sim)
    assert [u.update_id for u in first] == [sent["update_id"]]
    again = (
        await sim.control.post("/updates", json={"redeliver_update_id": sent["update_id"]})
    ).json()
    assert again == {"update_id": sent["update_id"], "redelivered": True}
    second = await drain(sim)
    assert [u.update_id for u in second] == [sent["update_id"]]
    assert second[0].message.text == "once"
    raw = first[0].message.model_dump(mode="json", exclude_none=True, by_alias=True)
    raw["text"] = "injected"
    injected = (await sim.control.post("/updates", json={"message": raw})).json()
    third = await drain(sim)
    assert third[0].update_id == injected["update_id"] > sent["update_id"]
    assert third[0].message.text == "injected"
    bad = await sim.control.post("/updates", json={"message": {"text": "no chat"}})
    assert bad.status_code == 400


async def test_getupdates_conflicts(sim: Sim) -> None:
    """A second getUpdates ends the first with 409 Conflict, as in Telegram."""
    first = asyncio.create_task(sim.bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(sim.bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_replies_captions_and_keyboards(sim: Sim) -> None:
    """Replies, captions, reply keyboards and their edits behave like Telegram."""
    user = await sim.user()
    uid = user["id"]
    await sim.control.post("/limits", json={"private_burst": 20})
    asked = await sim.say(uid, text="多少钱？")
    answer = await sim.bot.send_message(
        uid,
        "_120 元_",
        parse_mode="Markdown",
        reply_parameters=ReplyParameters(message_id=asked["message_id"]),
        protect_content=True,
        disable_notification=True,
    )
    assert answer.reply_to_message.text == "多少钱？" and answer.has_protected_content
    assert answer.text == "120 元" and answer.entities[0].type == "italic"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await sim.bot.send_message(uid, "x", reply_to_message_id=9999)
    await sim.bot.send_message(
        uid,
        "x",
        reply_parameters=ReplyParameters(message_id=9999, allow_sending_without_reply=True),
    )
    photo = await sim.bot.send_photo(
        uid, BufferedInputFile(placeholder_png(8, 8), "p.png"), caption="旧"
    )
    edited = await sim.bot.edit_message_caption(
        chat_id=uid, message_id=photo.message_id, caption="<i>新</i>", parse_mode="HTML"
    )
    assert edited.caption == "新" and edited.caption_entities[0].type == "italic"
    with pytest.raises(TelegramBadRequest, match="no text in the message"):
        await sim.bot.edit_message_text("t", chat_id=uid, message_id=photo.message_id)
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="是")]], one_time_keyboard=True)
    ask = await sim.bot.send_message(uid, "确认？", reply_markup=keyboard)
    await sim.bot.edit_message_text("确认吗？", chat_id=uid, message_id=ask.message_id)
    stored = (await sim.control.get(f"/chats/{uid}/messages")).json()["messages"][-1]
    assert stored["reply_markup"]["keyboard"] == [[{"text": "是"}]]  # edits keep reply keyboards
    await sim.bot.send_message(uid, "done", reply_markup=ReplyKeyboardRemove())
    messages = (await sim.control.get(f"/chats/{uid}/messages")).json()["messages"]
    assert messages[-1]["reply_markup"] == {"remove_keyboard": True}
    assert messages[1]["protect_content"] and messages[1]["reply_to_message_id"] == 1
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await sim.bot.edit_message_text("hack", chat_id=uid, message_id=asked["message_id"])
