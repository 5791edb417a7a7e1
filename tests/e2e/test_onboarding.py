"""A resident joins their household: by code, deep link, phone, or staff approval."""

from __future__ import annotations

from sqlalchemy import func, select

from models import (
    AuditEntry,
    BindingRequest,
    ChatIdentity,
    Community,
    Household,
    Resident,
    ResidentRole,
)
from services.demo import DISPATCH_GROUP_ID
from tests.e2e.conftest import Product
from tests.e2e.harness import Message, Sim, buttons, settled, text_of

ZHANG, LI, WANG = 10001, 10002, 10003  # roster owner, has a code (English), not on roster
DISPATCHER, STEWARD = 900002, 900003
GROUP = int(DISPATCH_GROUP_ID)


async def _household(product: Product, building: str, unit: str, room: str) -> Household:
    from services.households import find_household

    async with product.db.sessions() as session:
        household = await find_household(
            session, community="金采小区", building=building, unit=unit, room=room
        )
        assert household is not None
        return household


async def _members(product: Product, household_id: int) -> list[Resident]:
    async with product.db.sessions() as session:
        rows = await session.scalars(
            select(Resident).where(
                Resident.household_id == household_id, Resident.active.is_(True)
            )
        )
        return list(rows)


async def _ask_to_join(sim: Sim, building: str, unit: str, room: str, role: str) -> Message:
    """王女士 (not on the roster) shares her phone and asks to join a home as `role`; returns
    the request's alert in the dispatch group."""
    await sim.share_contact(WANG)
    await sim.press_button(WANG, WANG, await sim.wait_text(WANG, "管家"), building)
    unit_question = await sim.wait_for(WANG, lambda m: any(unit in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, unit_question, unit)
    rooms = await sim.wait_for(WANG, lambda m: any(t == room for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, rooms, room)
    roles = await sim.wait_for(WANG, lambda m: any(role in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, roles, role)
    await sim.wait_text(WANG, f"{building} {unit} {room}", "物业")
    return await sim.wait_text(GROUP, f"{building} {unit} {room}")


async def test_binds_by_typed_code_after_confirming_the_address(product: Product) -> None:
    sim = product.sim
    home = await _household(product, "2栋", "1单元", "301")
    await sim.send(LI, "/start")
    await sim.wait_text(LI, "binding code")  # Mr Li's Telegram is in English
    await sim.send(
        LI, home.binding_code.lower()[:4] + "-" + home.binding_code[4:]
    )  # typed loosely
    confirm = await sim.wait_text(LI, "Is this your home?", "2栋 1单元 301")
    await sim.press_button(LI, LI, confirm, "I am a family member")
    bound = await sim.wait_text(LI, "Done!", "2栋 1单元 301")
    assert "as a family member." in text_of(bound)
    members = await _members(product, home.id)
    assert [(m.role, m.bound_via) for m in members] == [(ResidentRole.family, "code")]
    # the question's buttons are gone, so it cannot be answered twice
    edited = await sim.wait_for(
        LI, lambda m: m["message_id"] == confirm["message_id"] and not buttons(m)
    )
    assert "301" in text_of(edited)


async def test_a_code_typed_in_full_width_within_a_sentence_is_read(product: Product) -> None:
    """Phones' Chinese keyboards often type full-width letters and digits, and people write
    a sentence around what they were given."""
    sim = product.sim
    home = await _household(product, "3栋", "2单元", "502")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in home.binding_code)
    await sim.send(WANG, f"我的绑定码是：{full_width}")
    confirm = await sim.wait_text(WANG, "这是您的家吗", "3栋 2单元 502")
    await sim.press_button(WANG, WANG, confirm, "租户")
    await sim.wait_text(WANG, "绑定成功", "3栋 2单元 502")
    assert [m.bound_via for m in await _members(product, home.id)] == ["code"]


async def test_a_typed_phone_number_is_pointed_to_the_share_button(product: Product) -> None:
    """A typed number cannot be checked as the sender's own, so it binds nothing; the reply
    says which button to use instead of "not understood"."""
    sim = product.sim
    await sim.send(WANG, "139 0000 0003")
    told = await sim.wait_text(WANG, "分享我的手机号", "没法核实")
    first_row = told["reply_markup"]["keyboard"][0]
    assert [b["text"] for b in first_row] == ["📱 分享我的手机号"] and first_row[0][
        "request_contact"
    ]
    await sim.send(ZHANG, "14672646214")  # on the roster, but typed: still only told
    await sim.wait_text(ZHANG, "没法核实")
    async with product.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Resident)) == 0
        assert await session.scalar(select(func.count()).select_from(BindingRequest)) == 0


