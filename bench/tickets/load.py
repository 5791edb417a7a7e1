"""A million tickets, generated and COPY'd into the scratch database (see the package's
"Data")."""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

from bench.scratch import asyncpg_dsn
from bench.tickets.estates import Estates

DAYS = 730  # tickets created over the last two years
OPEN_WEIGHTS = {"new": 30, "accepted": 15, "assigned": 25, "in_progress": 25, "reopened": 5}
FINISHED_WEIGHTS = {"closed": 85, "done": 2, "rejected": 6, "cancelled": 7}
# P(open) for a ticket `age` days old: a stale base plus a recent bulge; ≈ 10 % overall.
OPEN_BASE, OPEN_RECENT, OPEN_DECAY_DAYS = 0.088, 0.6, 14.0
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
