"""Webhook delivery: secret header, retries until 2xx, replies in the webhook response."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from .conftest import Sim


class Receiver:
    """A tiny aiohttp webhook endpoint that fails on demand."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.fail_next = 0
        self.reply: dict[str, Any] | None = None
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the update; answer 500 while `fail_next` lasts."""
        body = await request.json()
        self.received.append((body, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.arrived.set()
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500, text="boom")
        if self.reply is not None:
            reply, self.reply = self.reply, None
            return web.json_response(reply)
        return web.Response(text="ok")

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def wait_for(self, count: int, seconds: float = 5) -> None:
        """Wait until `count` requests arrived."""
        async with asyncio.timeout(seconds):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> Any:
    """A running webhook receiver."""
    receiver = Receiver()
    await receiver.start()
    yield receiver
    assert receiver.runner is not None
    await receiver.runner.cleanup()


async def test_webhook_delivery_with_secret_and_retry(sim: Sim, receiver: Receiver) -> None:
    """Updates are POSTed with the secret, retried until 2xx; replies run."""
    user = await sim.user()
    early = await sim.say(user["id"], text="before the webhook")
    assert await sim.bot.set_webhook(receiver.url, secret_token="s3cret-Token_1")
    with pytest.raises(TelegramConflictError):
        await sim.bot.get_updates(timeout=0)
    await receiver.wait_for(1)
    body, secret = receiver.received[0]
    assert secret == "s3cret-Token_1" and body["update_id"] == early["update_id"]

    receiver.fail_next = 2
    later = await sim.say(user["id"], text="/help")
    await receiver.wait_for(4)
    ids = [body["update_id"] for body, _ in receiver.received]
    assert ids == [early["update_id"]] + [later["update_id"]] * 3
    assert receiver.received[-1][0]["message"]["text"] == "/help"
    for _ in range(50):
        if (await sim.bot.get_webhook_info()).pending_update_count == 0:
            break
        await asyncio.sleep(0.02)
    info = await sim.bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message and "500" in info.last_error_message

    # A method in the webhook response is executed, as Telegram does.
    receiver.reply = {"method": "sendMessage", "chat_id": user["id"], "text": "pong"}
    await sim.say(user["id"], text="ping")
    waited = (
        await sim.control.get(f"/chats/{user['id']}/wait", params={"count": 1, "timeout": 5})
    ).json()
    assert [m["text"] for m in waited["messages"]] == ["pong"]

    assert await sim.bot.delete_webhook()
    await sim.say(user["id"], text="polling again")
    updates = await sim.bot.get_updates(timeout=1)
    assert [u.message.text for u in updates] == ["polling again"]
    stats = (await sim.control.get("/stats")).json()
    assert stats["violations"] == 1  # getUpdates while the webhook was active


async def test_webhook_keeps_chat_order(sim: Sim, receiver: Receiver) -> None:
    """Webhook deliveries of one chat stay in order even after a failure."""
    users = [await sim.user() for _ in range(3)]
    receiver.fail_next = 1
    await sim.bot.set_webhook(receiver.url, drop_pending_updates=True)
    for n in range(5):
        for user in users:
            await sim.say(user["id"], text=f"{n}")
    await receiver.wait_for(16)
    per_chat: dict[int, list[str]] = {}
    delivered = set()
    for body, _ in receiver.received:
        message = body["message"]
        if (body["update_id"]) in delivered:
            continue
        delivered.add(body["update_id"])
        per_chat.setdefault(message["chat"]["id"], []).append(message["text"])
    assert len(delivered) == 15
    assert all(texts == ["0", "1", "2", "3", "4"] for texts in per_chat.values())
    assert receiver.received[0][1] is None  # no secret configured, no header
