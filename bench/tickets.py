"""Database time of the chat's ticket lists (/tickets and /queue) with a million tickets.

    .venv/bin/python -m bench.tickets [--tickets 1000000] [--calls 500] [--proposal]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1/test] [--keep]

`--tickets 100000` is a quick run (about a minute); the default million loads in about
half a minute on two cores and measures in a few minutes.

PostgreSQL only, on loopback (or a local socket). The URL names the admin database: a fresh
database `linli_bench_tickets_<random>` is created next to it, migrated with the project's
Alembic migrations (`models.migrate.upgrade_async`) and dropped at the end (`--keep` leaves it
for poking at plans by hand; its name is printed).

Data, all in the fresh database:
  * the demo estate 金采小区 through `services.demo.seed_demo` (216 households; manager,
    dispatcher 900002, steward 900003 for 1–3栋, technician 900004);
  * `--estates` more estates (default 50) of 1,200–2,800 households each (≈ 2,000), in
    6–33-floor buildings, each with a manager, a dispatcher, a steward per six buildings and
    three technicians; one company-wide dispatcher (no estate);
  * one chat identity per household (the reporter);
  * N tickets (`--tickets`, default 1,000,000), COPY'd in with asyncpg's
    `copy_records_to_table`: created over the last two years with ids in creation order,
    spread over households with a heavy tail (log-normal rates: a few households file far
    more), 75 % repairs / 25 % complaints over the real categories, ≈ 90 % finished
    (closed, some rejected, cancelled or done) and ≈ 10 % open (new, accepted, assigned,
    in progress, a few reopened), open ones more likely the more recent; repairs assigned to
    the estate's technicians, complaints to the building's steward; realistic deadlines,
    timestamps, ratings and descriptions. Per-estate numbers (`seq`, `BX-0001234`) follow
    creation order and `ticket_counters.last_seq` is each estate's highest.
    For speed the secondary indexes and the unique/foreign-key constraints of `tickets` are
    dropped for the COPY and then recreated from their own catalogue definitions (so the
    schema is exactly the migrated one; re-adding the constraints re-validates every row).
    Ticket events and media are not loaded: neither list reads them.
  * then VACUUM ANALYZE and a CHECKPOINT, so autovacuum and checkpoints stay out of the way.

Measured, through the real functions with a real `AsyncSession` from `models.db.Database`
(the bot's engine settings, prepared statements cached as in the bot), one session and
connection for everything, `--calls` calls per case after a short warm-up, interleaved
(round i makes call i of every case, so other load on the machine hits all cases alike):
  * `/tickets`: `services.tickets.queries.for_household(limit=10)` for random households,
    first page, and the second page (`before_id` = the first page's last id) of households
    that have one; and the household that files the most: its first and its oldest page;
  * `/queue`: `services.tickets.queries.queue(limit=10)` for the demo dispatcher (whole
    estate), steward (1–3栋) and technician, the same three roles of the largest generated
    estate, and the company-wide dispatcher; first page, and a later page (`after=` the
    ticket in the middle of that staff member's queue).

"db" is the time around the driver's execute (SQLAlchemy's before/after_cursor_execute
events: asyncpg sends the prepared statement and reads every row), i.e. the round trip to the
database; "call" is `time.perf_counter()` around the whole service call (adds building the ORM
objects). Both are compared with the baseline `SELECT 1` through the same session, measured in
the same run, so the ratios are comparable across machines. The statement of each case's
slowest call is then re-run with EXPLAIN (ANALYZE, BUFFERS) and its plan printed.

`--proposal` then applies PROPOSAL (partial indexes on open tickets for the queue, a
(household_id, id) index for /tickets, an assignee index without NULLs, extended statistics)
to the scratch database and measures everything again with `queue_proposed` (open statuses
as literals, the `after=` keyset as one row comparison): the before/after figures for
changing the migrations and services/tickets/queries.py.

It prints figures only; it never fails on them (exit status 0 unless the bench itself broke).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy.engine import make_url

from bench.scratch import asyncpg_dsn, scratch_database

TARGET_P99_MS = 50.0
DAYS = 730  # tickets created over the last two years
PAGE = 10
WARMUP_CALLS = 20
LOOPBACK = {"127.0.0.1", "localhost", "::1", None, ""}

OPEN_WEIGHTS = {"new": 30, "accepted": 15, "assigned": 25, "in_progress": 25, "reopened": 5}
FINISHED_WEIGHTS = {"closed": 85, "done": 2, "rejected": 6, "cancelled": 7}
# P(open) for a ticket `age` days old: a stale base plus a recent bulge; ≈ 10 % overall.
OPEN_BASE, OPEN_RECENT, OPEN_DECAY_DAYS = 0.088, 0.6, 14.0

_OPEN = "status IN ('new', 'accepted', 'assigned', 'in_progress', 'reopened')"  # OPEN_STATUSES
# --proposal: applied to the scratch database after the first pass, then measured again.
PROPOSAL = (
    f"CREATE INDEX ix_tickets_open_queue ON tickets (community_id, created_at, id) WHERE {_OPEN}",
    f"CREATE INDEX ix_tickets_open_created ON tickets (created_at, id) WHERE {_OPEN}",
    "CREATE INDEX ix_tickets_household_id ON tickets (household_id, id)",
    # Only the technician queue used it, badly (a bitmap of every unassigned open ticket);
    # the foreign key's ON DELETE SET NULL keeps an index without NULLs.
    "CREATE INDEX ix_tickets_assignee ON tickets (assignee_id) WHERE assignee_id IS NOT NULL",
    "DROP INDEX ix_tickets_assignee_status",
    "DROP INDEX ix_tickets_queue",  # replaced by ix_tickets_open_queue (sla.daily_summary too)
    # A building lies in one estate: without this the planner multiplies the two filters.
    "CREATE STATISTICS st_tickets_community_building (dependencies) "
    "ON community_id, building_id FROM tickets",
    "ANALYZE tickets",
)

TICKET_COLUMNS = (
    "id",
    "community_id",
    "seq",
    "number",
    "kind",
    "category",
    "status",
    "urgency",
    "household_id",
    "building_id",
    "reporter_id",
    "anonymous",
    "location",
    "place",
    "description",
    "visit_window",
    "assignee_id",
    "duplicate_of",
    "created_at",
    "updated_at",
    "accept_by",
    "finish_by",
    "accepted_at",
    "started_at",
    "done_at",
    "closed_at",
    "escalated_at",
    "reject_reason",
    "rating",
    "rating_comment",
    "reopen_count",
)

ESTATE_HEADS = "翠苑 金桥 文华 桂花 丽水 锦绣 阳光 和平 东方 星河 紫荆 梧桐 香樟 青枫 银湖".split()
ESTATE_TAILS = "小区 花园 家园 新村 公寓".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
GIVEN = "秀英 桂英 秀兰 建国 建华 国强 志强 志明 海燕 丽华 卫东 红梅 振华 德明 俊杰 明辉".split()

DESCRIPTIONS = {
    "plumbing": (
        "厨房水龙头一直滴水，拧不紧",
        "卫生间下水道堵了，水排不下去",
        "楼上漏水，天花板有水渍",
    ),
    "electrical": ("客厅灯不亮，换了灯泡也不行", "插座跳闸，一用电饭煲就断电", "楼道感应灯坏了"),
    "appliance": ("热水器打不着火", "空调外机噪音很大", "燃气灶点不着"),
    "doors_windows": (
        "入户门锁不好开，钥匙卡住",
        "窗户关不严，下雨往里渗水",
        "单元门禁刷卡没反应",
    ),
    "gas": ("厨房有煤气味，已经关阀门了", "燃气表不走字"),
    "elevator": ("电梯按钮失灵，到不了楼层", "电梯运行有异响，晃得厉害", "电梯门关不上"),
    "public_area": ("楼道墙皮脱落", "地下车库积水", "小区路灯坏了好几盏"),
    "greening": ("楼下的树枝挡住窗户了", "草坪很久没修剪", "花坛里杂草太多"),
    "fee_value": ("物业费收了但保洁没跟上", "公摊电费金额看不懂，请说明"),
    "missing_service": ("垃圾两天没人清运", "门岗夜里没人值班"),
    "utility_cut": ("停水没有提前通知", "今天下午停电，什么时候恢复？"),
    "security": ("陌生人尾随进单元门", "车库门口的监控坏了"),
    "environment": ("垃圾桶周围味道很大", "楼道里堆满杂物，有消防隐患"),
    "noise": ("楼上装修，晚上十点还在打钻", "广场舞音乐太响"),
    "parking": ("有车长期占用我的车位", "消防通道停满了车"),
    "pets": ("邻居的狗在楼道里大小便", "有狗不拴绳，吓到小孩"),
    "other": ("希望增加几个快递柜", "小区健身器材坏了", "有问题想咨询一下"),
}
PLACES = ("单元门口", "电梯厅", "地下车库", "楼道", "小区大门", "儿童乐园", "垃圾站", "健身区")
WINDOWS = ("any", "today_afternoon", "today_evening", "tomorrow_morning", "weekend")
REJECT_REASONS = ("不属于物业维修范围", "重复提交", "已电话沟通，住户自行处理")
RATING_WEIGHTS = (3, 4, 8, 25, 60)  # 1 … 5 stars


# --- a fresh database ---------------------------------------------------------------------------


# --- the estates --------------------------------------------------------------------------------


@dataclass
class Home:
    id: int
    community_id: int
    building_id: int
    reporter_id: int


@dataclass
class Staffing:
    """Who tickets get assigned to: a building's steward, an estate's technicians."""

    steward_of_building: dict[int, int] = field(default_factory=dict)
    technicians: dict[int, list[int]] = field(default_factory=dict)
    desk: dict[int, int] = field(default_factory=dict)  # estate -> manager or dispatcher


@dataclass
class Estates:
    homes: list[Home]
    staffing: Staffing
    communities: int
    demo_community_id: int
    big_community_id: int  # the generated estate with the most households
    timings: dict[str, float] = field(default_factory=dict)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


async def seed_estates(database_url: str, args: argparse.Namespace, now: datetime) -> Estates:
    """The demo estate via `seed_demo`, then generated estates, staff, households, reporters."""
    import asyncpg
    from sqlalchemy import select

    from models import Building, Community, Staff, StaffRole
    from models.db import Database
    from services.demo import COMMUNITY, seed_demo

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    db = Database(database_url)
    layout: list[tuple[int, int, int, int]] = []  # (building id, units, floors, rooms/floor)
    try:
        async with db.sessions() as session:
            await seed_demo(session, now=now)
            demo = await session.scalar(select(Community).where(Community.name == COMMUNITY))
            assert demo is not None
            names = [h + t for h in ESTATE_HEADS for t in ESTATE_TAILS]
            rng.shuffle(names)
            estates = []
            for i in range(args.estates):
                name = (
                    names[i]
                    if i < len(names)
                    else f"{names[i % len(names)]}{i // len(names) + 1}期"
                )
                community = Community(
                    name=name, created_at=now - timedelta(days=900), hotline="0571-8000 0000"
                )
                session.add(community)
                estates.append(community)
            await session.flush()
            plans: list[tuple[Community, list[Building], list[tuple[int, int, int]]]] = []
            for community in estates:
                target, total, shapes = rng.randint(1200, 2800), 0, []
                while total < target:
                    shape = (rng.choice((2, 3, 4)), rng.choice((6, 11, 18, 26, 33)), 2)
                    shapes.append(shape)
                    total += shape[0] * shape[1] * shape[2]
                buildings = [
                    Building(community_id=community.id, name=f"{b}栋", sort_key=b)
                    for b in range(1, len(shapes) + 1)
                ]
                session.add_all(buildings)
                plans.append((community, buildings, shapes))
            await session.flush()
            counter = 0

            def staff(role: StaffRole, community_id: int | None, buildings: Any = None) -> Staff:
                nonlocal counter
                counter += 1
                member = Staff(
                    channel="telegram",
                    external_id=str(800_000_000 + counter),
                    name=_name(rng),
                    role=role,
                    community_id=community_id,
                    building_ids=buildings,
                    active=True,
                    created_at=now - timedelta(days=800),
                )
                session.add(member)
                return member

            staff(StaffRole.dispatcher, None)  # company-wide (总部调度)
            estate_staff = []
            for community, buildings, _ in plans:
                desk = staff(StaffRole.dispatcher, community.id)
                staff(StaffRole.manager, community.id)
                stewards = []
                for start in range(0, len(buildings), 6):
                    ids = [b.id for b in buildings[start : start + 6]]
                    stewards.append((staff(StaffRole.steward, community.id, ids), ids))
                techs = [staff(StaffRole.technician, community.id) for _ in range(3)]
                estate_staff.append((community, desk, stewards, techs))
            await session.flush()
            for _, buildings, shapes in plans:
                layout.extend((b.id, *shape) for b, shape in zip(buildings, shapes, strict=True))
            staffing = Staffing()
            for community, desk, stewards, techs in estate_staff:
                staffing.desk[community.id] = desk.id
                staffing.technicians[community.id] = [t.id for t in techs]
                for steward, ids in stewards:
                    for building_id in ids:
                        staffing.steward_of_building[building_id] = steward.id
            # The demo estate's own staff, as seed_demo made them.
            demo_staff = list(
                await session.scalars(select(Staff).where(Staff.community_id == demo.id))
            )
            demo_buildings = list(
                await session.scalars(select(Building.id).where(Building.community_id == demo.id))
            )
            by_role = {s.role: s for s in demo_staff}
            staffing.desk[demo.id] = by_role[StaffRole.dispatcher].id
            staffing.technicians[demo.id] = [by_role[StaffRole.technician].id]
            for building_id in demo_buildings:
                steward = by_role[StaffRole.steward]
                staffing.steward_of_building[building_id] = (
                    steward.id
                    if building_id in (steward.building_ids or [])
                    else by_role[StaffRole.manager].id
                )
            demo_id = demo.id
            await session.commit()
    finally:
        await db.dispose()
    timings = {"estates and staff (ORM)": time.perf_counter() - t0}

    t0 = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        households = []
        serial = 0
        for building_id, units, floors, rooms in layout:
            for unit in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for room in range(1, rooms + 1):
                        serial += 1
                        households.append(
                            (
                                building_id,
                                f"{unit}单元",
                                f"{floor}{room:02d}",
                                Decimal(rng.choice((68, 75, 89, 96, 110, 128, 143))),
                                _name(rng),
                                f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                                f"0{serial:07d}",  # 0 is outside the real code alphabet
                                now - timedelta(days=700),
                            )
                        )
        await conn.copy_records_to_table(
            "households",
            records=households,
            columns=(
                "building_id",
                "unit",
                "room",
                "area_m2",
                "owner_name",
                "owner_phone",
                "binding_code",
                "code_issued_at",
            ),
        )
        rows = await conn.fetch(
            "SELECT h.id, h.building_id, b.community_id FROM households h "
            "JOIN buildings b ON b.id = h.building_id ORDER BY h.id"
        )
        base = await conn.fetchval("SELECT coalesce(max(id), 0) FROM chat_identities")
        identities = [
            (
                base + i + 1,
                "telegram",
                str(7_000_000_000 + r["id"]),
                None,
                "zh-hans",
                False,
                now - timedelta(days=600),
                now - timedelta(days=rng.randrange(60)),
            )
            for i, r in enumerate(rows)
        ]
        await conn.copy_records_to_table(
            "chat_identities",
            records=identities,
            columns=(
                "id",
                "channel",
                "external_id",
                "display_name",
                "platform_language",
                "blocked",
                "created_at",
                "last_seen_at",
            ),
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('chat_identities', 'id'), "
            "(SELECT max(id) FROM chat_identities))"
        )
        homes = [
            Home(r["id"], r["community_id"], r["building_id"], base + i + 1)
            for i, r in enumerate(rows)
        ]
        sizes: dict[int, int] = {}
        for home in homes:
            sizes[home.community_id] = sizes.get(home.community_id, 0) + 1
        big = max((c for c in sizes if c != demo_id), key=lambda c: sizes[c])
    finally:
        await conn.close()
    timings["households and reporters (COPY)"] = time.perf_counter() - t0
    return Estates(
        homes=homes,
        staffing=staffing,
        communities=len(sizes),
        demo_community_id=demo_id,
        big_community_id=big,
        timings=timings,
    )


# --- the tickets --------------------------------------------------------------------------------


def _picker(weights: dict[str, int]) -> Callable[[float], str]:
    names = list(weights)
    cum = list(accumulate(weights.values()))
    total = cum[-1]
    return lambda u: names[bisect_left(cum, u * total + 1e-12)]


@dataclass
class LoadStats:
    open: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    last_seq: dict[int, int] = field(default_factory=dict)
    per_home: dict[int, int] = field(default_factory=dict)


def ticket_rows(
    n: int, estates: Estates, now: datetime, seed: int, stats: LoadStats
) -> Iterator[tuple[Any, ...]]:
    """N ticket rows in creation order (ids 1…N), as COPY records."""
    from services.tickets.rules import COMPLAINT_CATEGORIES, REPAIR_CATEGORIES

    rng = random.Random(seed)
    rand = rng.random
    homes = estates.homes
    staffing = estates.staffing
    rates = [rng.lognormvariate(0.0, 1.0) for _ in homes]  # heavy tail: a few busy households
    cum_rates = list(accumulate(rates))
    picks = rng.choices(range(len(homes)), cum_weights=cum_rates, k=n)
    start = now.timestamp() - DAYS * 86400
    created = sorted(start + rand() * DAYS * 86400 for _ in range(n))
    now_ts = now.timestamp()
    open_status = _picker(OPEN_WEIGHTS)
    finished_status = _picker(FINISHED_WEIGHTS)
    repair_category = _picker(
        {c: 3 if c in ("plumbing", "electrical") else 1 for c in REPAIR_CATEGORIES}
    )
    complaint_category = _picker(dict.fromkeys(COMPLAINT_CATEGORIES, 1))
    rating = _picker({str(i + 1): w for i, w in enumerate(RATING_WEIGHTS)})
    seqs = stats.last_seq
    per_home = stats.per_home
    by_status = stats.by_status
    fromts = datetime.fromtimestamp
    exp = math.exp
    minute, hour, day = 60.0, 3600.0, 86400.0

    def ts(x: float | None) -> datetime | None:
        return None if x is None else fromts(min(x, now_ts), UTC)

    for i in range(n):
        home = homes[picks[i]]
        c_ts = created[i]
        community = home.community_id
        seq = seqs.get(community, 0) + 1
        seqs[community] = seq
        per_home[home.id] = per_home.get(home.id, 0) + 1
        repair = rand() < 0.75
        category = repair_category(rand()) if repair else complaint_category(rand())
        urgent = rand() < (0.5 if category in ("gas", "elevator") else 0.04)
        age_days = (now_ts - c_ts) / day
        is_open = rand() < OPEN_BASE + OPEN_RECENT * exp(-age_days / OPEN_DECAY_DAYS)
        status = open_status(rand()) if is_open else finished_status(rand())
        by_status[status] = by_status.get(status, 0) + 1
        if is_open:
            stats.open += 1
        accept_by = c_ts + (15 if urgent else 120) * minute
        finish_by = c_ts + (4 if urgent else 48) * hour
        accepted = started = done = closed = escalated = None
        if status not in ("new", "rejected", "cancelled") or (
            status == "cancelled" and rand() < 0.5
        ):
            accepted = c_ts + (2 + rand() * (12 if urgent else 110)) * minute
        if status in ("in_progress", "done", "closed", "reopened"):
            started = accepted + (0.2 + rand() * 20) * hour  # type: ignore[operator]
        if status in ("done", "closed", "reopened"):
            done = started + (0.2 + rand() * 30) * hour  # type: ignore[operator]
        if status == "closed":
            closed = done + rand() * 3 * day  # type: ignore[operator]
        elif status in ("rejected", "cancelled"):
            closed = c_ts + (0.5 + rand() * 30) * hour
        if status == "new" and accept_by < now_ts:
            escalated = accept_by + 5 * minute
        if status in ("new", "rejected") or (status in ("accepted", "cancelled") and rand() < 0.6):
            assignee = None
        elif repair:
            techs = staffing.technicians[community]
            assignee = techs[int(rand() * len(techs))]
        else:
            assignee = staffing.steward_of_building.get(home.building_id, staffing.desk[community])
        updated = max(x for x in (c_ts, accepted, started, done, closed) if x is not None)
        public = rand() < (0.35 if not repair else 0.15)
        options = DESCRIPTIONS[category]
        rated = status == "closed" and rand() < 0.6
        yield (
            i + 1,
            community,
            seq,
            f"{'BX' if repair else 'TS'}-{seq:07d}",
            "repair" if repair else "complaint",
            category,
            status,
            "urgent" if urgent else "normal",
            home.id,
            home.building_id,
            home.reporter_id,
            (not repair) and rand() < 0.1,
            "public" if public else "home",
            PLACES[int(rand() * len(PLACES))] if public else None,
            options[int(rand() * len(options))],
            WINDOWS[int(rand() * len(WINDOWS))] if repair and not public else None,
            assignee,
            None,
            ts(c_ts),
            ts(updated),
            ts(accept_by),
            ts(finish_by),
            ts(accepted),
            ts(started),
            ts(done),
            ts(closed),
            ts(escalated),
            REJECT_REASONS[int(rand() * len(REJECT_REASONS))] if status == "rejected" else None,
            int(rating(rand())) if rated else None,
            "师傅很专业，谢谢" if rated and rand() < 0.15 else None,
            1 if status == "reopened" else 0,
        )


async def load_tickets(
    database_url: str, estates: Estates, n: int, now: datetime, seed: int
) -> tuple[LoadStats, dict[str, float], list[str]]:
    """COPY N tickets with the secondary indexes and constraints set aside, then restore them."""
    import asyncpg

    timings: dict[str, float] = {}
    notes: list[str] = []
    stats = LoadStats()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("SET maintenance_work_mem = '256MB'")
        constraints = await conn.fetch(
            "SELECT conname, pg_get_constraintdef(oid) AS def, contype FROM pg_constraint "
            "WHERE conrelid = 'tickets'::regclass AND contype IN ('u', 'f') "
            "ORDER BY contype DESC, conname"  # unique first, then foreign keys
        )
        indexes = await conn.fetch(
            "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'tickets'::regclass "
            "AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
            " AND c.conrelid = 'tickets'::regclass) ORDER BY i.relname"
        )
        before = await schema_of(conn)
        for c in constraints:
            await conn.execute(f'ALTER TABLE tickets DROP CONSTRAINT "{c["conname"]}"')
        for ix in indexes:
            await conn.execute(f'DROP INDEX "{ix["name"]}"')

        t0 = time.perf_counter()
        await conn.copy_records_to_table(
            "tickets", records=ticket_rows(n, estates, now, seed, stats), columns=TICKET_COLUMNS
        )
        timings["tickets COPY"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        for ix in indexes:
            await conn.execute(ix["def"])
        timings[f"{len(indexes)} secondary indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for c in constraints:
            await conn.execute(f'ALTER TABLE tickets ADD CONSTRAINT "{c["conname"]}" {c["def"]}')
        timings["unique + foreign keys (validated)"] = time.perf_counter() - t0
        after = await schema_of(conn)
        if after != before:
            changed = sorted(set(before) ^ set(after))
            notes.append(f"WARNING: the restored tickets schema differs: {changed}")
        else:
            notes.append(
                f"tickets schema restored exactly ({len(before)} indexes and constraints)"
            )

        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))"
        )
        await conn.executemany(
            "INSERT INTO ticket_counters (community_id, last_seq) VALUES ($1, $2) "
            "ON CONFLICT (community_id) DO UPDATE SET last_seq = excluded.last_seq",
            sorted(stats.last_seq.items()),
        )
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM (SELECT community_id, max(seq) AS m, count(*) AS k "
            "FROM tickets GROUP BY community_id) t LEFT JOIN ticket_counters c USING "
            "(community_id) WHERE c.last_seq IS DISTINCT FROM t.m OR t.m <> t.k"
        )
        notes.append(
            f"ticket_counters: {len(stats.last_seq)} estates, last_seq = max(seq) = count "
            f"everywhere: {'yes' if mismatched == 0 else f'NO ({mismatched} estates differ)'}"
        )

        t0 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        timings["VACUUM ANALYZE"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            await conn.execute("CHECKPOINT")
            timings["CHECKPOINT"] = time.perf_counter() - t0
        except asyncpg.PostgresError as exc:  # needs superuser or pg_checkpoint
            notes.append(f"CHECKPOINT skipped: {exc}")
        size = await conn.fetchval(
            "SELECT pg_size_pretty(pg_table_size('tickets')) || ' table, ' || "
            "pg_size_pretty(pg_indexes_size('tickets')) || ' indexes'"
        )
        notes.append(f"tickets on disk: {size}")
    finally:
        await conn.close()
    return stats, timings, notes


async def schema_of(conn: Any) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = 'tickets'::regclass UNION ALL "
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets'"
    )
    return sorted((r["name"], r["def"]) for r in rows)


# --- measuring ----------------------------------------------------------------------------------


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


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


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


def queue_query_proposed(staff: Any) -> Any:
    """`services.tickets.queries.queue_query`, the open statuses rendered as literals.

    With literals the planner can match the partial indexes in every plan, also a generic
    plan of the prepared statement (asyncpg prepares every statement; with bound values only
    a custom plan can use them). The scope rules are copied unchanged.
    """
    from sqlalchemy import BindParameter, bindparam, select

    from models import OPEN_STATUSES, StaffRole, Ticket, TicketKind

    statuses: BindParameter[list[Any]] = bindparam(
        "open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True
    )
    query = select(Ticket).where(Ticket.status.in_(statuses))
    if staff.community_id is not None and staff.role != StaffRole.admin:
        query = query.where(Ticket.community_id == staff.community_id)
    if staff.building_ids and staff.role != StaffRole.admin:
        query = query.where(Ticket.building_id.in_(staff.building_ids))
    if staff.role == StaffRole.technician:
        query = query.where((Ticket.assignee_id == staff.id) | Ticket.assignee_id.is_(None)).where(
            Ticket.kind == TicketKind.repair
        )
    return query


async def queue_proposed(
    session: Any,
    *,
    staff: Any,
    limit: int = 10,
    after: tuple[datetime, int] | None = None,
) -> list[Any]:
    """`services.tickets.queries.queue` as proposed: literal statuses, one row comparison."""
    from sqlalchemy import literal, tuple_

    from models import Ticket

    query = queue_query_proposed(staff)
    if after is not None:
        created_at, ticket_id = after
        query = query.where(
            tuple_(Ticket.created_at, Ticket.id)
            > tuple_(
                literal(created_at, Ticket.created_at.type), literal(ticket_id, Ticket.id.type)
            )
        )
    return list(await session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(limit)))


async def build_cases(
    session: Any,
    estates: Estates,
    calls: int,
    rng: random.Random,
    *,
    busiest: tuple[int, int],
    queue: Callable[..., Awaitable[list[Any]]],
) -> list[Case]:
    from sqlalchemy import func, select, text

    from models import Staff, StaffRole, Ticket
    from services.tickets.queries import for_household, queue_query

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
    proposal: bool = False,
) -> list[Case]:
    from models.db import Database
    from services.tickets.queries import queue

    db = Database(database_url)
    timer = DriverTimer(db.engine)
    rng = random.Random(args.seed + 1)  # the same households and cursors in every pass
    try:
        async with db.sessions() as session:
            cases = await build_cases(
                session,
                estates,
                args.calls,
                rng,
                busiest=busiest,
                queue=queue_proposed if proposal else queue,
            )
            await run_cases(session, timer, cases, args.calls)
            for case in cases:
                await explain(session, case)
            await session.rollback()
    finally:
        await db.dispose()
    return cases


# --- report -------------------------------------------------------------------------------------


def fmt(value: float, digits: int = 2) -> str:
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"


def report_data(
    *,
    args: argparse.Namespace,
    server: str,
    estates: Estates,
    stats: LoadStats,
    timings: dict[str, float],
    notes: list[str],
) -> None:
    n = args.tickets
    busiest = max(stats.per_home.values(), default=0)
    idle = len(estates.homes) - len(stats.per_home)
    print()
    print(f"Linli ticket lists — {n:,} tickets, {server}, {os.cpu_count()} CPUs")
    print(
        f"data: {estates.communities} estates, {len(estates.homes):,} households "
        f"(tickets per household: mean {n / max(1, len(estates.homes)):.1f}, max {busiest}, "
        f"{idle:,} with none); open {stats.open:,} ({100 * stats.open / max(1, n):.1f} %)"
    )
    print(
        "statuses: "
        + ", ".join(
            f"{s} {100 * k / max(1, n):.1f} %"
            for s, k in sorted(stats.by_status.items(), key=lambda kv: -kv[1])
        )
    )
    print("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"      total {sum(timings.values()):.1f} s")
    for note in notes:
        print(f"      {note}")


def report_table(cases: list[Case], *, title: str, tickets: int) -> None:
    base = next((c for c in cases if c.group == "baseline"), None)
    base_db = sorted(base.db_ms) if base else []
    b50, b99 = percentile(base_db, 0.5), percentile(base_db, 0.99)
    header = (
        "query",
        "calls",
        "rows",
        "db p50",
        "db p99",
        "db max",
        "p50 ×S1",
        "p99 ×S1",
        "call p50",
        "call p99",
        "EXPLAIN exec",
        "",
    )
    table = []
    for c in cases:
        db, call = sorted(c.db_ms), sorted(c.call_ms)
        p50, p99 = percentile(db, 0.5), percentile(db, 0.99)
        extra = f" ({c.extra_statements} extra statements!)" if c.extra_statements else ""
        table.append(
            (
                f"{c.group} {c.name}" if c.group != "baseline" else c.name,
                str(len(db)),
                f"{c.rows / max(1, len(db)):.1f}",
                fmt(p50),
                fmt(p99),
                fmt(max(db, default=math.nan)),
                fmt(p50 / b50, 1) if b50 else "—",
                fmt(p99 / b99, 1) if b99 else "—",
                fmt(percentile(call, 0.5)),
                fmt(percentile(call, 0.99)),
                fmt(c.execution_ms, 3),
                c.note + extra,
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i in (0, len(values) - 1) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print()
    print(f"{title} — milliseconds per call")
    print(
        "  db = driver round trip (send, execute, read rows); call = the whole service call; "
        "×S1 = multiple of the SELECT 1 db time in this pass;"
    )
    print("  EXPLAIN exec = server Execution Time of the slowest call's statement, re-run")
    head = line(header)
    print(head)
    print("-" * len(head))
    for row in table:
        print(line(row))
    for group in ("/tickets", "/queue"):
        worst = max(
            (percentile(sorted(c.db_ms), 0.99) for c in cases if c.group == group),
            default=math.nan,
        )
        print(
            f"{group}: worst db p99 {fmt(worst)} ms (target < {TARGET_P99_MS:g} ms "
            f"with 1,000,000 tickets; this run has {tickets:,})"
        )


def report_plans(cases: list[Case], *, title: str) -> None:
    print()
    print(f"Plans, {title}: EXPLAIN (ANALYZE, BUFFERS) of each case's slowest call, re-run warm")
    for c in cases:
        if c.group == "baseline" or not c.plan:
            continue
        _, statement, parameters = c.slowest
        flat = " ".join(statement.split())
        if flat.startswith("SELECT tickets.") and " FROM " in flat:  # the column list, shortened
            flat = "SELECT tickets.*" + flat[flat.index(" FROM ") :]
        print()
        print(f"== {c.group} {c.name}")
        print(f"   {flat}")
        print(f"   parameters: {json.dumps(list(parameters or ()), default=str)}")
        for plan_line in c.plan:
            print(f"   {plan_line}")


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tickets", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--tickets", type=int, default=1_000_000, help="tickets to load (default 1,000,000)"
    )
    parser.add_argument(
        "--estates", type=int, default=50, help="generated estates besides the demo (default 50)"
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=500,
        help="measured calls per case (default 500, at least 500)",
    )
    parser.add_argument("--seed", type=int, default=20261122, help="random seed")
    parser.add_argument(
        "--database-url",
        default="postgresql+asyncpg://postgres@127.0.0.1/test",
        help="PostgreSQL server and admin database to create the scratch database from",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database (prints its name)"
    )
    parser.add_argument(
        "--proposal",
        action="store_true",
        help="then apply the index and query proposal (PROPOSAL, queue_proposed), measure again",
    )
    args = parser.parse_args(argv)
    if not 1000 <= args.tickets <= 20_000_000:
        parser.error("--tickets must be between 1,000 and 20,000,000")
    if not 1 <= args.estates <= 500:
        parser.error("--estates must be between 1 and 500")
    if not 500 <= args.calls <= 100_000:
        parser.error("--calls must be between 500 and 100,000")
    url = make_url(args.database_url)
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "asyncpg":
        parser.error("--database-url must be postgresql+asyncpg://…")
    if url.host not in LOOPBACK:
        parser.error("--database-url must point at this machine (127.0.0.1, localhost, ::1)")
    return args


async def main_async(args: argparse.Namespace) -> None:
    import asyncpg

    from models.migrate import upgrade_async

    now = datetime.now(UTC).replace(microsecond=0)
    async with scratch_database(
        args.database_url, prefix="linli_bench_tickets", keep=args.keep
    ) as url:
        print(f"database {make_url(url).database}: migrating …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        await upgrade_async(url)
        timings = {"migrate": time.perf_counter() - t0}
        print("seeding estates …", file=sys.stderr, flush=True)
        estates = await seed_estates(url, args, now)
        timings.update(estates.timings)
        print(f"loading {args.tickets:,} tickets …", file=sys.stderr, flush=True)
        stats, load_timings, notes = await load_tickets(url, estates, args.tickets, now, args.seed)
        timings.update(load_timings)
        busiest = max(stats.per_home.items(), key=lambda kv: kv[1])
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            server = "PostgreSQL " + str(await conn.fetchval("SHOW server_version"))
            server += f", shared_buffers {await conn.fetchval('SHOW shared_buffers')}"
        finally:
            await conn.close()
        print("measuring the code as it is …", file=sys.stderr, flush=True)
        passes = [("as is", await measure(url, estates, args, busiest=busiest))]
        if args.proposal:
            print("applying the proposal …", file=sys.stderr, flush=True)
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                for statement in PROPOSAL:
                    await conn.execute(statement)
            finally:
                await conn.close()
            print("measuring with the proposal …", file=sys.stderr, flush=True)
            cases = await measure(url, estates, args, busiest=busiest, proposal=True)
            passes.append(("with the proposal (PROPOSAL + queue_proposed)", cases))
        report_data(
            args=args, server=server, estates=estates, stats=stats, timings=timings, notes=notes
        )
        for title, cases in passes:
            report_table(cases, title=title, tickets=args.tickets)
        if args.proposal:
            print()
            print("the proposal:")
            for statement in PROPOSAL:
                print(f"  {statement};")
            print(
                "  queue_query(): OPEN_STATUSES as literals (expanding bindparam, "
                "literal_execute=True); queue(): after= as (created_at, id) > (:created_at, :id) "
                "(see queue_proposed in this file)"
            )
        for title, cases in passes:
            report_plans(cases, title=title)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    asyncio.run(main_async(args))
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
