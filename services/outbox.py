"""The durable outbox: services say what to tell whom; the sender delivers it later.

Rows are written in the caller's transaction, so a message exists exactly when the change
that caused it was committed. The claim/mark functions are the sender's side.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
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
from models.prepared import Prepared


@dataclass(frozen=True)
class Recipient:
    """Where a notice goes: a chat on a channel, and the person behind it if known."""

    chat_id: str
    identity_id: int | None = None
    channel: str = "telegram"


# Forum topic ops, run by the sender (bot/topics.py): the rendered text names the topic, and a
# `newtopic` row's `ref_key` keeps the topic's thread id for the rows that go into it.
NEW_TOPIC, CLOSE_TOPIC, REOPEN_TOPIC = "newtopic", "closetopic", "opentopic"


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
    thread_id: int | None = None,
    thread_ref: str | None = None,
) -> None:
    """Add a notice for `to` to the outbox. With `dedupe_key`, a second enqueue is a no-op.

    `thread_id` puts it into a forum topic; `thread_ref` into the topic a row with that
    `ref_key` creates (it waits for it).
    """
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
        thread_id=thread_id,
        thread_ref=thread_ref,
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
        await _INSERT.run(session, values)
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


_INSERT = Prepared(
    insert(OutboxMessage.__table__),  # type: ignore[arg-type]
    column_keys=(
        "channel",
        "chat_id",
        "identity_id",
        "op",
        "notice",
        "data",
        "kind",
        "priority",
        "dedupe_key",
        "ref_key",
        "target_ref",
        "target_message_id",
        "thread_id",
        "thread_ref",
        "not_before",
        "status",
        "attempts",
        "created_at",
        "source",
    ),
)  # the keys of `values` in enqueue()


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


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed row as the sender needs it: plain values read by a Core UPDATE … RETURNING,
    not an ORM instance (no identity map or attribute instrumentation on the hot path).
    Any column of the outbox can be added here by name: the claim returns the fields listed."""

    id: int
    channel: str
    chat_id: str
    identity_id: int | None
    op: str
    notice: str
    data: dict[str, Any]
    kind: OutboxKind
    priority: int
    ref_key: str | None
    target_ref: str | None
    target_message_id: int | None
    thread_id: int | None
    thread_ref: str | None
    attempts: int


_OUTBOX = cast(Table, OutboxMessage.__table__)
_IDENTITIES = cast(Table, ChatIdentity.__table__)
_CLAIMED = [_OUTBOX.c[f.name] for f in fields(Claimed)]


def _of_recipient(column: Any) -> Any:
    return select(column).where(_IDENTITIES.c.id == _OUTBOX.c.identity_id).scalar_subquery()


def _claim_statement(limit: int, *, postgresql: bool) -> Any:
    t = _OUTBOX.c
    due = (
        select(t.id)
        .where(t.status == OutboxStatus.pending, t.not_before <= bindparam("now"))
        .order_by(t.priority, t.id)
        .limit(limit)
    )
    if postgresql:
        # Chosen once, in a materialized CTE. As `id IN (subquery)` PostgreSQL may run the
        # subquery again for each row it updates, and SKIP LOCKED then skips the rows this
        # statement already changed and returns the next ones: a claim took every due row,
        # whatever the limit (tests/delivery/test_claims.py).
        chosen = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        picked = t.id == chosen.c.id
    else:
        picked = t.id.in_(due.scalar_subquery())  # SQLite computes an IN list once
    return (
        update(_OUTBOX)
        .where(and_(picked, t.status == OutboxStatus.pending))
        .values(
            status=OutboxStatus.sending,
            claimed_at=bindparam("now", type_=t.claimed_at.type),
            claimed_by=bindparam("worker"),
        )
        # The recipient's details in the same statement: no second query per batch.
        .returning(
            *_CLAIMED,
            _of_recipient(_IDENTITIES.c.language),
            _of_recipient(_IDENTITIES.c.platform_language),
            _of_recipient(_IDENTITIES.c.blocked),
        )
    )


_CLAIMS: dict[tuple[int, bool], Prepared] = {}  # built once per shape: this runs all the time


