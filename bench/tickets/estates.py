"""The scratch estates: the demo estate and `--estates` generated ones, their households,
reporters and staff."""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.scratch import asyncpg_dsn

ESTATE_HEADS = "翠苑 金桥 文华 桂花 丽水 锦绣 阳光 和平 东方 星河 紫荆 梧桐 香樟 青枫 银湖".split()
ESTATE_TAILS = "小区 花园 家园 新村 公寓".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
GIVEN = "秀英 桂英 秀兰 建国 建华 国强 志强 志明 海燕 丽华 卫东 红梅 振华 德明 俊杰 明辉".split()


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
