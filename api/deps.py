"""Route dependencies: the database session, the clock, the settings, the calling staff member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from models import Staff
from services import api_tokens


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.sessions() as session:
        yield session


def _clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(_session)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[Settings, Depends(_settings)]
_bearer = HTTPBearer(auto_error=False)


async def _current_staff(
    session: SessionDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Staff:
    if credentials is None:
        raise HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    staff = await api_tokens.staff_for(session, token=credentials.credentials, now=clock.now())
    if staff is None:
        raise HTTPException(
            401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    await session.commit()  # last_used_at
    return staff


CurrentStaff = Annotated[Staff, Depends(_current_staff)]
