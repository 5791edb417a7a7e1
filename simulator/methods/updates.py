"""Bot API methods: the bot itself, getUpdates and the webhook."""

from __future__ import annotations

import time
from typing import Any

from simulator import tgtypes
from simulator.methods.common import SECRET_RE, MethodsBase
from simulator.params import ApiError, Params, bad_request
from simulator.state import WebhookConfig
from simulator.updatequeue import DEFAULT_ALLOWED_UPDATES


class UpdateMethods(MethodsBase):
    """getMe, logOut, close, getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

    def m_getMe(self, params: Params) -> dict[str, Any]:
        """Return the bot's User."""
        return tgtypes.bot_user(self.state, full=True).to_dict()

    def m_logOut(self, params: Params) -> bool:
        """Pretend to log out."""
        return True

    def m_close(self, params: Params) -> bool:
        """Pretend to close the bot instance."""
        return True

    async def m_getUpdates(self, params: Params) -> list[dict[str, Any]]:
        """Long-poll for updates; an offset confirms every update below it."""
        state = self.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violation="conflict",
            )
        offset = params.get_int("offset")
        limit = max(1, min(100, params.get_int("limit", 100) or 100))
        timeout = max(0.0, min(50.0, params.get_float("timeout", 0.0) or 0.0))
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if offset is not None:
            if offset < 0:
                state.updates.keep_last(-offset)
                offset = None
            else:
                state.updates.confirm_below(offset)
        state.poll_generation += 1
        generation = state.poll_generation
        state.update_notifier.notify()  # an older long poll ends with 409 Conflict
        deadline = time.monotonic() + timeout
        while True:
            batch = state.updates.take_batch(offset, limit)
            if batch:
                return [state.update_dict(entry) for entry in batch]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or state.closing:
                return []
            await state.update_notifier.wait(remaining)
            if state.poll_generation != generation:
                state.getupdates_conflicts += 1
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if state.webhook is not None or state.closing:
                return []

    def m_setWebhook(self, params: Params) -> bool:
        """Set (or, with an empty url, remove) the webhook and start delivering to it."""
        state = self.state
        url = (params.get_str("url") or "").strip()
        if not url:
            return self.m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get_str("secret_token")
        if secret is not None and secret != "" and not SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get_int("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be in 1..100")
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if params.get_bool("drop_pending_updates"):
            state.updates.clear()
        state.webhook = WebhookConfig(
            url=url,
            secret_token=secret or None,
            max_connections=max_connections,
            allowed_updates=sorted(state.allowed_updates),
            ip_address=params.get_str("ip_address"),
        )
        state.update_notifier.notify()
        if state.webhook_runner is not None:
            state.webhook_runner.start()
        return True

    def m_deleteWebhook(self, params: Params) -> bool:
        """Remove the webhook (optionally dropping pending updates)."""
        state = self.state
        state.drop_webhook()
        if params.get_bool("drop_pending_updates"):
            state.updates.clear()
        return True

    def m_getWebhookInfo(self, params: Params) -> dict[str, Any]:
        """Return the WebhookInfo."""
        return tgtypes.webhook_info(self.state)
