"""The browser chat page: a persona picker and a Telegram-like chat, served at the app root.

The page is static (vanilla JS, no build step, no CDN) and uses relative URLs only, so it
works both standalone (`/`) and mounted under a prefix such as `/sim/`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

STATIC_DIR = Path(__file__).with_name("static")
_ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}


def build_web_router() -> APIRouter:
    """Routes for `/` (the page) and `/static/<asset>`."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def index() -> Response:
        """Serve the chat page."""
        return FileResponse(
            STATIC_DIR / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @router.get("/static/{name}")
    def asset(name: str) -> Response:
        """Serve the page's script and stylesheet."""
        media_type = _ASSETS.get(name)
        if media_type is None:
            return Response("not found", status_code=404)
        return FileResponse(
            STATIC_DIR / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
        )

    return router
