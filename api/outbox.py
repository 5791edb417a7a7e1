"""/api/v1/dead-letters: messages the sender gave up on, for staff to look into."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from api.deps import CurrentStaff, SessionDep
from models import StaffRole
from services import outbox

router = APIRouter(prefix="/api/v1", tags=["delivery"])


class DeadLetterOut(BaseModel):
    id: int
    chat_id: str
    notice: str
    kind: str
    attempts: int
    last_error: str | None
    created_at: datetime
    broadcast_id: int | None


@router.get("/dead-letters")
async def dead_letters(
    staff: CurrentStaff, session: SessionDep, limit: int = 100
) -> list[DeadLetterOut]:
    """The newest dead letters (managers and admins)."""
    if staff.role not in (StaffRole.admin, StaffRole.manager):
        raise HTTPException(403, {"error": "staff.not_allowed"})
    rows = await outbox.dead_letters(session, limit=min(max(limit, 1), 1000))
    return [
        DeadLetterOut(
            id=r.id,
            chat_id=r.chat_id,
            notice=r.notice,
            kind=r.kind.value,
            attempts=r.attempts,
            last_error=r.last_error,
            created_at=r.created_at,
            broadcast_id=r.broadcast_id,
        )
        for r in rows
    ]
