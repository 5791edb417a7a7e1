"""Issue, check and revoke API tokens for staff."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiToken, Staff
from services import audit
from services.errors import NotFound

USE_RESOLUTION = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    session: AsyncSession, *, external_id: str, name: str, now: datetime, channel: str = "telegram"
) -> str:
    """A new token for the staff member with this chat account; returned once, stored hashed."""
    staff = await session.scalar(
        select(Staff).where(Staff.channel == channel, Staff.external_id == external_id)
    )
    if staff is None or not staff.active:
        raise NotFound("staff.unknown")
    token = "linli_" + secrets.token_urlsafe(32)
    session.add(ApiToken(staff_id=staff.id, name=name, token_hash=_hash(token), created_at=now))
    audit.record(
        session,
        now=now,
        action="api_token.issue",
        actor_kind="cli",
        subject_type="staff",
        subject_id=staff.id,
    )
    return token


async def staff_for(session: AsyncSession, *, token: str, now: datetime) -> Staff | None:
    """The active staff member a token belongs to, or None."""
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return None
    staff = await session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > USE_RESOLUTION:
        row.last_used_at = now
    return staff


async def revoke_all(
    session: AsyncSession, *, external_id: str, now: datetime, channel: str = "telegram"
) -> int:
    staff = await session.scalar(
        select(Staff).where(Staff.channel == channel, Staff.external_id == external_id)
    )
    if staff is None:
        raise NotFound("staff.unknown")
    rows = list(
        await session.scalars(
            select(ApiToken).where(ApiToken.staff_id == staff.id, ApiToken.revoked_at.is_(None))
        )
    )
    for row in rows:
        row.revoked_at = now
    return len(rows)
