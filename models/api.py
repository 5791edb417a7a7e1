"""API tokens: how a program acts as a staff member over /api/v1."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin


class ApiToken(IdMixin, Base):
    """Only a hash is kept; the token is shown once, when created."""

    __tablename__ = "api_tokens"

    staff_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
