"""Acting as people in the simulator, over its HTTP control API, and reading what they got."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from core.settings import DEFAULT_TIMEZONE

Message = dict[str, Any]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def settled(probe: Callable[[], Awaitable[T]], expected: T, timeout: float = 5.0) -> T:
    """What `probe` reads once it equals `expected`, or once `timeout` has passed (then the
    caller's assertion fails on it). A button is answered from inside its update's
    transaction, so what that transaction writes lands a moment after the answer."""
    step = 0.05
    for _ in range(round(timeout / step)):
        found = await probe()
        if found == expected:
            return found
        await asyncio.sleep(step)
    return await probe()


class ShiftedClock:
    """Real time, moved to start at `at` (a frozen clock would freeze the sender's buckets);
    `advance` jumps it on."""

    def __init__(self, at: datetime) -> None:
        self._shift = at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._shift

    def advance(self, **delta: float) -> None:
        self._shift += timedelta(**delta)


def tomorrow_morning(now: datetime) -> str:
    """The visit-time code of tomorrow morning in the demo estate (always offered)."""
    day = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date() + timedelta(days=1)
    return f"{day.isoformat()}.morning"


def buttons(message: Message) -> list[tuple[str, str]]:
    """(text, callback_data) of a message's inline buttons, row by row."""
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def reply_buttons(message: Message) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("keyboard", []) for b in row]


def text_of(message: Message) -> str:
    return message.get("text") or message.get("caption") or ""


def has_button(data: str) -> Callable[[Message], bool]:
    """A test of a message: it offers a button carrying exactly this callback data."""
    return lambda m: any(d == data for _t, d in buttons(m))


async def press(sim: Sim, user: int, message: Message, data: str) -> dict[str, Any]:
    """Press, in `user`'s private chat, the button carrying exactly this callback data;
    returns the bot's answer."""
    assert any(d == data for _t, d in buttons(message)), f"no {data!r} in {buttons(message)}"
    pressed = await sim.press(user, user, message["message_id"], data)
    return await sim.callback_answer(pressed["callback_query_id"], wait=10)


async def ask_and_press(sim: Sim, user: int, data: str) -> dict[str, Any]:
    """Wait for the newest message offering this button, then press it."""
    question = await sim.wait_for(user, has_button(data), what=f"a button {data!r}")
    return await press(sim, user, question, data)


class Sim:
    """The simulator's control API, as a test uses it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url + "/control", timeout=30)

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def reset(self) -> None:
        (await self.http.post("/reset")).raise_for_status()

    async def user(
        self,
        user_id: int,
        first_name: str,
        *,
        phone: str | None = None,
        language_code: str = "zh-hans",
    ) -> dict[str, Any]:
        return await self._post(
            "/users",
            {
                "id": user_id,
                "first_name": first_name,
                "phone_number": phone,
                "language_code": language_code,
            },
        )

    async def group(
        self,
        chat_id: int,
        title: str,
        members: list[int],
        *,
        type: str = "supergroup",
        forum: bool = False,
    ) -> dict[str, Any]:
        return await self._post(
            "/chats",
            {"id": chat_id, "title": title, "type": type, "members": members, "is_forum": forum},
        )

    async def topics(self, chat_id: int) -> list[dict[str, Any]]:
        """A forum's topics: message_thread_id, name, closed."""
        response = await self.http.get(f"/chats/{chat_id}")
        response.raise_for_status()
        return response.json()["topics"]  # type: ignore[no-any-return]

    async def send(
        self, user_id: int, text: str | None = None, *, chat_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"user_id": user_id, **extra}
        if text is not None:
            body["text"] = text
        if chat_id is not None:
            body["chat_id"] = chat_id
        return await self._post("/messages", body)

    async def share_contact(
        self, user_id: int, *, phone: str | None = None, contact_user_id: int | None = None
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {}
        if phone is not None:
            contact["phone_number"] = phone
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self.send(user_id, contact=contact)

    async def press(
        self, user_id: int, chat_id: int, message_id: int, data: str
    ) -> dict[str, Any]:
        return await self._post(
            "/callbacks",
            {"user_id": user_id, "chat_id": chat_id, "message_id": message_id, "data": data},
        )

    async def callback_answer(self, callback_query_id: str, *, wait: float = 0) -> dict[str, Any]:
        """How the bot answered a button press; `wait` seconds for it to answer at all."""
        response = await self.http.get(f"/callbacks/{callback_query_id}", params={"timeout": wait})
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def messages(self, chat_id: int) -> list[Message]:
        response = await self.http.get(f"/chats/{chat_id}/messages")
        response.raise_for_status()
        data = response.json()
        return data["messages"] if isinstance(data, dict) else data  # type: ignore[no-any-return]

    async def bot_messages(self, chat_id: int) -> list[Message]:
        return [
            m for m in await self.messages(chat_id) if m.get("from_bot") and not m.get("deleted")
        ]

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("/stats")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[Message], bool],
        *,
        timeout: float = 10.0,
        what: str = "a message",
    ) -> Message:
        """The newest bot message in the chat that satisfies `predicate`, waiting for it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in reversed(await self.bot_messages(chat_id)):
                if predicate(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                seen = [text_of(m)[:80] for m in await self.bot_messages(chat_id)]
                raise AssertionError(
                    f"chat {chat_id}: no {what} within {timeout}s; bot said {seen}"
                )
            await asyncio.sleep(0.05)

    async def wait_text(self, chat_id: int, *needles: str, timeout: float = 10.0) -> Message:
        """The newest bot message containing every needle."""
        return await self.wait_for(
            chat_id,
            lambda m: all(n in text_of(m) for n in needles),
            timeout=timeout,
            what=f"message containing {needles}",
        )

    async def wait_count(
        self, chat_id: int, count: int, *, timeout: float = 10.0
    ) -> list[Message]:
        """Wait until the chat holds at least `count` bot messages; return them all."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.bot_messages(chat_id)
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"chat {chat_id}: {len(found)} bot messages, expected {count}: "
                    f"{[text_of(m)[:60] for m in found]}"
                )
            await asyncio.sleep(0.05)

    async def press_button(
        self, user_id: int, chat_id: int, message: Message, label: str
    ) -> dict[str, Any]:
        """Press the inline button whose text contains `label`."""
        for text, data in buttons(message):
            if label in text:
                return await self.press(user_id, chat_id, message["message_id"], data)
        raise AssertionError(f"no button {label!r} in {buttons(message)}")
