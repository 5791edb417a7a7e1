"""Joining a household: binding code (typed, /start CODE, deep link), shared phone, approval.

One router; its handlers are registered in the order of the imports below (code first).
"""

from handlers.onboarding import code, phone, render  # noqa: F401 - registers the handlers
from handlers.onboarding.common import router

__all__ = ["router"]
