"""“My home”: the address, who else is in the household, and (for owners) inviting,
removing and giving the home a new binding code; staff renew a home's code with /code."""

from handlers.household import actions, office, render  # noqa: F401 - registers handlers and notices
from handlers.household.common import router

__all__ = ["router"]