async def test_help_before_joining_gives_the_offices_number_when_there_is_one(
    product: Product,
) -> None:
    sim = product.sim
    await sim.send(WANG, "/help")
    helped = await sim.wait_text(WANG, "邻里使用说明")
    assert "物业服务中心电话：0571-8888 6666" in text_of(helped), text_of(helped)
    # what `linli staff add --telegram-id` needs, for a new member of staff
    assert f"请把这个编号告诉管理员：{WANG}" in text_of(helped)

    async with product.db.sessions() as session:  # a second estate, with its own office
        session.add(
            Community(
                name="银湖苑", hotline="0571-6666 8888", created_at=product.runtime.clock.now()
            )
        )
        await session.commit()
    await sim.send(WANG, "❓ 帮助")
    helped = await sim.wait_for(
        WANG, lambda m: "邻里使用说明" in text_of(m) and m["message_id"] > helped["message_id"]
    )
    assert "物业服务中心电话" not in text_of(helped)  # which one is hers is not known yet


async def test_binds_by_deep_link_in_chinese(product: Product) -> None:
    sim = product.sim
    home = await _household(product, "3栋", "2单元", "502")
    await sim.user(20001, "陈奶奶", language_code="zh-hans")
    await sim.send(20001, f"/start {home.binding_code}")
    confirm = await sim.wait_text(20001, "这是您的家吗", "3栋 2单元 502")
    await sim.press_button(20001, 20001, confirm, "业主")
    await sim.wait_text(20001, "3栋 2单元 502", "业主")
    assert [m.role for m in await _members(product, home.id)] == [ResidentRole.owner]


