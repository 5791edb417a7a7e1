"""The cases: each list query for chosen households and staff, timed at the driver and
around the call against a `SELECT 1` baseline, and the plan of each case's slowest call."""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.tickets.estates import Estates

PAGE = 10
WARMUP_CALLS = 20


class DriverTimer:
    """Times each statement at the driver (before/after_cursor_execute) and keeps its text."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.engine = engine.sync_engine
        self.started = 0.0
        self.last_ms = 0.0
        self.count = 0
        self.statement = ""
        self.parameters: Any = None
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statement, self.parameters = statement, parameters
        self.started = time.perf_counter()

    def _after(self, *_: Any) -> None:
        self.last_ms = 1000 * (time.perf_counter() - self.started)
        self.count += 1


@dataclass
class Case:
    group: str  # "/tickets", "/queue" or "baseline"
    name: str
    call: Callable[[Any, int], Awaitable[Sequence[Any]]]
    note: str = ""
    db_ms: list[float] = field(default_factory=list)
    call_ms: list[float] = field(default_factory=list)
    rows: int = 0
    extra_statements: int = 0
    slowest: tuple[float, str, Any] = (-1.0, "", None)
    plan: list[str] = field(default_factory=list)
    execution_ms: float = math.nan


async def run_cases(session: Any, timer: DriverTimer, cases: list[Case], calls: int) -> None:
    """Warm every case up, then interleave: round i makes call i of every case in turn.

    Interleaving spreads whatever else the machine is doing over every case alike, the
    SELECT 1 baseline included, so the ratios stay fair on a shared machine.
    """
    for case in cases:  # prepares each statement; PostgreSQL settles its plan choice
        for i in range(WARMUP_CALLS):
            await case.call(session, calls + i)
            session.expunge_all()
    gc.collect()
    for i in range(calls):
        for case in cases:
            before = timer.count
            t0 = time.perf_counter()
            rows = await case.call(session, i)
            elapsed = 1000 * (time.perf_counter() - t0)
            case.extra_statements += timer.count - before - 1
            case.call_ms.append(elapsed)
            case.db_ms.append(timer.last_ms)
            case.rows += len(rows)
            if timer.last_ms > case.slowest[0]:
                case.slowest = (timer.last_ms, timer.statement, timer.parameters)
            session.expunge_all()
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{calls} rounds", file=sys.stderr, flush=True)


async def explain(session: Any, case: Case) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) the statement of the case's slowest call, same parameters."""
    _, statement, parameters = case.slowest
    if not statement:
        return
    conn = await session.connection()
    result = await conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters if parameters else ()
    )
    case.plan = [row[0] for row in result]
    for line in case.plan:
        if line.startswith("Execution Time:"):
            case.execution_ms = float(line.split()[2])


