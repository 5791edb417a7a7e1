"""The outbox sender: claims due rows, renders them per recipient, sends within the limits.

Crash safety: rows are claimed ('sending') in one transaction and their outcome recorded in
another after the sends: the one that claims the next rows (one transaction per batch, not
two), or one of its own when there is nothing left to claim. A process killed in between
leaves its rows 'sending'; after the lease they are claimed again and sent once more. So a
message is repeated only if it went out but its success was not recorded: at most one
claimed batch per process (the in-flight window, `delivery.batch_size`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from collections import OrderedDict
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calls import Calls, MissingRef
from bot.i18n import Catalogue, resolve_locale
from bot.notices import NoticeRegistry, RenderContext, Rendered, notices
from bot.outcomes import Outcome, wants_wake
from bot.outcomes import write as write_outcomes
from bot.ratelimit import Limits
from core.clock import Clock
from core.settings import DeliverySettings
from models import MessageRef, OutboxStatus, StaffGroup
from models.db import Database
from services import outbox
from services.outbox import Addressee, Claimed

log = logging.getLogger(__name__)
MAX_CHAT_WAIT = 0.25  # longer than this for one chat's bucket: put the row back, go on
HEARTBEAT_SECONDS = 2.0  # well inside services.outbox.WORKER_SILENCE


class Sender:
    """One per process. `run()` loops; `wake()` is called after commits that wrote the outbox."""

    def __init__(
        self,
        *,
        db: Database,
        bot: Bot,
        catalogue: Catalogue,
        settings: DeliverySettings,
        clock: Clock,
        default_locale: str,
        bot_username: str,
        registry: NoticeRegistry = notices,
    ) -> None:
        self._db = db
        self._bot = bot
        self._catalogue = catalogue
        self._settings = settings
        self._clock = clock
        self._default_locale = default_locale
        self._bot_username = bot_username
        self._registry = registry
        self._calls = Calls(bot, paid_broadcast=settings.paid_broadcast)
        per_second = 1000.0 if settings.paid_broadcast else settings.per_second
        self.limits = Limits(
            per_second=per_second,
            private_per_second=settings.private_per_second,
            private_burst=settings.private_burst,
            group_per_minute=settings.group_per_minute,
        )
        self._wake = asyncio.Event()
        # The outcomes of the batch sent last, written with the next claim (see drain_once).
        self._unrecorded: tuple[list[Outcome], dict[int, Claimed]] | None = None
        self._last_full = False  # the last claim took as many rows as it could
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = timedelta(seconds=120)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleep when idle until woken or the idle poll interval."""
        await self._beat()
        # Beats on its own task: a send that hangs must not make this worker look dead.
        beating = asyncio.create_task(self._beat_until(stop), name="delivery-heartbeat")
        try:
            while not stop.is_set():
                await self._step()
        finally:
            beating.cancel()
            with contextlib.suppress(Exception):
                await self.record_pending()
            with contextlib.suppress(Exception):
                async with self._db.sessions() as session:
                    await outbox.retire(session, worker=self.worker)
                    await session.commit()

    async def _beat_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self._beat()

    async def _beat(self) -> None:
        try:
            async with self._db.sessions() as session:
                now = self._clock.now()
                await outbox.heartbeat(session, worker=self.worker, now=now)
                await outbox.reclaim(session, now=now, lease=self.lease)
                await session.commit()
        except Exception:
            log.exception("delivery heartbeat failed")

    async def _step(self) -> None:
        """One batch, or a wait for work when there was none."""
        # Right after a batch that was not full, claim again only if an outbox commit has
        # woken us since: otherwise there is nothing new, and the batch's outcomes are written
        # on their own (rows that come due later are found by the idle poll, as always).
        claim = self._unrecorded is None or self._last_full or self._wake.is_set()
        # Cleared before claiming: a commit that wakes us while we claim or send is seen by
        # the wait below (cleared after, such a wake was lost until the idle poll).
        self._wake.clear()
        try:
            if claim:
                handled = await self.drain_once()
            else:
                await self.record_pending()
                handled = 0
        except Exception:
            log.exception("delivery batch failed")
            handled = 0
        if handled:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self._settings.idle_poll_seconds)
        except TimeoutError:
            pass

    async def drain_until_idle(self, max_batches: int = 10_000) -> int:
        """Send everything due now (tests and CLI); returns how many rows were handled."""
        await self._beat()
        total = 0
        try:
            for _ in range(max_batches):
                handled = await self.drain_once()
                if not handled:
                    break
                total += handled
        finally:
            await self.record_pending()
        return total

    def _batch_size(self) -> int:
        # No more than the bot may send in about half a second, so an interactive reply
        # arriving meanwhile is claimed in the next batch, ahead of any bulk rows.
        return max(1, min(self._settings.batch_size, int(self.limits.global_bucket.rate / 2) or 1))

    async def drain_once(self) -> int:
        """Claim a batch and send it. Its outcomes are written when the next batch is claimed
        (in the same transaction), or by `record_pending()`: whoever calls this calls one of
        them after it (`run` and `drain_until_idle` do)."""
        unrecorded, self._unrecorded = self._unrecorded, None
        limit = self._batch_size()
        try:
            async with self._db.sessions() as session:
                if unrecorded is not None:
                    await write_outcomes(session, *unrecorded, self._clock.now())
                rows, people = await outbox.claim(
                    session, now=self._clock.now(), worker=self.worker, limit=limit
                )
                groups = await _groups(session, rows)
                refs = await _refs(session, rows)
                await session.commit()
        except BaseException as exc:
            if unrecorded is not None:
                if isinstance(exc, Exception):  # on their own: a failing claim loses nothing
                    await self._record(*unrecorded)
                else:  # cancelled: kept for record_pending() (run() calls it as it stops)
                    self._unrecorded = unrecorded
            raise
        if unrecorded is not None:
            self._after_record(unrecorded[0])
        self._last_full = len(rows) >= limit
        if not rows:
            return 0
        by_chat: OrderedDict[str, list[Claimed]] = OrderedDict()
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        results = await asyncio.gather(
            *(self._send_chat(chat_rows, people, groups, refs) for chat_rows in by_chat.values())
        )
        self._unrecorded = (
            [o for chat_outcomes in results for o in chat_outcomes],
            {r.id: r for r in rows},
        )
        return len(rows)

    async def record_pending(self) -> None:
        """Write the outcomes of the last batch sent, if the next claim has not yet."""
        unrecorded, self._unrecorded = self._unrecorded, None
        if unrecorded is not None:
            await self._record(*unrecorded)

    async def _send_chat(
        self,
        rows: list[Claimed],
        people: dict[int, Addressee],
        groups: dict[str, StaffGroup],
        refs: dict[str, MessageRef],
    ) -> list[Outcome]:
        """Send one chat's rows in order; stop at the first that must wait, keeping order."""
        outcomes: list[Outcome] = []
        for index, row in enumerate(rows):
            wait = self._chat_wait(row)
            if wait > MAX_CHAT_WAIT:
                later = self._clock.now() + timedelta(seconds=wait)
                outcomes += [
                    Outcome(
                        r.id,
                        OutboxStatus.pending,
                        "waiting for the chat's rate limit",
                        not_before=later,
                        count_attempt=False,
                    )
                    for r in rows[index:]
                ]
                break
            outcome = await self._send_one(row, people, groups, refs, wait)
            outcomes.append(outcome)
            sent_id = outcome.message_id if outcome.status == OutboxStatus.sent else None
            if row.ref_key and sent_id is not None:
                # Later rows of this batch may need it now (a topic and the alert inside it).
                refs[row.ref_key] = MessageRef(
                    key=row.ref_key, chat_id=row.chat_id, message_id=sent_id
                )
            if outcome.status == OutboxStatus.pending:  # a retry: later rows wait behind it
                outcomes += [
                    Outcome(
                        r.id,
                        OutboxStatus.pending,
                        "behind an earlier message",
                        not_before=outcome.not_before,
                        count_attempt=False,
                    )
                    for r in rows[index + 1 :]
                ]
                break
        return outcomes

    def _chat_wait(self, row: Claimed) -> float:
        return self.limits.chat(row.chat_id).wait_time() if row.op == "send" else 0.0

    async def _send_one(
        self,
        row: Claimed,
        people: dict[int, Addressee],
        groups: dict[str, StaffGroup],
        refs: dict[str, MessageRef],
        chat_wait: float,
    ) -> Outcome:
        person = people.get(row.identity_id) if row.identity_id else None
        if person is not None and person.blocked:
            return Outcome(row.id, OutboxStatus.blocked, "recipient has blocked the bot")
        try:
            rendered = self._render(row, person, groups.get(row.chat_id))
        except Exception as exc:  # a bug in a renderer must not stop the queue
            log.exception("render failed", extra={"fields": {"row": row.id, "notice": row.notice}})
            return Outcome(row.id, OutboxStatus.dead, f"render: {exc!r}")
        if chat_wait:
            await asyncio.sleep(chat_wait)
        while (wait := self.limits.global_bucket.wait_time()) > 0:  # noqa: ASYNC110 - a token bucket
            await asyncio.sleep(wait)
        cost = len(rendered.media[:10]) if rendered.media else 1
        self.limits.global_bucket.take(cost)
        if row.op == "send":
            self.limits.chat(row.chat_id).take(cost)
        try:
            message_id = await self._calls.run(row, rendered, refs)
        except TelegramRetryAfter as exc:
            # Telegram's answer does not say which limit it was: pause the chat and the bot.
            self.limits.chat(row.chat_id).pause(exc.retry_after)
            self.limits.global_bucket.pause(exc.retry_after)
            later = self._clock.now() + timedelta(seconds=exc.retry_after)
            return Outcome(
                row.id,
                OutboxStatus.pending,
                f"429 retry after {exc.retry_after}s",
                not_before=later,
                count_attempt=False,
            )
        except TelegramForbiddenError as exc:
            return Outcome(
                row.id, OutboxStatus.blocked, f"403 {exc.message}", block_identity=row.identity_id
            )
        except TelegramMigrateToChat as exc:
            return Outcome(
                row.id,
                OutboxStatus.pending,
                "group migrated",
                not_before=self._clock.now(),
                count_attempt=False,
                migrate_to=str(exc.migrate_to_chat_id),
            )
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message:
                return Outcome(row.id, OutboxStatus.sent, message_id=row.target_message_id)
            return Outcome(row.id, OutboxStatus.dead, f"400 {exc.message}")
        except MissingRef:
            return self._retry(row, "the message to edit has not been sent yet")
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            return self._retry(row, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug must cost one row, never stall the batch
            log.exception("send failed", extra={"fields": {"row": row.id, "notice": row.notice}})
            return Outcome(row.id, OutboxStatus.dead, f"{type(exc).__name__}: {exc}")
        return Outcome(row.id, OutboxStatus.sent, message_id=message_id, at=self._clock.now())

    def _retry(self, row: Claimed, error: str) -> Outcome:
        attempts = row.attempts + 1
        if attempts >= self._settings.max_attempts:
            return Outcome(row.id, OutboxStatus.dead, error)
        delay = min(600.0, 2.0**attempts) * (0.5 + random.random())  # exponential, with jitter
        return Outcome(
            row.id,
            OutboxStatus.pending,
            error,
            not_before=self._clock.now() + timedelta(seconds=delay),
        )

    def _render(
        self, row: Claimed, person: Addressee | None, group: StaffGroup | None
    ) -> Rendered:
        if person is not None:
            locale = resolve_locale(
                person.language, person.platform_language, self._default_locale
            )
        else:
            locale = (group.language if group else None) or self._default_locale
        context = RenderContext(
            _=self._catalogue.get(locale),
            catalogue=self._catalogue,
            bot_username=self._bot_username,
            data=row.data,
        )
        return self._registry.render(row.notice, context)

    async def _record(self, outcomes: list[Outcome], rows: dict[int, Claimed]) -> None:
        """Write every outcome of the batch in a transaction of its own."""
        if not outcomes:
            return
        async with self._db.sessions() as session:
            await write_outcomes(session, outcomes, rows, self._clock.now())
            await session.commit()
        self._after_record(outcomes)

    def _after_record(self, outcomes: list[Outcome]) -> None:
        if wants_wake(outcomes):
            self.wake()


async def _groups(session: AsyncSession, rows: list[Claimed]) -> dict[str, StaffGroup]:
    chats = {r.chat_id for r in rows if r.chat_id.startswith("-")}
    if not chats:
        return {}
    return {
        g.chat_id: g
        for g in await session.scalars(select(StaffGroup).where(StaffGroup.chat_id.in_(chats)))
    }


async def _refs(session: AsyncSession, rows: list[Claimed]) -> dict[str, MessageRef]:
    keys = {key for r in rows for key in (r.target_ref, r.thread_ref) if key}
    if not keys:
        return {}
    return {
        m.key: m for m in await session.scalars(select(MessageRef).where(MessageRef.key.in_(keys)))
    }