async def test_binds_by_own_phone_on_the_roster(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    home = await _household(product, "1栋", "1单元", "101")
    members = await _members(product, home.id)
    assert [(m.role, m.bound_via) for m in members] == [(ResidentRole.owner, "phone")]


async def test_unknown_phone_asks_staff_and_the_dispatcher_approves(product: Product) -> None:
    sim = product.sim
    alert = await _ask_to_join(sim, "4栋", "2单元", "302", "租户")
    assert "+86 139****0003" in text_of(alert)  # staff see a masked phone
    home = await _household(product, "4栋", "2单元", "302")
    assert await _members(product, home.id) == []
    # A problem typed meanwhile: told her request waits, not to go and join
    await sim.send(WANG, "楼道的灯坏了")
    await sim.wait_text(WANG, "您绑定 金采小区 4栋 2单元 302 的申请正在等管家确认，确认后")
    # Impatient, she shares her phone again: told the request waits, not asked as if new.
    await sim.share_contact(WANG)
    await sim.wait_text(WANG, "您绑定 金采小区 4栋 2单元 302 的申请正在等管家确认")

    await sim.press_button(DISPATCHER, GROUP, alert, "通过")
    await sim.wait_text(WANG, "4栋 2单元 302", "租户")
    assert [(m.role, m.bound_via) for m in await _members(product, home.id)] == [
        (ResidentRole.tenant, "approval")
    ]
    decided = await sim.wait_for(
        GROUP, lambda m: m["message_id"] == alert["message_id"] and "刘调度" in text_of(m)
    )
    assert buttons(decided) == []
    # Bound now: the problem she types is offered as a repair report (the home choice her
    # second share opened ended with the decision).
    await sim.send(WANG, "楼道的灯坏了")
    offer = await sim.wait_text(WANG, "听起来是电路/照明报修。要帮您报给物业服务中心吗")
    assert buttons(offer)


async def test_a_wrong_tap_while_choosing_the_home_goes_back_one_step(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(WANG)
    question = await sim.wait_text(WANG, "请问您住在哪一栋")

    async def tap(label: str, then: str) -> Message:
        await sim.press_button(WANG, WANG, question, label)
        return await sim.wait_for(
            WANG,
            lambda m: m["message_id"] == question["message_id"] and text_of(m).startswith(then),
            what=f"the question {then!r}",
        )

    question = await tap("3栋", "3栋：请问是几单元")
    question = await tap("返回", "请问您住在哪一栋")  # she lives in 4栋
    question = await tap("4栋", "4栋：请问是几单元")
    question = await tap("1单元", "4栋 1单元：请问是哪一户")
    question = await tap("返回", "4栋：请问是几单元")
    question = await tap("2单元", "4栋 2单元：请问是哪一户")
    question = await tap("301", "金采小区 4栋 2单元 301")
    question = await tap("返回", "4栋 2单元：请问是哪一户")
    question = await tap("302", "金采小区 4栋 2单元 302")
    await sim.press_button(WANG, WANG, question, "租户")
    await sim.wait_text(GROUP, "4栋 2单元 302")
    async with product.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(BindingRequest)) == 1


async def test_the_home_typed_instead_of_tapped_is_found(product: Product) -> None:
    sim = product.sim
    await sim.send(WANG, "我住4栋2单元302")  # before anything: told how to join that home
    await sim.wait_text(WANG, "要绑定 金采小区 4栋 2单元 302", "分享我的手机号")
    await sim.share_contact(WANG)
    await sim.wait_text(WANG, "请问您住在哪一栋")
    await sim.send(WANG, "4栋 302")  # a 302 in every unit: which one?
    await sim.wait_text(WANG, "没找到这一户", "3栋2单元302")
    await sim.send(WANG, "9栋1单元101")  # no such building
    await sim.send(WANG, "４号楼２单元３０２室")  # full-width, as some phones type
    roles = await sim.wait_for(
        WANG,
        lambda m: (
            "金采小区 4栋 2单元 302" in text_of(m) and any("租户" in t for t, _ in buttons(m))
        ),
        what="who she is in 4栋 2单元 302",
    )
    await sim.press_button(WANG, WANG, roles, "租户")
    await sim.wait_text(GROUP, "4栋 2单元 302")
    said = [text_of(m) for m in await sim.bot_messages(WANG)]
    assert sum("没找到这一户" in t for t in said) == 2, said


async def test_a_rejected_request_is_told_with_the_offices_number(product: Product) -> None:
    """Told to call the office, she is given its number: she will not have it at hand."""
    sim = product.sim
    alert = await _ask_to_join(sim, "4栋", "2单元", "302", "租户")

    await sim.press_button(DISPATCHER, GROUP, alert, "驳回")
    told = await sim.wait_text(WANG, "无法确认您住在 金采小区 4栋 2单元 302")
    assert "物业服务中心电话：0571-8888 6666" in text_of(told), text_of(told)
    assert [b["text"] for b in told["reply_markup"]["keyboard"][0]] == ["📱 分享我的手机号"]
    await sim.wait_for(
        GROUP,
        lambda m: m["message_id"] == alert["message_id"] and "已由 刘调度 驳回" in text_of(m),
    )
    home = await _household(product, "4栋", "2单元", "302")
    assert await _members(product, home.id) == []


async def test_wrong_and_rotated_codes_are_refused_and_three_tries_lock_entry(
    product: Product,
) -> None:
    from services.onboarding import rotate_code

    sim = product.sim
    home = await _household(product, "5栋", "3单元", "601")
    old_code = home.binding_code
    async with product.db.sessions() as session:
        new_code = await rotate_code(
            session, household_id=home.id, now=product.runtime.clock.now(), actor_kind="cli"
        )
        await session.commit()

    await sim.send(LI, old_code)  # replaced, not mistyped: told to ask for the new one
    replaced = await sim.wait_text(LI, "replaced by a new one", "tries left this hour: 2")
    assert "ask the home's owner or the property office" in text_of(replaced)
    await sim.send(LI, "ZZZZ9999")
    await sim.wait_text(LI, "not right", "tries left this hour: 1")
    await sim.send(LI, "QQQQ8888")
    await sim.wait_text(LI, "Too many wrong codes")
    before = len(await sim.bot_messages(LI))
    await sim.send(LI, new_code)  # even the right code waits out the hour
    messages = await sim.wait_count(LI, before + 1)
    assert "Too many wrong codes" in text_of(messages[-1])
    assert await _members(product, home.id) == []
    async with product.db.sessions() as session:
        refused = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "binding.code_wrong")
        )
    assert refused == 3


