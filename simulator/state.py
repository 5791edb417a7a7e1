"""In-memory state of the simulated Telegram: users, chats, messages, updates, files, faults
(simulator/faults.py).

Everything runs on one asyncio event loop and every mutation is synchronous, so no locks are
needed. Waiters (getUpdates long polls, the control API's `wait` endpoints, the webhook
sender) sleep on `Notifier`s that wake them as soon as something changes. Messages are kept
per chat (a list plus an index by id) so no request scans all messages.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from simulator.chats import SimChat, SimFile, SimUser
from simulator.faults import FaultPlan
from simulator.limits import Limits, RateLimiter
from simulator.notify import Notifier
from simulator.updatequeue import (
    DEFAULT_ALLOWED_UPDATES,
    UPDATE_HISTORY_SIZE,
    PendingUpdate,
    UpdateQueue,
)

FIRST_USER_ID = 10001


@dataclass
class CallbackRecord:
    """A callback query sent to the bot and what the bot answered."""

    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    update_id: int | None
    created_at: float
    answered: bool = False
    answered_at: float | None = None
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None
    notifier: Notifier = field(default_factory=Notifier)

    def public(self) -> dict[str, Any]:
        """Return the control API's view of the callback query."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "update_id": self.update_id,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "cache_time": self.cache_time,
            "answer_delay": (
                None if self.answered_at is None else round(self.answered_at - self.created_at, 3)
            ),
        }


