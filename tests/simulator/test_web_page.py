"""The chat page in a real browser (Debian's chromium through Playwright), mounted at /sim/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from simulator.media import placeholder_png

from .conftest import Sim

CHROMIUM = next(
    (
        p
        for p in (
            os.environ.get("LINLI_CHROMIUM"),
            "/usr/lib/chromium/chromium",
            shutil.which("chromium"),
        )
        if p and os.path.exists(p)
    ),
    None,
)
playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A fresh browser page."""
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 420, "height": 860})
        yield await context.new_page()
        await browser.close()


async def next_update(sim: Sim) -> Any:
    """Wait for the next update and confirm it."""
    updates = await sim.bot.get_updates(timeout=5, limit=1)
    assert updates, "no update arrived"
    await sim.bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    return updates[0]


async def test_private_chat_in_browser(sim: Sim, page: Any) -> None:
    """A resident chats with the bot in the browser: buttons, contact, text, edits, photo."""
    expect = playwright_api.expect
    user = await sim.user(
        first_name="王",
        last_name="阿姨",
        phone_number="+8613800000001",
        note="绑定码 binding code: LL-7Q2K",
    )
    await sim.control.post("/limits", json={"enabled": False})
    uid = user["id"]
    menu = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="报修 Repair", callback_data="menu:repair")]]
    )
    first = await sim.bot.send_message(
        uid, "<b>您好</b>，请选择", parse_mode="HTML", reply_markup=menu
    )
    share = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📱 分享手机号", request_contact=True)]],
        resize_keyboard=True,
    )
    await sim.bot.send_message(uid, "请分享手机号", reply_markup=share)

    await page.goto(f"{sim.base}/")
    persona = page.get_by_test_id(f"persona-{uid}")
    await expect(persona).to_contain_text("LL-7Q2K")
    await persona.click()
    bot_messages = page.get_by_test_id("bot-message")
    await expect(bot_messages).to_have_count(2)
    await expect(bot_messages.first.locator("b")).to_have_text("您好")

    # Inline button → callback query; the bot's answer shows as a toast.
    await page.get_by_test_id("inline-button").click()
    update = await next_update(sim)
    assert update.callback_query.data == "menu:repair"
    assert update.callback_query.from_user.id == uid
    await sim.bot.answer_callback_query(update.callback_query.id, text="已收到 Received")
    await expect(page.get_by_test_id("toast")).to_contain_text("已收到")

    # Reply keyboard with request_contact shares the persona's own phone.
    await page.get_by_test_id("reply-button").click()
    update = await next_update(sim)
    assert update.message.contact.phone_number == "+8613800000001"
    assert update.message.contact.user_id == uid

    # Typing and sending.
    await page.get_by_test_id("composer").fill("厨房漏水")
    await page.get_by_test_id("send").click()
    update = await next_update(sim)
    assert update.message.text == "厨房漏水"

    # Edits show up in place; photos render.
    await sim.bot.edit_message_text("已派单", chat_id=uid, message_id=first.message_id)
    await expect(bot_messages.first).to_contain_text("已派单")
    await expect(bot_messages.first).to_contain_text("edited")
    await sim.bot.send_photo(uid, BufferedInputFile(placeholder_png(120, 80), "p.png"))
    photo = page.get_by_test_id("photo")
    await expect(photo).to_have_count(1)
    await page.wait_for_function(
        "document.querySelector('[data-testid=photo]').naturalWidth === 120"
    )


async def test_group_speak_as_in_browser(sim: Sim, page: Any) -> None:
    """In a group, the page sends as the member chosen in 'speak as'."""
    expect = playwright_api.expect
    a = await sim.user(first_name="甲")
    b = await sim.user(first_name="乙")
    group = (
        await sim.control.post(
            "/chats",
            json={
                "title": "5号楼",
                "members": [a["id"], b["id"]],
                "note": "楼栋群 building group",
            },
        )
    ).json()
    await page.goto(f"{sim.base}/")
    await page.get_by_test_id(f"persona-{group['id']}").click()
    await page.get_by_test_id("speak-as").select_option(str(b["id"]))
    await page.get_by_test_id("composer").fill("电梯坏了")
    await page.get_by_test_id("composer").press("Enter")
    update = await next_update(sim)
    assert update.message.from_user.id == b["id"] and update.message.chat.id == group["id"]
    await sim.bot.send_message(group["id"], "已通知维修")
    await expect(page.get_by_test_id("bot-message")).to_have_text([re.compile("已通知维修")])
