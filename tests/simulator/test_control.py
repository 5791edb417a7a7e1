"""The control API: personas, waits, privacy mode, mounting, and a real aiogram Dispatcher."""

from __future__ import annotations

import asyncio
import base64
import contextlib

import httpx
from aiogram import Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from simulator import DEMO_TOKEN, create_app
from simulator.media import placeholder_png

from .conftest import Sim


async def test_users_chats_and_personas(sim: Sim) -> None:
    """Users and chats get automatic ids and show up as personas with notes."""
    auto = await sim.user(first_name="赵")
    assert auto["id"] == 10001 and auto["started"] is True
    fixed = await sim.user(id=555, first_name="Ann", language_code="en", note="code LL-7Q2K")
    group = (
        await sim.control.post(
            "/chats",
            json={
                "title": "3号楼",
                "members": [auto["id"], fixed["id"]],
                "note": "building group",
            },
        )
    ).json()
    super_ = (
        await sim.control.post(
            "/chats", json={"title": "staff", "type": "supergroup", "is_forum": True}
        )
    ).json()
    assert group["id"] < 0 and str(super_["id"]).startswith("-100") and super_["is_forum"]
    personas = (await sim.control.get("/personas")).json()
    assert [u["id"] for u in personas["users"]] == [10001, 555]
    assert personas["users"][1]["note"] == "code LL-7Q2K"
    assert {c["id"] for c in personas["chats"]} == {group["id"], super_["id"]}
    assert personas["bot"]["username"] == "linli_demo_bot"
    bot = (await sim.control.get("/bot")).json()
    assert bot == {**bot, "id": 123456789, "username": "linli_demo_bot"}
    missing = await sim.control.post("/messages", json={"user_id": 1, "text": "x"})
    assert missing.status_code == 404


async def test_wait_and_wait_change(sim: Sim) -> None:
    """wait returns on the Nth bot message; wait_change returns on any change."""
    user = await sim.user()
    chat = user["id"]
    first = await sim.bot.send_message(chat, "one")

    async def later() -> None:
        """Send two messages a little later."""
        await asyncio.sleep(0.15)
        await sim.bot.send_message(chat, "two")
        await sim.bot.send_message(chat, "three")

    task = asyncio.create_task(later())
    waited = (
        await sim.control.get(
            f"/chats/{chat}/wait", params={"count": 2, "after_id": first.message_id, "timeout": 5}
        )
    ).json()
    await task
    assert not waited["timed_out"] and [m["text"] for m in waited["messages"]] == ["two", "three"]
    short = (
        await sim.control.get(f"/chats/{chat}/wait", params={"count": 5, "timeout": 0.2})
    ).json()
    assert short["timed_out"] and len(short["messages"]) == 3
    version = short["version"]
    change = asyncio.create_task(
        sim.control.get(
            f"/chats/{chat}/wait_change", params={"since_version": version, "timeout": 5}
        )
    )
    await asyncio.sleep(0.1)
    await sim.bot.edit_message_text("ONE", chat_id=chat, message_id=first.message_id)
    changed = (await change).json()
    assert changed["changed"] and changed["version"] > version
    quiet = (
        await sim.control.get(
            f"/chats/{chat}/wait_change",
            params={"since_version": changed["version"], "timeout": 0.1},
        )
    ).json()
    assert quiet == {**quiet, "changed": False, "timed_out": True}
    messages = (
        await sim.control.get(f"/chats/{chat}/messages", params={"after_id": first.message_id})
    ).json()
    assert [m["text"] for m in messages["messages"]] == ["two", "three"]


async def test_group_privacy_mode(sim: Sim) -> None:
    """A non-admin bot in a group only sees commands for it (privacy mode)."""
    user = await sim.user()
    group = (
        await sim.control.post(
            "/chats", json={"title": "lobby", "members": [user["id"]], "bot_status": "member"}
        )
    ).json()
    plain = await sim.say(user["id"], chat_id=group["id"], text="just chatting")
    command = await sim.say(user["id"], chat_id=group["id"], text="/repair@linli_demo_bot")
    other_bot = await sim.say(user["id"], chat_id=group["id"], text="/start@other_bot")
    assert plain["update_id"] is None and other_bot["update_id"] is None
    updates = await sim.bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [command["update_id"]]
    assert updates[0].message.chat.type == "group"
    promoted = (
        await sim.control.post(
            f"/chats/{group['id']}/bot_status", json={"status": "administrator"}
        )
    ).json()
    assert promoted["update_id"] is not None
    assert (await sim.say(user["id"], chat_id=group["id"], text="now visible"))["update_id"]


async def test_forum_topics_thread_replies_like_telegram(sim: Sim) -> None:
    """In a topic, a message answers the topic's first message; replies stay in the topic."""
    user = await sim.user()
    forum = await sim.chat(title="工单", type="supergroup", is_forum=True, members=[user["id"]])
    topic = await sim.bot.create_forum_topic(forum["id"], "BX-0001")
    thread = topic.message_thread_id
    said = await sim.say(
        user["id"], chat_id=forum["id"], text="我去看看", message_thread_id=thread
    )
    message = said["message"]
    assert message["message_thread_id"] == thread and message["is_topic_message"]
    assert message["reply_to_message"]["message_id"] == thread
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "BX-0001"
    # A reply without a thread id lands in the topic of what it answers (user and bot alike).
    answer = await sim.say(
        user["id"], chat_id=forum["id"], text="好", reply_to_message_id=said["message_id"]
    )
    assert answer["message"]["message_thread_id"] == thread
    sent = await sim.bot.send_message(
        forum["id"], "收到", reply_parameters=ReplyParameters(message_id=said["message_id"])
    )
    assert sent.message_thread_id == thread and sent.is_topic_message
    general = await sim.bot.send_message(forum["id"], "大家好")
    assert general.message_thread_id is None
    missing = await sim.control.post(
        "/messages",
        json={
            "user_id": user["id"],
            "chat_id": forum["id"],
            "text": "x",
            "message_thread_id": 999,
        },
    )
    assert missing.status_code == 400


