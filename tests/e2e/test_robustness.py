"""Restarts, redelivered updates, webhook secrets, and input the bot must survive."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from models import AuditEntry, BindingRequest, FsmRecord, Resident
from services.demo import DISPATCH_GROUP_ID
from tests.e2e.conftest import WEBHOOK_SECRET, Product, product_settings, start_product
from tests.e2e.harness import buttons, settled, text_of

ZHANG, LI, WANG = 10001, 10002, 10003
DISPATCHER = 900002
GROUP = int(DISPATCH_GROUP_ID)


async def _count(product: Product, model: type, *where: object) -> int:
    async with product.db.sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )


async def test_restart_in_the_middle_of_binding_resumes(
    product: Product, database_url: str, simulator
) -> None:  # type: ignore[no-untyped-def]
    from services.households import find_household

    sim = product.sim
    async with product.db.sessions() as session:
        home = await find_household(
            session, community="金采小区", building="6栋", unit="3单元", room="201"
        )
        assert home is not None
    await sim.send(LI, home.binding_code)
    confirm = await sim.wait_text(LI, "Is this your home?")
    assert (
        await _count(product, FsmRecord, FsmRecord.state.is_not(None)) == 1
    )  # the state is on disk

    await product.stop()
    restarted = await start_product(
        product_settings(database_url, simulator.url), sim, product.db, product.demo
    )
    try:
        await sim.press_button(LI, LI, confirm, "owner")
        await sim.wait_text(LI, "Done!", "6栋 3单元 201")
        assert await _count(restarted, Resident, Resident.household_id == home.id) == 1
    finally:
        await restarted.stop()


async def test_update_delivered_by_polling_and_webhook_binds_once(product: Product) -> None:
    sim = product.sim
    sent = await sim.share_contact(ZHANG)
    update = {"update_id": sent["update_id"], "message": sent["message"]}
    async with httpx.AsyncClient(base_url=product.web_url) as web:
        response = await web.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status_code == 200
        again = await web.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert again.status_code == 200
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await sim.send(ZHANG, "/menu")  # a later update: polling has certainly seen the first by then
    await sim.wait_text(ZHANG, "按钮")
    assert await _count(product, Resident) == 1
    bound = [m for m in await sim.bot_messages(ZHANG) if "1栋 1单元 101" in text_of(m)]
    assert len(bound) == 1


async def test_webhook_without_the_right_secret_is_refused_and_changes_nothing(
    product: Product,
) -> None:
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": ZHANG, "type": "private"},
            "from": {"id": ZHANG, "is_bot": False, "first_name": "张阿姨"},
            "contact": {"phone_number": "8613000000000", "first_name": "x", "user_id": ZHANG},
        },
    }
    async with httpx.AsyncClient(base_url=product.web_url) as web:
        missing = await web.post("/telegram/webhook", json=update)
        wrong = await web.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"},
        )
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert await _count(product, Resident) == 0
    assert await _count(product, BindingRequest) == 0


async def test_a_question_the_bot_cannot_answer_gives_the_offices_number(
    product: Product,
) -> None:
    """A resident asks what no button does (a parcel, here): not understood, and the number
    of their own estate's office to ask a person instead. (A fee question gets its own
    answer with the number: test_broadcast.py.)"""
    sim = product.sim
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await sim.send(ZHANG, "我的快递到了吗")
    told = await sim.wait_text(ZHANG, "没看明白")
    assert "物业服务中心电话：0571-8888 6666" in text_of(told)
    # Staff are the office: not told to call it.
    await sim.send(DISPATCHER, "今天谁值班")
    told = await sim.wait_text(DISPATCHER, "没看明白")
    assert "0571" not in text_of(told)


async def test_a_menu_button_typed_in_words_works_like_the_button(product: Product) -> None:
    """Someone who types the words of a big button, without its emoji (or in another script or
    language), gets what the button gives, not "not understood" or a guessed complaint."""
    sim = product.sim
    await sim.send(ZHANG, "通知")  # before joining: no estate's notices to show yet
    await sim.wait_text(ZHANG, "先绑定您的家，就能收到")
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await sim.send(ZHANG, "帮助")
    helped = await sim.wait_text(ZHANG, "邻里使用说明")
    assert "“通知”可以查看物业发布的通知" in text_of(helped)
    assert "回复关于它的任意一条消息，或者直接打字" in text_of(helped)
    assert "遇到困难？请给物业服务中心打电话" in text_of(helped)
    await sim.send(ZHANG, "我的家")
    await sim.wait_text(ZHANG, "家庭成员", "张桂英")
    await sim.send(ZHANG, "通知")  # not a complaint about a water-cut notice
    await sim.wait_text(ZHANG, "暂时还没有通知")
    await sim.send(ZHANG, "My Tickets")
    await sim.wait_text(ZHANG, "您家还没有报修或投诉")
    await sim.send(ZHANG, "報修")
    await sim.wait_text(ZHANG, "什么需要修")


async def test_bad_input_is_always_answered_and_never_crashes(product: Product) -> None:
    sim = product.sim
    await sim.send(LI, "/frobnicate")
    await sim.wait_text(LI, "don't know that command")
    await sim.send(LI, sticker=True)
    await sim.wait_text(LI, "can't use that kind of message")
    await sim.send(LI, "长" * 4000)
    await sim.wait_text(LI, "didn't understand")
    await sim.share_contact(
        LI, phone="+8613812345678", contact_user_id=ZHANG
    )  # someone else's card
    await sim.wait_text(LI, "your own phone number")
    assert await _count(product, Resident) == 0

    # forged or stale buttons: each answered, nothing changed
    menu = await sim.bot_messages(LI)
    anchor = menu[-1]["message_id"]
    for data in (
        "join:r:1:0:owner",
        "breq:1:1",
        "home:r:1",
        "lang:xx",
        "nonsense",
        "join:q:1:0:tenant",
    ):
        press = await sim.press(LI, LI, anchor, data)
        answer = await _answered(sim, press["callback_query_id"])
        assert answer["answered"], data
    assert await _count(product, Resident) == 0
    assert await _count(product, BindingRequest) == 0


async def test_a_resident_pressing_the_staff_approve_button_is_refused_and_audited(
    product: Product,
) -> None:
    sim = product.sim
    await sim.share_contact(WANG)
    picker = await sim.wait_text(WANG, "管家")
    await sim.press_button(WANG, WANG, picker, "1栋")
    unit = await sim.wait_for(WANG, lambda m: any("1单元" in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, unit, "1单元")
    room = await sim.wait_for(WANG, lambda m: any(t == "202" for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, room, "202")
    role = await sim.wait_for(WANG, lambda m: any("家庭成员" in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, role, "家庭成员")
    alert = await sim.wait_text(GROUP, "1栋 1单元 202")
    approve = next(data for text, data in buttons(alert) if "通过" in text)

    press = await sim.press(WANG, WANG, alert["message_id"], approve)  # forged into their own chat
    answer = await _answered(sim, press["callback_query_id"])
    assert answer["answered"] and "不能进行这项操作" in (answer.get("text") or "")
    assert await _count(product, Resident) == 0
    decided = await settled(
        lambda: _count(
            product,
            AuditEntry,
            AuditEntry.action == "binding.decide",
            AuditEntry.outcome == "refused",
        ),
        1,
    )
    assert decided == 1

    # a technician is staff, but not allowed to approve bindings either
    await sim.user(900004, "孙师傅")
    press = await sim.press(900004, GROUP, alert["message_id"], approve)
    assert (await _answered(sim, press["callback_query_id"]))["answered"]
    assert await _count(product, Resident) == 0


async def _answered(sim, callback_query_id: str) -> dict:  # type: ignore[no-untyped-def]
    return await sim.callback_answer(callback_query_id, wait=10)


async def test_alerts_follow_a_group_that_became_a_supergroup(product: Product) -> None:
    from models import StaffGroup
    from services.staff import add_group

    sim = product.sim
    await sim.group(-5001, "1号楼工作群", [900003], type="group")
    async with product.db.sessions() as session:
        await add_group(
            session,
            chat_id="-5001",
            purpose="dispatch",
            now=product.runtime.clock.now(),
            community="金采小区",
        )
        await session.commit()
    moved = await sim.http.post("/chats/-5001/migrate", json={})
    moved.raise_for_status()
    new_id = moved.json()["new_chat_id"]
    for _ in range(200):  # the bot reads Telegram's service message and follows the group
        async with product.db.sessions() as session:
            ids = set(await session.scalars(select(StaffGroup.chat_id)))
        if str(new_id) in ids:
            break
        await asyncio.sleep(0.05)
    assert str(new_id) in ids and "-5001" not in ids

    await sim.share_contact(WANG)
    picker = await sim.wait_text(WANG, "管家")
    await sim.press_button(WANG, WANG, picker, "2栋")
    unit = await sim.wait_for(WANG, lambda m: any("3单元" in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, unit, "3单元")
    room = await sim.wait_for(WANG, lambda m: any(t == "101" for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, room, "101")
    role = await sim.wait_for(WANG, lambda m: any("租户" in t for t, _ in buttons(m)))
    await sim.press_button(WANG, WANG, role, "租户")
    await sim.wait_text(new_id, "2栋 3单元 101")


async def test_flooding_person_is_slowed_down_with_one_warning(
    database_url: str, sim, db, simulator
) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import seed

    info = await seed(database_url, sim, db)
    settings = product_settings(database_url, simulator.url, flood={"per_minute": 3})
    running = await start_product(settings, sim, db, info)
    try:
        for _ in range(6):
            await sim.send(LI, "/help")
        await sim.wait_text(LI, "very quickly")
        texts = [text_of(m) for m in await sim.bot_messages(LI)]
        assert sum("very quickly" in t for t in texts) == 1
        assert sum("How to use Linli" in t for t in texts) == 3
    finally:
        await running.stop()
