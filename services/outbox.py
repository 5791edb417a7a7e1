"""The durable outbox: services say what to tell whom; the sender delivers it later.

Rows are written in the caller's transaction, so a message exists exactly when the change
that caused it was committed. The claim/mark functions are the sender's side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    PRIORITY,
    ChatIdentity,
    DeliveryWorker,
    MessageRef,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)


@dataclass(frozen=True)
class Recipient:
    """Where a notice goes: a chat on a channel, and the person behind it if known."""

    chat_id: str
    identity_id: int | None = None
    channel: str = "telegram"


async def enqueue(
    session: AsyncSession,
    *,
    to: Recipient,
    notice: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    kind: OutboxKind = OutboxKind.reply,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    ref_key: str | None = None,
    op: str = "send",
    target_ref: str | None = None,
    target_message_id: int | None = None,
    source: str | None = None,
) -> None:
    """Add a notice for `to` to the outbox. With `dedupe_key`, a second enqueue is a no-op."""
    values = dict(
        channel=to.channel,
        chat_id=to.chat_id,
        identity_id=to.identity_id,
        op=op,
        notice=notice,
        data=data or {},
        kind=kind,
        priority=PRIORITY[kind],
        dedupe_key=dedupe_key,
        ref_key=ref_key,
        target_ref=target_ref,
        target_message_id=target_message_id,
        not_before=not_before or now,
        status=OutboxStatus.pending,
        attempts=0,
        created_at=now,
        source=source,
    )
    session.info["outbox_dirty"] = True
    if dedupe_key is None:
        # A plain INSERT now rather than an object for the unit of work to flush: nothing reads
        # the row back in this transaction (it would be found: it is in the database), and
        # this runs for nearly every update.
        await session.execute(_INSERT, values)
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


_INSERT = insert(OutboxMessage.__table__)  # type: ignore[arg-type]


WORKER_SILENCE = timedelta(seconds=10)  # a sender that has not beaten for this long is gone


async def heartbeat(session: AsyncSession, *, worker: str, now: datetime) -> None:
    """Say this sender is alive (its claimed rows are its own while it beats)."""
    row = await session.get(DeliveryWorker, worker)
    if row is None:
        session.add(DeliveryWorker(id=worker, started_at=now, heartbeat_at=now))
    else:
        row.heartbeat_at = now
    await session.execute(
        delete(DeliveryWorker).where(DeliveryWorker.heartbeat_at < now - timedelta(days=1))
    )


async def retire(session: AsyncSession, *, worker: str) -> None:
    """A sender stopping cleanly gives its unfinished rows back at once."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.claimed_by == worker)
        .values(status=OutboxStatus.pending, claimed_by=None)
    )
    await session.execute(delete(DeliveryWorker).where(DeliveryWorker.id == worker))


async def reclaim(session: AsyncSession, *, now: datetime, lease: timedelta) -> None:
    """Give back rows claimed by senders that stopped beating, or held past the lease."""
    alive = select(DeliveryWorker.id).where(DeliveryWorker.heartbeat_at >= now - WORKER_SILENCE)
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.sending,
            (OutboxMessage.claimed_at < now - lease) | OutboxMessage.claimed_by.not_in(alive),
        )
        .values(status=OutboxStatus.pending, claimed_by=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Addressee:
    """What the sender needs of a row's recipient: their languages, and whether they blocked us."""

    language: str | None
    platform_language: str | None
    blocked: bool


def _of_recipient(column: Any) -> Any:
    return select(column).where(ChatIdentity.id == OutboxMessage.identity_id).scalar_subquery()


def _claim_statement(limit: int, *, postgresql: bool, with_addressees: bool) -> Any:
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.not_before <= bindparam("now"),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
    )
    if postgresql:
        due = due.with_for_update(skip_locked=True)
    returning: list[Any] = [OutboxMessage]
    if with_addressees:
        # The recipient's details in the same statement: no second query per batch.
        returning += [
            _of_recipient(ChatIdentity.language),
            _of_recipient(ChatIdentity.platform_language),
            _of_recipient(ChatIdentity.blocked),
        ]
    return (
        update(OutboxMessage)
        .where(
            and_(
                OutboxMessage.id.in_(due.scalar_subquery()),
                OutboxMessage.status == OutboxStatus.pending,
            )
        )
        .values(
            status=OutboxStatus.sending,
            claimed_at=bindparam("now"),
            claimed_by=bindparam("worker"),
        )
        .returning(*returning)
        .execution_options(synchronize_session=False)
    )