async def test_owner_hears_of_a_new_member_and_can_remove_them(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)  # owner of 1栋1单元101
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    home = await _household(product, "1栋", "1单元", "101")
    await sim.send(LI, f"/start {home.binding_code}")
    confirm = await sim.wait_text(LI, "Is this your home?")
    assert not any("owner" in t for t, _ in buttons(confirm))  # the home has its owner already
    await sim.press_button(LI, LI, confirm, "tenant")
    await sim.wait_text(LI, "Done!")

    joined = await sim.wait_text(ZHANG, "Mr Li 已作为租户加入")
    await sim.press_button(ZHANG, ZHANG, joined, "我不认识此人")
    ask = await sim.wait_text(ZHANG, "确定把 Mr Li")
    await sim.press_button(ZHANG, ZHANG, ask, "是的，移除")
    gone = await sim.wait_text(LI, "no longer linked")
    assert [m.role for m in await _members(product, home.id)] == [ResidentRole.owner]
    # his menu is a newcomer's again: the home's buttons would lead nowhere
    assert [b["text"] for b in gone["reply_markup"]["keyboard"][0]] == ["📱 Share my phone number"]

    # He came in with the code, so the code went with him: the owner is given the new one,
    # and the old one no longer lets him back in.
    new_code = (await _household(product, "1栋", "1单元", "101")).binding_code
    assert new_code != home.binding_code
    removed = await sim.wait_text(ZHANG, "已将 Mr Li 从您家中移除", "您家的新绑定码")
    assert f"{new_code}" in text_of(removed) and f"start={new_code}" in text_of(removed)
    assert home.binding_code not in text_of(removed)
    await sim.send(LI, f"/start {home.binding_code}")
    await sim.wait_text(LI, "replaced by a new one", "tries left this hour: 2")
    assert [m.role for m in await _members(product, home.id)] == [ResidentRole.owner]


async def test_removing_a_member_bound_by_staff_approval_keeps_the_code(
    product: Product,
) -> None:
    """Only a way in that the removed person still holds is closed: staff approved this one,
    and the code the owner has handed out keeps working for those it was given to."""
    sim = product.sim
    home = await _household(product, "1栋", "1单元", "101")
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await _approved_into_zhangs_home(product)
    joined = await sim.wait_text(ZHANG, "王女士 已作为家庭成员加入")
    await sim.press_button(ZHANG, ZHANG, joined, "我不认识此人")
    await sim.press_button(ZHANG, ZHANG, await sim.wait_text(ZHANG, "确定把 王女士"), "是的，移除")
    removed = await sim.wait_text(ZHANG, "已将 王女士 从您家中移除")
    assert "您家的新绑定码" not in text_of(removed)
    assert (await _household(product, "1栋", "1单元", "101")).binding_code == home.binding_code


async def _approved_into_zhangs_home(product: Product) -> None:
    """王女士 (not on the roster) asks to join 1栋1单元101 as family; the dispatcher approves."""
    sim = product.sim
    alert = await _ask_to_join(sim, "1栋", "1单元", "101", "家庭成员")
    await sim.press_button(DISPATCHER, GROUP, alert, "通过")
    await sim.wait_text(WANG, "绑定成功")


async def test_an_owner_gives_the_home_a_new_code_and_no_one_else_can(product: Product) -> None:
    sim = product.sim
    home = await _household(product, "1栋", "1单元", "101")
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await sim.send(LI, f"/start {home.binding_code}")
    await sim.press_button(LI, LI, await sim.wait_text(LI, "Is this your home?"), "family")
    await sim.wait_text(LI, "Done!")

    await sim.send(ZHANG, "🏠 我的家")
    overview = await sim.wait_text(ZHANG, "我的家", home.binding_code)
    await sim.press_button(ZHANG, ZHANG, overview, "换一个新绑定码")
    ask = await sim.wait_text(
        ZHANG, "要给 金采小区 1栋 1单元 101 换一个新绑定码吗", home.binding_code
    )
    await sim.press_button(ZHANG, ZHANG, ask, "不，保留")  # changed her mind: nothing changes
    await sim.wait_for(ZHANG, lambda m: m["message_id"] == ask["message_id"] and not buttons(m))
    assert (await _household(product, "1栋", "1单元", "101")).binding_code == home.binding_code

    # Mr Li, a family member, forges the owner's button (his own membership and hers): refused
    owner_button = next(d for t, d in buttons(overview) if "换一个新绑定码" in t)
    zhang_membership = owner_button.split(":")[-1]
    li_membership = next(
        m.id for m in await _members(product, home.id) if m.role == ResidentRole.family
    )
    for forged in (f"home:c:{zhang_membership}", f"home:c:{li_membership}"):
        press = await sim.press(LI, LI, overview["message_id"], forged)
        answer = await sim.callback_answer(press["callback_query_id"], wait=10)
        assert "Only the home's owner" in answer["text"], answer
    assert (await _household(product, "1栋", "1单元", "101")).binding_code == home.binding_code

    async def refusals() -> int | None:
        async with product.db.sessions() as session:
            return await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "household.rotate_code", AuditEntry.outcome == "refused"
                )
            )

    assert await settled(refusals, 2) == 2  # written by the transaction that answered the press

    await sim.send(ZHANG, "🏠 我的家")
    overview = await sim.wait_text(ZHANG, "我的家", home.binding_code)
    await sim.press_button(ZHANG, ZHANG, overview, "换一个新绑定码")
    ask = await sim.wait_for(
        ZHANG, lambda m: "换一个新绑定码吗" in text_of(m) and bool(buttons(m))
    )
    await sim.press_button(ZHANG, ZHANG, ask, "是的，换新码")
    renewed = await sim.wait_for(
        ZHANG, lambda m: m["message_id"] == ask["message_id"] and "您家的新绑定码" in text_of(m)
    )
    new_code = (await _household(product, "1栋", "1单元", "101")).binding_code
    assert new_code != home.binding_code and f"start={new_code}" in text_of(renewed)
    assert {m.role for m in await _members(product, home.id)} == {
        ResidentRole.owner,
        ResidentRole.family,
    }  # everyone already in stays
    await sim.send(WANG, home.binding_code)  # the old code is refused
    await sim.wait_text(WANG, "这个绑定码已经换成新的了", "还能试2次")
    await sim.send(WANG, new_code)  # the new one works
    await sim.wait_text(WANG, "这是您的家吗", "1栋 1单元 101")