async def claim(
    session: AsyncSession, *, now: datetime, worker: str, limit: int
) -> tuple[list[Claimed], dict[int, Addressee]]:
    """Claim up to `limit` due rows for this worker, highest priority first, and the details
    of their recipients (by identity id).

    (Rows of dead workers come back through `reclaim`, run with each heartbeat.) PostgreSQL
    uses FOR UPDATE SKIP LOCKED so several processes share the work; SQLite has one writer
    at a time (BEGIN IMMEDIATE), so the same UPDATE … RETURNING is already exclusive there.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = _CLAIMS.get((limit, postgresql))
    if statement is None:
        statement = _CLAIMS[limit, postgresql] = Prepared(
            _claim_statement(limit, postgresql=postgresql)
        )
    result = await statement.run(session, {"now": now, "worker": worker})
    width = len(_CLAIMED)
    rows: list[Claimed] = []
    addressees: dict[int, Addressee] = {}
    for values in result:
        row = Claimed(*values[:width])
        rows.append(row)
        language, platform_language, blocked = values[width:]
        if row.identity_id is not None and blocked is not None:
            addressees[row.identity_id] = Addressee(language, platform_language, bool(blocked))
    rows.sort(key=lambda r: (r.priority, r.id))
    return rows, addressees


# Outcomes, one executemany UPDATE by primary key per kind of outcome (Core statements: the
# ORM's bulk UPDATE by primary key costs several times as much per row).
_ROW = _OUTBOX.c.id == bindparam("row_id")
_SENT = (
    update(_OUTBOX)
    .where(_ROW)
    .values(
        status=OutboxStatus.sent,
        sent_at=bindparam("at", type_=_OUTBOX.c.sent_at.type),
        message_id=bindparam("message_id_"),
        last_error=None,
    )
)
_RETRY = dict(
    status=OutboxStatus.pending,
    not_before=bindparam("not_before_", type_=_OUTBOX.c.not_before.type),
    last_error=bindparam("error"),
    claimed_by=None,
)
_RETRY_COUNTED = update(_OUTBOX).where(_ROW).values(**_RETRY, attempts=_OUTBOX.c.attempts + 1)
_RETRY_PAUSED = update(_OUTBOX).where(_ROW).values(**_RETRY)  # a 429 pause is no attempt
_FINAL = (
    update(_OUTBOX)
    .where(_ROW)
    .values(
        status=bindparam("status_", type_=_OUTBOX.c.status.type),
        last_error=bindparam("error"),
        attempts=_OUTBOX.c.attempts + 1,
    )
)


# PostgreSQL: one UPDATE … FROM unnest(arrays) for the whole batch, the commonest outcome (no
# per-row parameter processing, one statement for the server to run instead of fifty).
_SENT_VALUES = (
    func.unnest(
        bindparam("ids", type_=ARRAY(BigInteger)),
        bindparam("message_ids", type_=ARRAY(BigInteger)),
        bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
    )
    .table_valued("id", "message_id", "at")
    .render_derived(name="sent")
)
_SENT_ARRAYS = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == _SENT_VALUES.c.id)
    .values(
        status=OutboxStatus.sent,
        sent_at=_SENT_VALUES.c.at,
        message_id=_SENT_VALUES.c.message_id,
        last_error=None,
    )
)


async def mark_sent(session: AsyncSession, sent: list[tuple[int, int | None, datetime]]) -> None:
    """Record sends: (row id, Telegram's message id, sent at, timezone-aware)."""
    if not sent:
        return
    if session.get_bind().dialect.name == "postgresql":
        ids, message_ids, ats = (list(column) for column in zip(*sent, strict=True))
        await session.execute(_SENT_ARRAYS, {"ids": ids, "message_ids": message_ids, "ats": ats})
    else:
        await session.execute(
            _SENT, [{"row_id": r, "message_id_": m, "at": at} for r, m, at in sent]
        )


async def mark_retry(
    session: AsyncSession, retries: list[tuple[int, str, datetime, bool]]
) -> None:
    """Put rows back for a later try: (row id, error, not before, whether it counts as an
    attempt: a 429 pause or waiting behind another row does not)."""
    for counted, statement in ((True, _RETRY_COUNTED), (False, _RETRY_PAUSED)):
        params = [
            {"row_id": r, "error": error[:500], "not_before_": not_before}
            for r, error, not_before, count in retries
            if count is counted
        ]
        if params:
            await session.execute(statement, params)


async def mark_final(session: AsyncSession, final: list[tuple[int, OutboxStatus, str]]) -> None:
    """End rows as blocked or dead (dead letters are listed for staff): (row id, status, error)."""
    if final:
        await session.execute(
            _FINAL,
            [{"row_id": r, "status_": status, "error": error[:500]} for r, status, error in final],
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
