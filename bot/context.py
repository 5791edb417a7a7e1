"""The database session of the update being handled, for the FSM storage to share.

aiogram's FSMContext calls its storage without passing our data along; sharing the update's
session (and so its transaction) keeps SQLite from waiting on itself and makes the state
change commit or roll back together with the service call.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

current_session: ContextVar[AsyncSession | None] = ContextVar("linli_session", default=None)
