"""A person opens /sim in a real browser (headless Chromium), joins their home, sees the menu."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from tests.e2e.conftest import demo_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# `make test` installs Debian's chromium; only a bare `pytest` on a machine without it skips.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no chromium"
)


@pytest.fixture
async def demo(database_url: str) -> AsyncIterator[str]:
    """The product as `make run` starts it: demo mode, simulator at /sim, seeded estate."""
    settings = demo_settings(database_url)
    runtime = Runtime(settings, demo=True)
    task = asyncio.create_task(runtime.serve())
    ready = asyncio.create_task(runtime.ready.wait())
    done, _ = await asyncio.wait([task, ready], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    yield settings.public_url
    runtime.stop.set()
    await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    assert CHROMIUM, "chromium is missing: `make test` installs Debian's chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = await browser.new_context(viewport={"width": 420, "height": 860}, locale="zh-CN")
        page = await context.new_page()
        yield page
        await browser.close()


async def test_a_resident_joins_by_phone_in_the_browser_and_sees_the_menu(
    demo: str, page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    await page.goto(f"{demo}/sim")
    await page.get_by_test_id("persona-10001").click()  # 张阿姨, owner of 1栋1单元101
    await page.get_by_test_id("composer").fill("/start")
    await page.get_by_test_id("send").click()
    welcome = page.get_by_test_id("bot-message").filter(has_text="绑定码")
    await expect(welcome.first).to_be_visible(timeout=15_000)

    await page.get_by_test_id("reply-button").filter(has_text="手机号").click()
    bound = page.get_by_test_id("bot-message").filter(has_text="1栋 1单元 101")
    await expect(bound.first).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("reply-button").filter(has_text="我的家")).to_be_visible()

    await page.get_by_test_id("reply-button").filter(has_text="我的家").click()
    await expect(page.get_by_test_id("bot-message").filter(has_text="成员").first).to_be_visible(
        timeout=15_000
    )
    await page.screenshot(path=str(tmp_path / "sim.png"), full_page=True)
    if os.environ.get("LINLI_SCREENSHOT"):
        shutil.copy(tmp_path / "sim.png", os.environ["LINLI_SCREENSHOT"])


async def test_a_tenant_asks_to_join_and_the_dispatcher_approves_in_the_group(
    demo: str, page
) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    await page.goto(f"{demo}/sim")
    await page.get_by_test_id("persona-10003").click()  # 王女士, not on the roster
    await page.get_by_test_id("share-contact").click()
    await page.get_by_test_id("inline-button").filter(has_text="2栋").first.click()
    await page.get_by_test_id("inline-button").filter(has_text="1单元").first.click()
    await page.get_by_test_id("inline-button").filter(has_text="401").first.click()
    await page.get_by_test_id("inline-button").filter(has_text="租户").first.click()
    await expect(page.get_by_test_id("bot-message").filter(has_text="已发送").first).to_be_visible(
        timeout=15_000
    )

    await page.get_by_test_id("back").click()
    await page.get_by_test_id(
        "persona-1001000000001".replace("1001", "-1001", 1)
    ).click()  # the group
    await page.get_by_test_id("speak-as").select_option("900002")  # 刘调度, the dispatcher
    await page.get_by_test_id("inline-button").filter(has_text="通过").first.click()
    await expect(page.get_by_test_id("bot-message").filter(has_text="刘调度").first).to_be_visible(
        timeout=15_000
    )

    await page.get_by_test_id("back").click()
    await page.get_by_test_id("persona-10003").click()
    await expect(
        page.get_by_test_id("bot-message")
        .filter(has_text="2栋 1单元 401")
        .filter(has_text="租户")
        .last
    ).to_be_visible(timeout=15_000)
