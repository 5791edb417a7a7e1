"""Record who did what. Written in the same transaction as the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry


def record(
    session: AsyncSession,
    *,
    now: datetime,
    action: str,
    actor_kind: str,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    outcome: str = "ok",
    **details: Any,
) -> AuditEntry:
    """Add an audit entry (flushed with the session; never commits)."""
    entry = AuditEntry(
        at=now,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        outcome=outcome,
        details=details,
    )
    session.add(entry)
    return entry
