"""Binding codes: what they look like, checking a typed one (with a per-person lockout),
binding with it once the person confirmed the address, and issuing a new one."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    ChatIdentity,
    CodeAttempt,
    Household,
    Resident,
    ResidentRole,
    RetiredCode,
    Staff,
)
from services import audit
from services.errors import DomainError, NotAllowed
from services.identities import address_of
from services.onboarding.homes import household_query, load_household
from services.onboarding.members import bind, has_active_owner
from services.permissions import Action, may

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by elders


CODE_LENGTH = 8


_CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


ATTEMPT_WINDOW = timedelta(hours=1)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# How people type a code they were given: in a phone's full-width input mode (ＡＢＣＤ２３４５,
# which NFKC turns into ASCII), or after a few words ("绑定码是ABCD2345", "my code: abcd-2345").
_LEAD_IN = re.compile(
    r"^(?:(?:我的|我家的?)?(?:绑定码|邀请码|码)(?:是|为)?|(?:my\s+)?(?:binding\s+)?code(?:\s+is)?)"
    r"\s*:?",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s。.!~]+$")


def _code_part(text: str) -> str:
    """The part of a message that would be the code, spaces and dashes removed."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = _TRAILING.sub("", _LEAD_IN.sub("", text, count=1))
    return re.sub(r"[\s\-_]", "", text)


def normalize_code(text: str) -> str | None:
    """'abcd-2345 ' -> 'ABCD2345' (also 'ＡＢＣＤ２３４５', '绑定码：ABCD2345'); None when it
    cannot be a binding code."""
    cleaned = _code_part(text).upper()
    return cleaned if _CODE_RE.match(cleaned) else None


def looks_like_code(text: str) -> bool:
    """A binding code, or a mistyped one (code-length letters and digits with a digit in it).

    Plain words are not taken as tries, so chatting never uses up someone's attempts.
    """
    cleaned = _code_part(text)
    if normalize_code(text) is not None:
        return True
    return (
        6 <= len(cleaned) <= 10
        and cleaned.isascii()
        and cleaned.isalnum()
        and any(c.isdigit() for c in cleaned)
    )


@dataclass(frozen=True)
class CodeMatch:
    """A code that names a household, shown to the person to confirm before binding."""

    household_id: int
    code: str
    address: dict[str, str]
    owner_taken: bool


async def _failures_in_window(
    session: AsyncSession, identity_id: int, now: datetime
) -> list[datetime]:
    rows = await session.scalars(
        select(CodeAttempt.at)
        .where(
            CodeAttempt.identity_id == identity_id,
            CodeAttempt.success.is_(False),
            CodeAttempt.at > now - ATTEMPT_WINDOW,
        )
        .order_by(CodeAttempt.at)
    )
    return list(rows)


def _locked_minutes(failures: list[datetime], now: datetime, limit: int) -> int | None:
    """Minutes until code entry reopens, or None when it is open."""
    if len(failures) < limit:
        return None
    reopens = failures[-limit] + ATTEMPT_WINDOW
    return max(1, int((reopens - now).total_seconds() // 60) + 1)


async def check_code(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    text: str,
    now: datetime,
    attempts_per_hour: int,
) -> CodeMatch:
    """Look a typed code up. Wrong tries are counted; too many in an hour lock code entry."""
    failures = await _failures_in_window(session, identity.id, now)
    locked = _locked_minutes(failures, now, attempts_per_hour)
    if locked is not None:
        raise DomainError("binding.code_locked", minutes=locked)
    code = normalize_code(text)
    household = None
    if code is not None:
        household = await session.scalar(household_query().where(Household.binding_code == code))
    if household is None:
        session.add(CodeAttempt(identity_id=identity.id, at=now, success=False))
        audit.record(
            session,
            now=now,
            action="binding.code_wrong",
            actor_kind="resident",
            actor_id=identity.id,
            outcome="refused",
        )
        left = attempts_per_hour - len(failures) - 1
        if left <= 0:
            raise DomainError("binding.code_locked", minutes=60)
        if code is not None and await _was_replaced(session, code):
            # Typing it again will not help: the new code has to be asked for.
            raise DomainError("binding.code_replaced", left=left)
        raise DomainError("binding.code_wrong", left=left)
    session.add(CodeAttempt(identity_id=identity.id, at=now, success=True))
    assert code is not None
    return CodeMatch(
        household_id=household.id,
        code=code,
        address=address_of(household),
        owner_taken=await has_active_owner(session, household.id),
    )


async def bind_with_code(
    session: AsyncSession,
    *,
    identity: ChatIdentity,
    household_id: int,
    code: str,
    role: ResidentRole,
    now: datetime,
) -> Resident:
    """Bind after the person confirmed the address. The code must still be the household's."""
    household = await load_household(session, household_id)
    if household.binding_code != code:
        raise DomainError("binding.code_expired")
    if role == ResidentRole.owner and await has_active_owner(session, household.id):
        raise DomainError("binding.owner_taken")
    return await bind(
        session, identity=identity, household=household, role=role, via="code", now=now
    )


async def rotate_code(
    session: AsyncSession,
    *,
    household_id: int,
    now: datetime,
    actor_kind: str,
    actor_id: int | None = None,
    staff: Staff | None = None,
) -> str:
    """Issue a new binding code; the old one stops working. Members stay bound."""
    household = await load_household(session, household_id)
    if actor_kind == "staff" and not may(staff, Action.rotate_code, household):
        audit.record(
            session,
            now=now,
            action="household.rotate_code",
            actor_kind=actor_kind,
            actor_id=actor_id,
            subject_type="household",
            subject_id=household.id,
            outcome="refused",
        )
        raise NotAllowed("staff.not_allowed")
    session.add(
        RetiredCode(code=household.binding_code, household_id=household.id, retired_at=now)
    )
    household.binding_code = await unique_code(session)
    household.code_issued_at = now
    audit.record(
        session,
        now=now,
        action="household.rotate_code",
        actor_kind=actor_kind,
        actor_id=actor_id,
        subject_type="household",
        subject_id=household.id,
    )
    return household.binding_code


async def _was_replaced(session: AsyncSession, code: str) -> bool:
    found = await session.scalar(select(RetiredCode.id).where(RetiredCode.code == code).limit(1))
    return found is not None


async def unique_code(session: AsyncSession) -> str:
    """A code no household has (collisions are astronomically rare; checked anyway)."""
    while True:
        code = new_code()
        taken = await session.scalar(
            select(func.count()).select_from(Household).where(Household.binding_code == code)
        )
        if not taken:
            return code
