"""The web app. Routes translate HTTP into calls; no rules live here."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from api import broadcasts
from api import outbox as outbox_routes
from core.clock import Clock
from core.settings import Settings
from models.db import Database

log = logging.getLogger(__name__)


@dataclass
class WebhookTarget:
    """Where webhook updates go, and the secret Telegram must send with them."""

    bot: Bot
    dispatcher: Dispatcher
    secret: str | None


def create_api(
    *,
    db: Database,
    settings: Settings,
    clock: Clock,
    webhook: WebhookTarget | None = None,
    simulator: Any = None,
) -> FastAPI:
    app = FastAPI(
        title="Linli", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json"
    )
    app.state.webhook = webhook
    app.state.db, app.state.settings, app.state.clock = db, settings, clock
    app.include_router(broadcasts.router)
    app.include_router(outbox_routes.router)

    @app.get("/health")
    async def health() -> JSONResponse:
        """Up, and the database answers."""
        try:
            await db.ping()
        except Exception:
            log.exception("health check: database unreachable")
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.post("/telegram/webhook")
    async def telegram_webhook(
        request: Request,
        secret_token: Annotated[
            str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")
        ] = None,
    ) -> JSONResponse:
        """Take an update from Telegram; 401 unless it carries our secret."""
        target: WebhookTarget | None = app.state.webhook
        if (
            target is None
            or not target.secret
            or secret_token is None
            or not secrets.compare_digest(secret_token.encode(), target.secret.encode())
        ):
            raise HTTPException(status_code=401, detail="unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": target.bot})
        except (ValidationError, ValueError):
            raise HTTPException(status_code=400, detail="not an update") from None
        # Handled before answering: a crash means no 2xx, so Telegram delivers it again.
        await target.dispatcher.feed_update(target.bot, update)
        return JSONResponse({"ok": True})

    if simulator is not None:
        app.mount("/sim", simulator)

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/sim/")

    return app