async def test_my_home_lists_members_and_gives_the_owner_the_code(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await sim.send(ZHANG, "🏠 我的家")
    home = await _household(product, "1栋", "1单元", "101")
    overview = await sim.wait_text(ZHANG, home.binding_code)
    assert f"start={home.binding_code}" in text_of(overview)
    assert "张桂英 · 业主（您）" in text_of(overview)  # the demo roster names her
    # who to turn to: the steward of 1栋 by name, and the office's phone
    assert "您的管家：赵管家" in text_of(overview), text_of(overview)
    assert "物业服务中心电话：0571-8888 6666" in text_of(overview)


async def test_a_problem_typed_before_joining_says_how_to_join_and_what_to_do_first(
    product: Product,
) -> None:
    sim = product.sim
    await sim.send(WANG, "电梯里有人被困住了")
    trapped = text_of(await sim.wait_text(WANG, "请先绑定您的家"))
    assert "电梯" in trapped and "96333" in trapped and "119" in trapped, trapped
    await sim.send(WANG, "水龙头有点滴水")  # not an emergency: no emergency steps
    dripping = text_of(await sim.wait_text(WANG, "水管/下水道", "请先绑定您的家"))
    assert "119" not in dripping, dripping
    await sim.send(WANG, "你好")  # greeted, and told how to join
    await sim.wait_text(WANG, "您好！我是邻里", "绑定码", "分享我的手机号")
    await sim.send(WANG, "我想问问")  # not small talk: the plain catch-all
    await sim.wait_text(WANG, "没看明白", "绑定码")


async def test_someone_with_two_homes_switches_between_them(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)  # owner of 1栋1单元101
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    flat = await _household(product, "2栋", "1单元", "301")  # her second flat
    await sim.send(ZHANG, f"/start {flat.binding_code}")
    confirm = await sim.wait_text(ZHANG, "这是您的家吗")
    await sim.press_button(ZHANG, ZHANG, confirm, "业主")
    await sim.wait_text(ZHANG, "绑定成功", "2栋 1单元 301")

    await sim.send(ZHANG, "🏠 我的家")
    second = await sim.wait_text(ZHANG, "我的家：金采小区 2栋 1单元 301")  # the one just joined
    pressed = await sim.press_button(ZHANG, ZHANG, second, "切换到 金采小区 1栋 1单元 101")
    answer = await sim.callback_answer(pressed["callback_query_id"], wait=10)
    assert "已切换到" in answer["text"]
    first = await sim.wait_text(ZHANG, "我的家：金采小区 1栋 1单元 101")
    assert [t for t, _d in buttons(first)] == [
        "🔁 切换到 金采小区 2栋 1单元 301",
        "🔄 给我家换一个新绑定码",  # she owns this one too
    ]
    home = await _household(product, "1栋", "1单元", "101")
    async with product.db.sessions() as session:  # what she does now is for the home in use
        in_use = await session.scalar(
            select(ChatIdentity.current_household_id).where(ChatIdentity.external_id == str(ZHANG))
        )
    assert in_use == home.id

    # A forged switch to a home that is not hers changes nothing, and is audited.
    pressed = await sim.press(ZHANG, ZHANG, first["message_id"], "home:s:999999")
    answer = await sim.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["show_alert"] and "不是您绑定的房屋" in answer["text"], answer

    async def refused() -> int:
        async with product.db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(
                        AuditEntry.action == "household.switch", AuditEntry.outcome == "refused"
                    )
                )
                or 0
            )

    assert await settled(refused, 1) == 1
    await sim.send(ZHANG, "🏠 我的家")
    await sim.wait_text(ZHANG, "我的家：金采小区 1栋 1单元 101")
