"""The control API under `/control`: what users do in Telegram, and what tests inspect.

Tests and the chat page create users and groups, send messages and press buttons as those
users (each becomes an update for the bot), inspect what the bot sent, wait for it, block the
bot, migrate groups, schedule faults and read statistics. All bodies and answers are JSON.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response

from simulator.actions import (
    bot_status_update,
    create_chat,
    create_user,
    inject_update,
    migrate_chat,
    plain_message,
    press_button,
    set_blocked,
    user_message,
)
from simulator.bodies import (
    BlockIn,
    BotStatusIn,
    CallbackIn,
    ChatIn,
    FaultIn,
    LimitsIn,
    MessageIn,
    MigrateIn,
    ResetIn,
    UserIn,
)
from simulator.chats import SimChat, SimUser
from simulator.limits import Limits
from simulator.state import SimState


def build_control_router(state: SimState) -> APIRouter:
    """The `/control` routes over one SimState."""
    router = APIRouter(prefix="/control", tags=["control"])

    def get_user(user_id: int) -> SimUser:
        user = state.users.get(user_id)
        if user is None:
            raise HTTPException(404, f"unknown user {user_id}")
        return user

    def get_chat(chat_id: int) -> SimChat:
        chat = state.chats.get(chat_id)
        if chat is None:
            raise HTTPException(404, f"unknown chat {chat_id}")
        return chat

    @router.post("/users")
    def post_user(body: UserIn) -> dict[str, Any]:
        """Create a user (and its private chat)."""
        return create_user(state, body).public()

    @router.get("/users/{user_id}")
    def read_user(user_id: int) -> dict[str, Any]:
        """Show one user."""
        return get_user(user_id).public()

    @router.post("/users/{user_id}/block")
    def block_user(user_id: int, body: BlockIn | None = None) -> dict[str, Any]:
        """Block (or unblock) the bot as this user."""
        user = get_user(user_id)
        update_id = set_blocked(state, user, body.blocked if body else True)
        return {**user.public(), "update_id": update_id}

    @router.post("/chats")
    def post_chat(body: ChatIn) -> dict[str, Any]:
        """Create a group or supergroup."""
        return create_chat(state, body).public(state.users)

    @router.get("/chats/{chat_id}")
    def read_chat(chat_id: int) -> dict[str, Any]:
        """Show one chat."""
        return get_chat(chat_id).public(state.users)

    @router.post("/chats/{chat_id}/migrate")
    def migrate(chat_id: int, body: MigrateIn | None = None) -> dict[str, Any]:
        """Upgrade a group to a supergroup."""
        return migrate_chat(state, get_chat(chat_id), body or MigrateIn())

    @router.post("/chats/{chat_id}/bot_status")
    def bot_status(chat_id: int, body: BotStatusIn) -> dict[str, Any]:
        """Add, promote or remove the bot in a group (sends my_chat_member)."""
        chat = get_chat(chat_id)
        if not chat.is_group:
            raise HTTPException(400, "only groups have a bot status")
        by_id = (
            body.by_user_id
            if body.by_user_id is not None
            else (chat.members[0] if chat.members else None)
        )
        if by_id is None:
            raise HTTPException(400, "by_user_id is needed for a group without members")
        old = chat.bot_status
        chat.bot_status = body.status
        chat.changed()
        update_id = None
        if old != body.status:
            update_id = bot_status_update(state, chat, get_user(by_id), old, body.status)
        return {**chat.public(), "update_id": update_id}

    @router.get("/personas")
    def personas() -> dict[str, Any]:
        """Users and groups for the chat page's persona picker."""
        return {
            "bot": {
                "id": state.bot_id,
                "username": state.bot_username,
                "first_name": state.bot_first_name,
            },
            "users": [user.public() for user in state.users.values()],
            "chats": [
                chat.public(state.users)
                for chat in state.chats.values()
                if chat.is_group and chat.migrated_to is None
            ],
        }

    @router.post("/messages")
    def post_message(body: MessageIn) -> dict[str, Any]:
        """Send a message as a user (becomes an update for the bot)."""
        return user_message(state, body)

    @router.post("/callbacks")
    def post_callback(body: CallbackIn) -> dict[str, Any]:
        """Press an inline button as a user."""
        return press_button(state, body)

    @router.get("/callbacks/{callback_query_id}")
    async def read_callback(
        callback_query_id: str,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=120)] = 0,
    ) -> dict[str, Any]:
        """Whether and how the bot answered; `timeout` waits for the answer."""
        record = state.callbacks.get(callback_query_id)
        if record is None:
            raise HTTPException(404, f"unknown callback query {callback_query_id}")
        if not record.answered and wait_seconds > 0:
            deadline = time.monotonic() + wait_seconds
            while not record.answered and time.monotonic() < deadline:
                await record.notifier.wait(deadline - time.monotonic())
        return record.public()

    @router.post("/updates")
    def post_update(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Inject a raw update, or redeliver one: {"redeliver_update_id": N}."""
        return inject_update(state, body)

    @router.get("/chats/{chat_id}/messages")
    def chat_messages(chat_id: int, after_id: int = 0) -> dict[str, Any]:
        """All messages (bot and users) after `after_id`."""
        chat = get_chat(chat_id)
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "messages": [plain_message(state, m) for m in chat.messages_after(after_id)],
        }

    @router.get("/chats/{chat_id}/wait")
    async def wait_messages(
        chat_id: int,
        count: Annotated[int, Query(ge=1)] = 1,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 10,
        after_id: int = 0,
    ) -> dict[str, Any]:
        """Wait until the bot has sent `count` messages after `after_id` (or time out)."""
        chat = get_chat(chat_id)
        deadline = time.monotonic() + wait_seconds
        while True:
            sent = [m for m in chat.messages_after(after_id) if m.from_bot and m.service is None]
            remaining = deadline - time.monotonic()
            if len(sent) >= count or remaining <= 0 or state.chats.get(chat_id) is not chat:
                return {
                    "chat_id": chat.id,
                    "timed_out": len(sent) < count,
                    "version": chat.version,
                    "messages": [plain_message(state, m) for m in sent],
                }
            await chat.notifier.wait(remaining)

    @router.get("/chats/{chat_id}/wait_change")
    async def wait_change(
        chat_id: int,
        since_version: int = 0,
        wait_seconds: Annotated[float, Query(alias="timeout", ge=0, le=300)] = 25,
    ) -> dict[str, Any]:
        """Wait until the chat's version differs from `since_version` (or time out)."""
        chat = get_chat(chat_id)
        if chat.version == since_version and wait_seconds > 0:
            deadline = time.monotonic() + wait_seconds
            while chat.version == since_version and state.chats.get(chat_id) is chat:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                await chat.notifier.wait(remaining)
        changed = chat.version != since_version
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "changed": changed,
            "timed_out": not changed,
        }

    @router.get("/files/{file_id}")
    def download(file_id: str) -> Response:
        """The bytes of a stored file (for the chat page; no token needed)."""
        stored = state.files.get(file_id)
        if stored is None:
            raise HTTPException(404, "unknown file")
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    @router.post("/faults")
    def post_fault(body: FaultIn) -> dict[str, Any]:
        """Schedule a fault for the next `count` calls of `method` ("*" for any)."""
        if body.status is None and body.delay <= 0:
            raise HTTPException(400, "a fault needs a status or a delay")
        if body.count < 1:
            raise HTTPException(400, "count must be at least 1")
        fault = state.faults.add(
            body.method,
            count=body.count,
            status=body.status,
            retry_after=body.retry_after,
            delay=body.delay,
            chat_id=body.chat_id,
            description=body.description,
        )
        return fault.public()

    @router.get("/faults")
    def list_faults() -> dict[str, Any]:
        """The faults still scheduled."""
        return {"faults": [fault.public() for fault in state.faults]}

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        """Cancel every scheduled fault."""
        count = len(state.faults)
        state.faults.clear()
        return {"cleared": count}

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        """Counters: calls, sends, errors, violations, pending updates, per-chat counts."""
        return state.stats()

    @router.post("/reset")
    def reset(body: ResetIn | None = None) -> dict[str, Any]:
        """Forget users, chats, messages, files, updates, faults and counters."""
        state.reset(drop_webhook=bool(body and body.drop_webhook))
        return {"ok": True, "last_update_id": state.last_update_id}

    @router.get("/bot")
    def bot() -> dict[str, Any]:
        """The simulated bot's identity."""
        return {
            "id": state.bot_id,
            "token_id": state.bot_id,
            "username": state.bot_username,
            "first_name": state.bot_first_name,
            "privacy_mode": state.privacy_mode,
            "webhook_url": state.webhook.url if state.webhook else None,
        }

    @router.get("/limits")
    def read_limits() -> dict[str, Any]:
        """The current rate limits."""
        return state.limits.as_dict()

    @router.post("/limits")
    def set_limits(body: LimitsIn) -> dict[str, Any]:
        """Change the rate limits at runtime (buckets start full)."""
        current = state.limits.as_dict()
        current.update(body.model_dump(exclude_none=True))
        state.configure_limits(Limits(**current))  # type: ignore[arg-type]
        return state.limits.as_dict()

    return router