async def build_cases(
    session: Any,
    estates: Estates,
    calls: int,
    rng: random.Random,
    *,
    busiest: tuple[int, int],
) -> list[Case]:
    from sqlalchemy import func, select, text

    from models import Staff, StaffRole, Ticket
    from services.tickets.queries import for_household, queue, queue_query

    async def select_one(session: Any, _: int) -> Sequence[Any]:
        return (await session.execute(text("SELECT 1"))).all()

    cases = [Case("baseline", "SELECT 1 (same session)", select_one)]

    homes = [h.id for h in estates.homes]
    sample = [rng.choice(homes) for _ in range(calls + WARMUP_CALLS)]

    async def first_page(session: Any, i: int) -> Sequence[Any]:
        return await for_household(session, household_id=sample[i], limit=PAGE)

    cases.append(Case("/tickets", "first page, random household", first_page))

    # Second pages: households whose first page is full, cursor = that page's last id.
    seconds: list[tuple[int, int]] = []
    for n, household_id in enumerate(rng.sample(homes, min(len(homes), 50 * calls)), 1):
        page = await for_household(session, household_id=household_id, limit=PAGE)
        if len(page) == PAGE:
            seconds.append((household_id, page[-1].id))
            if len(seconds) >= calls + WARMUP_CALLS:
                break
        if n % 500 == 0:
            session.expunge_all()
    session.expunge_all()
    if seconds:

        async def second_page(session: Any, i: int) -> Sequence[Any]:
            household_id, before_id = seconds[i % len(seconds)]
            return await for_household(
                session, household_id=household_id, limit=PAGE, before_id=before_id
            )

        cases.append(
            Case(
                "/tickets",
                "second page (before_id)",
                second_page,
                note=f"{len(seconds):,} households with a second page",
            )
        )

    # The household that files the most: its first page and its oldest page.
    heavy, heavy_count = busiest
    oldest_cursor = await session.scalar(
        select(Ticket.id)
        .where(Ticket.household_id == heavy)
        .order_by(Ticket.id)
        .offset(PAGE)
        .limit(1)
    )

    async def heavy_first(session: Any, _: int) -> Sequence[Any]:
        return await for_household(session, household_id=heavy, limit=PAGE)

    cases.append(
        Case(
            "/tickets", "busiest household, first page", heavy_first, note=f"{heavy_count} tickets"
        )
    )
    if oldest_cursor is not None:

        async def heavy_oldest(session: Any, _: int) -> Sequence[Any]:
            return await for_household(
                session, household_id=heavy, limit=PAGE, before_id=oldest_cursor
            )

        cases.append(
            Case(
                "/tickets",
                "busiest household, oldest page",
                heavy_oldest,
                note="before_id = its 11th-oldest ticket",
            )
        )

    staff_rows = list(await session.scalars(select(Staff).order_by(Staff.id)))
    session.expunge_all()

    def one(role: StaffRole, community_id: int | None) -> Staff:
        return next(s for s in staff_rows if s.role == role and s.community_id == community_id)

    demo, big = estates.demo_community_id, estates.big_community_id
    big_steward = one(StaffRole.steward, big)
    who = [
        ("dispatcher, company-wide", one(StaffRole.dispatcher, None)),
        ("demo dispatcher 900002 (estate)", one(StaffRole.dispatcher, demo)),
        ("demo steward 900003 (1–3栋)", one(StaffRole.steward, demo)),
        ("demo technician 900004", one(StaffRole.technician, demo)),
        ("big-estate dispatcher", one(StaffRole.dispatcher, big)),
        (f"big-estate steward ({len(big_steward.building_ids or [])} bldgs)", big_steward),
        ("big-estate technician", one(StaffRole.technician, big)),
    ]
    for label, member in who:
        base = queue_query(member)
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        middle = None
        if total > PAGE:
            row = await session.scalar(
                base.order_by(Ticket.created_at, Ticket.id).offset(total // 2 - 1).limit(1)
            )
            if row is not None:
                middle = (row.created_at, row.id)
        session.expunge_all()

        def first(member: Staff = member) -> Callable[[Any, int], Awaitable[Sequence[Any]]]:
            async def call(session: Any, _: int) -> Sequence[Any]:
                return await queue(session, staff=member, limit=PAGE)

            return call

        cases.append(Case("/queue", f"{label}, first page", first(), note=f"{total:,} open"))
        if middle is not None:

            def later(
                member: Staff = member, after: tuple[datetime, int] = middle
            ) -> Callable[[Any, int], Awaitable[Sequence[Any]]]:
                async def call(session: Any, _: int) -> Sequence[Any]:
                    return await queue(session, staff=member, limit=PAGE, after=after)

                return call

            cases.append(
                Case(
                    "/queue",
                    f"{label}, later page",
                    later(),
                    note=f"after #{total // 2:,} of {total:,}",
                )
            )
    return cases


async def measure(
    database_url: str,
    estates: Estates,
    args: argparse.Namespace,
    *,
    busiest: tuple[int, int],
) -> list[Case]:
    from models.db import Database

    db = Database(database_url)
    timer = DriverTimer(db.engine)
    rng = random.Random(args.seed + 1)  # other draws than the data's
    try:
        async with db.sessions() as session:
            cases = await build_cases(session, estates, args.calls, rng, busiest=busiest)
            await run_cases(session, timer, cases, args.calls)
            for case in cases:
                await explain(session, case)
            await session.rollback()
    finally:
        await db.dispose()
    return cases
