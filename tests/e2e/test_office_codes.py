"""Staff give a home a new binding code from chat (/code), its owner is told, and nobody
else may: through the simulator, against the real product."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.household.office import OfficeCodeCb
from models import AuditEntry, Household
from services.demo import DISPATCH_GROUP_ID
from services.households import find_household
from tests.e2e.conftest import Product
from tests.e2e.harness import buttons, settled, text_of

ZHANG = 10001  # 张阿姨, owner of 1栋 1单元 101 on the roster
DISPATCHER, TECHNICIAN = 900002, 900004
GROUP = int(DISPATCH_GROUP_ID)


async def household(product: Product) -> Household:
    async with product.db.sessions() as session:
        found = await find_household(
            session, community="金采小区", building="1栋", unit="1单元", room="101"
        )
        assert found is not None
        return found


async def test_staff_renew_a_homes_code_and_the_owner_is_told(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    old = (await household(product)).binding_code

    await sim.send(DISPATCHER, "/code")
    await sim.wait_text(DISPATCHER, "是哪一户", "/code 1栋1单元101")
    await sim.send(DISPATCHER, "/code 8栋1单元101")  # no such building
    await sim.wait_text(DISPATCHER, "没有找到", "8栋1单元101", "/code 1栋1单元101")
    await sim.send(DISPATCHER, "/code 1栋1单元101")
    ask = await sim.wait_text(DISPATCHER, "要给 金采小区 1栋 1单元 101 换一个新绑定码吗")
    keep = OfficeCodeCb(household_id=(await household(product)).id, renew=False).pack()
    renew = OfficeCodeCb(household_id=(await household(product)).id, renew=True).pack()
    assert [d for _t, d in buttons(ask)] == [renew, keep]
    await sim.press_button(DISPATCHER, DISPATCHER, ask, "不，保留")
    await sim.wait_for(
        DISPATCHER,
        lambda m: m["message_id"] == ask["message_id"] and "没有做任何改动" in text_of(m),
    )
    assert (await household(product)).binding_code == old

    # Someone whose role may not (a technician), and a resident forging the button: refused.
    await sim.send(TECHNICIAN, "/code 1-1-101")
    asked = await sim.wait_text(TECHNICIAN, "换一个新绑定码吗")
    press = await sim.press(TECHNICIAN, TECHNICIAN, asked["message_id"], renew)
    answer = await sim.callback_answer(press["callback_query_id"], wait=10)
    assert answer["show_alert"] and "不能进行这项操作" in answer["text"], answer
    await sim.send(ZHANG, "/code 1栋1单元101")
    mine = await sim.wait_text(ZHANG, "仅限物业工作人员")
    press = await sim.press(ZHANG, ZHANG, mine["message_id"], renew)
    answer = await sim.callback_answer(press["callback_query_id"], wait=10)
    assert answer["show_alert"], answer
    assert (await household(product)).binding_code == old

    async def refusals() -> int:
        async with product.db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(
                        AuditEntry.action == "household.rotate_code",
                        AuditEntry.outcome == "refused",
                    )
                )
                or 0
            )

    assert await settled(refusals, 2) == 2

    # The dispatcher renews it: the new code shown to him, the owner told it.
    await sim.send(DISPATCHER, "/code 1栋1单元101")
    ask = await sim.wait_for(
        DISPATCHER, lambda m: "换一个新绑定码吗" in text_of(m) and bool(buttons(m))
    )
    await sim.press_button(DISPATCHER, DISPATCHER, ask, "换新码")
    renewed = await sim.wait_for(
        DISPATCHER,
        lambda m: m["message_id"] == ask["message_id"] and "业主已经收到通知" in text_of(m),
    )
    new = (await household(product)).binding_code
    assert new != old and new in text_of(renewed) and f"start={new}" in text_of(renewed)
    told = await sim.wait_text(ZHANG, "物业服务中心给 金采小区 1栋 1单元 101 换了新的绑定码", new)
    assert old not in text_of(told)
