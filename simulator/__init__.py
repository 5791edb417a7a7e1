"""A Telegram Bot API simulator on loopback, with a control API and a browser chat page.

It imports nothing from the rest of Linli. Start it with `create_app(token)` (a FastAPI app,
mountable under a prefix) or `python -m simulator`; point aiogram at it with
`AiohttpSession(api=TelegramAPIServer.from_base(base_url))`.
"""

from simulator.app import DEMO_TOKEN, create_app, serve
from simulator.limits import Limits
from simulator.state import SimState

__all__ = ["DEMO_TOKEN", "Limits", "SimState", "create_app", "serve"]
