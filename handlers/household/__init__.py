"""“My home”: the address, who else is in the household, and (for owners) inviting,
removing and giving the home a new binding code."""

from handlers.household import actions, render  # noqa: F401 - registers handlers and notices
from handlers.household.common import router

__all__ = ["router"]
