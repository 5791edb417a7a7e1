"""The demo estate 金采小区 (DOMAIN.md, "Demo data"), seeded through the real services."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Household, StaffRole
from services import staff as staff_service
from services.households import building_for, community_for, find_household
from services.onboarding import unique_code

COMMUNITY = "金采小区"
BUILDINGS = 6
UNITS = 3
FLOORS = 6
ROOMS_PER_FLOOR = 2
DISPATCH_GROUP_ID = "-1001000000001"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = (
    "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 建国 建华 国强 志强 志明 海燕 丽华 卫东 红梅 淑珍 "
    "振华 德明 春生 永福 宝山 文静 晓东 俊杰 明辉 建军 国华 丽娟"
).split()


@dataclass(frozen=True)
class Persona:
    """A simulator user or group set up for the demo, with a hint for the person trying it."""

    id: int
    first_name: str
    note: str
    phone: str | None = None
    language_code: str = "zh-hans"
    is_group: bool = False
    members: tuple[int, ...] = ()


@dataclass
class DemoInfo:
    personas: list[Persona] = field(default_factory=list)


ZHANG_ROSTER_NAME = "张桂英"


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str:
    return f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"


async def seed_demo(session: AsyncSession, *, now: datetime) -> DemoInfo:
    """Create the estate, its roster, staff and the dispatcher group (idempotent)."""
    rng = random.Random(20261122)  # same names and phones every run
    community = await community_for(session, COMMUNITY, now)
    community.hotline = community.hotline or "0571-8888 6666"
    existing = await session.scalar(select(Household.id).limit(1))
    for b in range(1, BUILDINGS + 1):
        building = await building_for(session, community, f"{b}栋")
        for unit in range(1, UNITS + 1):
            for floor in range(1, FLOORS + 1):
                for r in range(1, ROOMS_PER_FLOOR + 1):
                    name, phone = _name(rng), _phone(rng)
                    area = (
                        Decimal(rng.choice((68, 75, 89, 96, 110, 128)))
                        + Decimal(rng.randrange(100)) / 100
                    )
                    if existing is not None:
                        continue
                    session.add(
                        Household(
                            building_id=building.id,
                            unit=f"{unit}单元",
                            room=f"{floor}0{r}",
                            owner_name=name,
                            owner_phone=phone,
                            area_m2=area,
                            binding_code=await unique_code(session),
                            code_issued_at=now,
                        )
                    )
    await session.flush()

    staff = [
        (900001, "陈经理", StaffRole.manager, None),
        (900002, "刘调度", StaffRole.dispatcher, None),
        (900003, "赵管家", StaffRole.steward, ["1栋", "2栋", "3栋"]),
        (900004, "孙师傅", StaffRole.technician, None),
    ]
    for tg_id, name, role, buildings in staff:
        await staff_service.add_staff(
            session,
            external_id=str(tg_id),
            name=name,
            role=role,
            now=now,
            community=COMMUNITY,
            buildings=buildings,
        )
    await staff_service.add_group(
        session,
        chat_id=DISPATCH_GROUP_ID,
        purpose="dispatch",
        now=now,
        title="金采小区调度群",
        community=COMMUNITY,
    )

    roster_home = await find_household(
        session, community=COMMUNITY, building="1栋", unit="1单元", room="101"
    )
    code_home = await find_household(
        session, community=COMMUNITY, building="2栋", unit="1单元", room="301"
    )
    assert roster_home is not None and code_home is not None
    # 张阿姨's home is on the roster under her own name, so "My home" reads as her own.
    roster_home.owner_name = ZHANG_ROSTER_NAME
    personas = [
        Persona(
            10001,
            "张阿姨",
            "业主 owner of 1栋1单元101 · 分享手机号即可绑定 share phone to bind",
            phone=roster_home.owner_phone,
        ),
        Persona(
            10002,
            "Mr Li",
            f"住户, code for 2栋1单元301: {code_home.binding_code}",
            phone="+8613900000002",
            language_code="en",
        ),
        Persona(
            10003,
            "王女士",
            "租户 tenant, phone not on roster · 需管家审批 needs staff approval",
            phone="+8613900000003",
        ),
        Persona(900001, "陈经理", "经理 manager", phone="+8613700000001"),
        Persona(900002, "刘调度", "调度 dispatcher", phone="+8613700000002"),
        Persona(900003, "赵管家", "管家 steward (1–3栋)", phone="+8613700000003"),
        Persona(900004, "孙师傅", "维修 technician", phone="+8613700000004"),
        Persona(
            int(DISPATCH_GROUP_ID),
            "金采小区调度群",
            "dispatcher group 调度群",
            is_group=True,
            members=(900001, 900002, 900003, 900004),  # 孙师傅 grabs (抢单) from here,
        ),
    ]
    return DemoInfo(personas=personas)