_CLAIMS: dict[tuple[int, bool, bool], Any] = {}  # built once per shape: this runs all the time


async def claim_batch(
    session: AsyncSession, *, now: datetime, worker: str, limit: int
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows, highest priority first, for this worker.

    (Rows of dead workers come back through `reclaim`, run with each heartbeat.) PostgreSQL
    uses FOR UPDATE SKIP LOCKED so several processes share the work; SQLite has one writer
    at a time (BEGIN IMMEDIATE), so the same UPDATE … RETURNING is already exclusive there.
    """
    rows, _ = await _claim(session, now=now, worker=worker, limit=limit, with_addressees=False)
    return rows


async def claim_with_addressees(
    session: AsyncSession, *, now: datetime, worker: str, limit: int
) -> tuple[list[OutboxMessage], dict[int, Addressee]]:
    """`claim_batch`, and the details of the rows' recipients (by identity id)."""
    return await _claim(session, now=now, worker=worker, limit=limit, with_addressees=True)


async def _claim(
    session: AsyncSession, *, now: datetime, worker: str, limit: int, with_addressees: bool
) -> tuple[list[OutboxMessage], dict[int, Addressee]]:
    postgresql = session.get_bind().dialect.name == "postgresql"
    shape = (limit, postgresql, with_addressees)
    statement = _CLAIMS.get(shape)
    if statement is None:
        statement = _CLAIMS[shape] = _claim_statement(
            limit, postgresql=postgresql, with_addressees=with_addressees
        )
    result = await session.execute(statement, {"now": now, "worker": worker})
    rows: list[OutboxMessage] = []
    addressees: dict[int, Addressee] = {}
    for row in result:
        message = row[0]
        rows.append(message)
        if with_addressees and message.identity_id is not None and row[3] is not None:
            addressees[message.identity_id] = Addressee(row[1], row[2], bool(row[3]))
    rows.sort(key=lambda r: (r.priority, r.id))
    return rows, addressees


async def mark_sent(
    session: AsyncSession, *, row_id: int, message_id: int | None, now: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status=OutboxStatus.sent, sent_at=now, message_id=message_id, last_error=None)
    )


async def mark_retry(
    session: AsyncSession,
    *,
    row_id: int,
    error: str,
    not_before: datetime,
    count_attempt: bool = True,
) -> None:
    """Put a row back for a later try (a 429 pause does not count as an attempt)."""
    values: dict[str, Any] = dict(
        status=OutboxStatus.pending, not_before=not_before, last_error=error[:500], claimed_by=None
    )
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def mark_final(
    session: AsyncSession, *, row_id: int, status: OutboxStatus, error: str
) -> None:
    """End a row as blocked or dead (dead letters are listed for staff)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status=status, last_error=error[:500], attempts=OutboxMessage.attempts + 1)
    )


async def remember_message(
    session: AsyncSession, *, key: str, channel: str, chat_id: str, message_id: int, now: datetime
) -> None:
    """Keep the id of a sent message under `key` so later notices can edit it."""
    ref = await session.get(MessageRef, key)
    if ref is None:
        session.add(
            MessageRef(
                key=key, channel=channel, chat_id=chat_id, message_id=message_id, updated_at=now
            )
        )
    else:
        ref.chat_id, ref.message_id, ref.updated_at = chat_id, message_id, now


async def find_message(session: AsyncSession, key: str) -> MessageRef | None:
    return await session.get(MessageRef, key)


async def dead_letters(session: AsyncSession, *, limit: int = 100) -> list[OutboxMessage]:
    result = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.dead)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def retarget_chat(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> None:
    """A group moved to a new id: its unsent rows and remembered messages follow it."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
        )
        .values(chat_id=new_chat_id)
    )
    await session.execute(
        update(MessageRef)
        .where(MessageRef.channel == channel, MessageRef.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )


async def mark_all_sent(
    session: AsyncSession, sent: list[tuple[int, int | None, datetime]]
) -> None:
    """Record many sends in one executemany UPDATE by primary key: (row id, message id, sent at)."""
    if sent:
        await session.execute(
            update(OutboxMessage),
            [
                {
                    "id": row_id,
                    "status": OutboxStatus.sent,
                    "sent_at": at,
                    "message_id": message_id,
                    "last_error": None,
                }
                for row_id, message_id, at in sent
            ],
        )