async def test_user_media_voice_sticker_document(sim: Sim) -> None:
    """Users can send photos, documents, voice notes, stickers and contacts."""
    user = await sim.user()
    png = placeholder_png(50, 40)
    await sim.say(user["id"], photo={"data_base64": base64.b64encode(png).decode()})
    await sim.say(
        user["id"],
        document={"data_base64": base64.b64encode(b"x,y\n").decode(), "file_name": "rows.csv"},
        caption="导入",
    )
    await sim.say(user["id"], voice={"duration": 3})
    await sim.say(user["id"], sticker=True)
    await sim.say(user["id"], contact={"phone_number": "+8613900000000", "first_name": "邻居"})
    updates = await sim.bot.get_updates(timeout=0)
    messages = [u.message for u in updates]
    assert (messages[0].photo[-1].width, messages[0].photo[-1].height) == (50, 40)
    assert messages[1].document.file_name == "rows.csv" and messages[1].caption == "导入"
    assert messages[2].voice.duration == 3
    assert messages[3].sticker.emoji == "👍"
    assert messages[4].contact.phone_number == "+8613900000000"
    assert messages[4].contact.user_id is None  # someone else's number
    no_phone = await sim.control.post("/messages", json={"user_id": user["id"], "contact": {}})
    assert no_phone.status_code == 400
    data = await sim.bot.download(messages[1].document.file_id)
    assert data.read() == b"x,y\n"


async def test_reset_keeps_update_ids_increasing(sim: Sim) -> None:
    """A reset forgets data but update ids keep increasing."""
    user = await sim.user()
    first = await sim.say(user["id"], text="a")
    assert (await sim.control.post("/reset")).json()["last_update_id"] == first["update_id"]
    user = await sim.user()
    second = await sim.say(user["id"], text="b")
    assert second["update_id"] == first["update_id"] + 1
    stats = (await sim.control.get("/stats")).json()
    assert stats["pending_updates"] == 1 and stats["users"] == 1


async def test_dispatcher_end_to_end(sim: Sim) -> None:
    """A real aiogram Dispatcher polls the simulator and answers."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        """Greet with a menu."""
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="报修 Repair", callback_data="menu:repair")]
            ]
        )
        await message.answer(f"欢迎 {message.from_user.first_name}", reply_markup=keyboard)

    @router.callback_query(F.data == "menu:repair")
    async def repair(query: CallbackQuery) -> None:
        """Answer the button and edit the menu."""
        await query.answer("好的")
        await query.message.edit_text("请描述问题")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(
        dp.start_polling(sim.bot, polling_timeout=1, handle_signals=False, close_bot_session=False)
    )
    try:
        user = await sim.user(first_name="小明")
        await sim.say(user["id"], text="/start")
        waited = (
            await sim.control.get(f"/chats/{user['id']}/wait", params={"count": 1, "timeout": 5})
        ).json()
        reply = waited["messages"][0]
        assert reply["text"] == "欢迎 小明"
        press = (
            await sim.control.post(
                "/callbacks",
                json={
                    "user_id": user["id"],
                    "message_id": reply["message_id"],
                    "data": "menu:repair",
                },
            )
        ).json()
        answer = (
            await sim.control.get(
                f"/callbacks/{press['callback_query_id']}", params={"timeout": 5}
            )
        ).json()
        assert answer["answered"] and answer["text"] == "好的"
        for _ in range(100):
            messages = (await sim.control.get(f"/chats/{user['id']}/messages")).json()["messages"]
            if messages[-1]["edited"]:
                break
            await asyncio.sleep(0.02)
        assert messages[-1]["text"] == "请描述问题" and messages[-1]["reply_markup"] is None
    finally:
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, 5)


async def test_standalone_app_page_and_root_routes() -> None:
    """Without a mount, everything is at the root; the page uses relative URLs only."""
    app = create_app(DEMO_TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        page = await client.get("/")
        assert page.status_code == 200 and 'data-testid="messages"' in page.text
        assert 'src="/' not in page.text and 'href="/' not in page.text
        script = await client.get("/static/app.js")
        assert script.status_code == 200 and '"/control' not in script.text
        assert (await client.get("/static/style.css")).status_code == 200
        me = await client.get(f"/bot{DEMO_TOKEN}/getMe")
        assert me.json()["result"]["id"] == 123456789
        form = await client.post(f"/bot{DEMO_TOKEN}/getUpdates", data={"timeout": "0"})
        assert form.json() == {"ok": True, "result": []}
    await app.state.sim.aclose()


async def test_mounted_page(sim: Sim) -> None:
    """The page is served under the /sim mount (with a redirect from /sim)."""
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{sim.base}/")
        assert page.status_code == 200 and "static/app.js" in page.text
        redirected = await client.get(sim.base, follow_redirects=True)
        assert redirected.status_code == 200 and str(redirected.url).endswith("/sim/")