@dataclass
class WebhookConfig:
    """What setWebhook configured, plus delivery statistics."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0
    failed_attempts: int = 0


class WebhookRunner(Protocol):
    """The webhook sender as the state sees it."""

    def start(self) -> None:
        """Start (or restart) delivering to the configured URL."""

    def wake(self) -> None:
        """Look at the queue again."""

    async def aclose(self) -> None:
        """Stop delivering."""


class SimState:
    """The whole simulated Telegram as seen by one bot."""

    def __init__(
        self,
        token: str,
        limits: Limits | None = None,
        *,
        bot_username: str = "linli_demo_bot",
        bot_first_name: str = "邻里",
    ) -> None:
        self.token = token
        bot_id_text = token.split(":", 1)[0]
        self.bot_id = int(bot_id_text) if bot_id_text.isdigit() else 1
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.limits = limits or Limits()
        self.limiter = RateLimiter(self.limits)
        self.privacy_mode = True
        self.webhook_retry_base = 0.1
        self.webhook_retry_cap = 5.0
        self.webhook_timeout = 30.0
        self.webhook: WebhookConfig | None = None
        self.webhook_runner: WebhookRunner | None = None
        self.update_notifier = Notifier()
        self._update_ids = itertools.count(1)
        self.last_update_id = 0
        self.poll_generation = 0
        self.closing = False  # the server is stopping: long polls answer at once
        self._init_data()

    def _init_data(self) -> None:
        """(Re)create everything `reset` clears."""
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.files: dict[str, SimFile] = {}
        self.files_by_path: dict[str, SimFile] = {}
        self.updates = UpdateQueue()
        self.update_history: OrderedDict[int, PendingUpdate] = OrderedDict()
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.callbacks: dict[str, CallbackRecord] = {}
        self.faults = FaultPlan()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.menu_buttons: dict[str, dict[str, Any]] = {}
        self.bot_texts: dict[str, str] = {}
        self._next_user_id = FIRST_USER_ID
        self._next_group = 1
        self._next_supergroup = 1
        self._file_counter = itertools.count(1)
        self._media_group_counter = itertools.count(13_000_000_000_000_001)
        self.calls_by_method: Counter[str] = Counter()
        self.sent_by_method: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.violations = 0
        self.violations_by_kind: Counter[str] = Counter()
        self.updates_enqueued = 0
        self.getupdates_conflicts = 0
        self.started_at = time.time()
        self.limiter.reset()

    def reset(self, *, drop_webhook: bool = False) -> None:
        """Forget users, chats, messages, files, updates, faults and counters.

        The bot identity, limits configuration, the update_id counter and (unless
        `drop_webhook`) the webhook survive, so a running bot keeps working: its polling
        offset stays valid.
        """
        if drop_webhook:
            self.drop_webhook()
        for chat in self.chats.values():
            chat.changed()
        self.updates.clear()
        self._init_data()
        self.update_notifier.notify()

    # --- ids ---------------------------------------------------------------------------

    def new_user_id(self) -> int:
        """Return the next free automatic user id (10001 upward)."""
        while self._next_user_id in self.users or self._next_user_id in self.chats:
            self._next_user_id += 1
        return self._next_user_id

    def new_chat_id(self, kind: str) -> int:
        """Return the next free automatic group (-2000NN) or supergroup (-100…) id."""
        while True:
            if kind == "supergroup":
                chat_id = -(1_001_000_000_000 + self._next_supergroup)
                self._next_supergroup += 1
            else:
                chat_id = -(200_000 + self._next_group)
                self._next_group += 1
            if chat_id not in self.chats:
                return chat_id

    def new_file_ids(self, kind: str) -> tuple[str, str]:
        """Return a fresh (file_id, file_unique_id) pair."""
        number = next(self._file_counter)
        prefix = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
        file_id = f"{prefix.get(kind, 'BQAC')}{number:06d}{secrets.token_urlsafe(18)}"
        return file_id, f"AQAD{number:06d}{secrets.token_urlsafe(4)}"

    def new_media_group_id(self) -> str:
        """Return a fresh media_group_id."""
        return str(next(self._media_group_counter))

    # --- users, chats, files ------------------------------------------------------------

    def add_user(self, user: SimUser) -> SimUser:
        """Store a user and create its private chat (chat id == user id)."""
        self.users[user.id] = user
        if user.id not in self.chats:
            self.chats[user.id] = SimChat(id=user.id, type="private", user_id=user.id)
        return user

    def add_chat(self, chat: SimChat) -> SimChat:
        """Store a group or supergroup."""
        self.chats[chat.id] = chat
        return chat

    def store_file(
        self,
        data: bytes,
        kind: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
    ) -> SimFile:
        """Keep bytes as a new file with fresh ids and a download path."""
        file_id, unique_id = self.new_file_ids(kind)
        folder = {"photo": "photos", "voice": "voice", "sticker": "stickers"}.get(
            kind, "documents"
        )
        extension = {"photo": ".jpg", "voice": ".oga", "sticker": ".webp"}.get(kind, "")
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1][:8]
        path = f"{folder}/file_{len(self.files)}{extension}"
        stored = SimFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=data,
            file_path=path,
            kind=kind,
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
        )
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    # --- updates -------------------------------------------------------------------------

    def enqueue_update(
        self,
        kind: str,
        payload: dict[str, Any],
        key: int,
        *,
        update_id: int | None = None,
        forced: bool = False,
    ) -> int | None:
        """Queue an update (id assigned unless given) and wake the consumers.

        Returns None when the bot's allowed_updates filter drops it, like Telegram does.
        """
        if kind not in self.allowed_updates and not forced:
            return None
        if update_id is None:
            update_id = next(self._update_ids)
        elif update_id > self.last_update_id:
            self._update_ids = itertools.count(update_id + 1)
        self.last_update_id = max(self.last_update_id, update_id)
        entry = PendingUpdate(
            update_id=update_id, kind=kind, payload=payload, key=key, forced=forced
        )
        self.updates.append(entry)
        self.update_history[update_id] = entry
        if len(self.update_history) > UPDATE_HISTORY_SIZE:
            self.update_history.popitem(last=False)
        self.updates_enqueued += 1
        self.update_notifier.notify()
        if self.webhook_runner is not None and self.webhook is not None:
            self.webhook_runner.wake()
        return update_id

    @staticmethod
    def update_dict(entry: PendingUpdate) -> dict[str, Any]:
        """The JSON object of an update."""
        return {"update_id": entry.update_id, entry.kind: entry.payload}

    # --- counters -----------------------------------------------------------------------------

    def record_violation(self, kind: str) -> None:
        """Count a request that the real Telegram would have refused."""
        self.violations += 1
        self.violations_by_kind[kind] += 1

    def stats(self) -> dict[str, Any]:
        """The control API's statistics."""
        per_chat = {
            str(chat.id): chat.bot_message_count
            for chat in self.chats.values()
            if chat.bot_message_count
        }
        webhook = None
        if self.webhook is not None:
            webhook = {
                "url": self.webhook.url,
                "delivered": self.webhook.delivered,
                "failed_attempts": self.webhook.failed_attempts,
                "last_error_message": self.webhook.last_error_message,
            }
        return {
            "sent_by_method": dict(self.sent_by_method),
            "calls_by_method": dict(self.calls_by_method),
            "errors": dict(self.errors),
            "violations": self.violations,
            "violations_by_kind": dict(self.violations_by_kind),
            "pending_updates": len(self.updates),
            "updates_enqueued": self.updates_enqueued,
            "last_update_id": self.last_update_id,
            "per_chat_counts": per_chat,
            "bot_messages": sum(per_chat.values()),
            "faults_triggered": self.faults.triggered,
            "faults_scheduled": len(self.faults),
            "getupdates_conflicts": self.getupdates_conflicts,
            "users": len(self.users),
            "chats": len(self.chats),
            "files": len(self.files),
            "limits": self.limits.as_dict(),
            "webhook": webhook,
        }

    def drop_webhook(self) -> None:
        """Forget the webhook (as deleteWebhook does) and let the sender stop."""
        self.webhook = None
        if self.webhook_runner is not None:
            self.webhook_runner.wake()
        self.update_notifier.notify()

    def configure_limits(self, limits: Limits) -> None:
        """Replace the limits (buckets start full)."""
        self.limits = limits
        self.limiter.configure(limits)

    def end_polls(self) -> None:
        """Answer every long poll now (with no updates), and later ones at once: a server
        stopping would otherwise wait out their timeouts, then cancel them with an error."""
        self.closing = True
        self.update_notifier.notify()

    async def aclose(self) -> None:
        """Stop background work (the webhook sender)."""
        if self.webhook_runner is not None:
            await self.webhook_runner.aclose()
