"""Announcements through the chat: a manager composes, previews and sends; residents read them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.i18n import Catalogue
from bot.notices import RenderContext, notices
from handlers.broadcast.buttons import (
    AudienceCb,
    AudienceKind,
    BuildingCb,
    EditCb,
    ExpiryCb,
    KindCb,
    PreviewAction,
    PreviewCb,
    ProgressAction,
    ProgressCb,
    Question,
    When,
    WhenCb,
    YesNoCb,
)
from handlers.broadcast.states import Section
from handlers.notices import AckCb, ListAction, NoticesCb
from models import Broadcast, BroadcastAck, Building, Community, Staff
from models.db import Database
from services import broadcast_progress, broadcasts
from services.broadcasts import Draft, QuietHours
from tests.e2e.conftest import Product, Server, product_settings, seed, start_product
from tests.e2e.harness import Message, Sim, ask_and_press, buttons, has_button, press, text_of
from tests.services.factories import resident

MANAGER, TECHNICIAN = 900001, 900004
ZHANG, LI = 10001, 10002  # 张阿姨 owns 1栋1单元101; Mr Li reads English
ZHAO, QIAN = 31001, 31002  # 赵大爷 in 1栋 2单元 302; 钱阿姨 in 2栋 1单元 101


@pytest.fixture
async def product(
    database_url: str, sim: Sim, db: Database, simulator: Server
) -> AsyncIterator[Product]:
    """The product with quiet hours that never begin, so “now” is now at any hour of the day."""
    info = await seed(database_url, sim, db)
    settings = product_settings(
        database_url, simulator.url, quiet_hours={"start": "03:00", "end": "03:00"}
    )
    running = await start_product(settings, sim, db, info)
    yield running
    await running.stop()


# --- helpers ---------------------------------------------------------------------------------


async def bind(
    product: Product, telegram_id: int, where: tuple[str, str, str], name: str | None = None
) -> None:
    """A resident bound in the database; `name` creates them in the simulator too."""
    if name is not None:
        await product.sim.user(telegram_id, name)
    async with product.db.sessions() as session:
        building, unit, room = where
        await resident(
            session,
            telegram_id=telegram_id,
            building=building,
            unit=unit,
            room=room,
            now=datetime.now(UTC),
        )
        await session.commit()


async def building_id(product: Product, name: str) -> int:
    async with product.db.sessions() as session:
        found = await session.scalar(select(Building.id).where(Building.name == name))
        assert found is not None
        return found


async def latest_broadcast(product: Product) -> Broadcast:
    async with product.db.sessions() as session:
        found = await session.scalar(select(Broadcast).order_by(Broadcast.id.desc()).limit(1))
        assert found is not None
        return found


async def acks(product: Product) -> int:
    async with product.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(BroadcastAck)) or 0)


async def progress_shows(product: Product, *needles: str) -> Message:
    """Refresh the progress line (as the scheduler's job does) until it says `needles`."""
    for _ in range(100):
        async with product.db.sessions() as session:
            await broadcast_progress.refresh_progress(session, now=datetime.now(UTC))
            await session.commit()
        for message in reversed(await product.sim.bot_messages(MANAGER)):
            if text_of(message).startswith("📢") and all(n in text_of(message) for n in needles):
                return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"the progress never showed {needles}")


# --- tests -----------------------------------------------------------------------------------


async def test_manager_announces_to_one_building_and_residents_confirm(product: Product) -> None:
    sim = product.sim
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")
    await bind(product, ZHAO, ("1栋", "2单元", "302"), "赵大爷")
    await bind(product, QIAN, ("2栋", "1单元", "101"), "钱阿姨")
    first_building = await building_id(product, "1栋")

    await sim.send(MANAGER, "/broadcast")
    await ask_and_press(sim, MANAGER, KindCb().pack())  # write my own
    await sim.wait_text(MANAGER, "请输入通知标题")
    await sim.send(MANAGER, "x" * 101)  # too long: said so, and asked again
    await sim.wait_text(MANAGER, "100 个字以内")
    await sim.send(MANAGER, "电梯保养")
    await sim.wait_text(MANAGER, "通知正文")
    await sim.send(MANAGER, "1栋电梯明天上午9点到11点保养，请走楼梯。")
    await ask_and_press(sim, MANAGER, AudienceCb(kind=AudienceKind.buildings).pack())
    await ask_and_press(sim, MANAGER, BuildingCb(building_id=first_building).pack())
    chosen = await sim.wait_for(MANAGER, lambda m: any(t == "✓ 1栋" for t, _d in buttons(m)))
    await press(sim, MANAGER, chosen, BuildingCb().pack())  # done
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.urgent, yes=False).pack())
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.ack, yes=True).pack())
    await ask_and_press(sim, MANAGER, WhenCb(when=When.now).pack())
    await ask_and_press(sim, MANAGER, ExpiryCb(days=0).pack())

    confirm = PreviewCb(action=PreviewAction.confirm).pack()
    summary = await sim.wait_for(MANAGER, has_button(confirm), what="the preview")
    assert "目前 2 人会收到" in text_of(summary) and "1栋" in text_of(summary)
    preview = await sim.wait_text(MANAGER, "【金采小区】通知", "电梯保养")
    assert preview["message_id"] < summary["message_id"]
    await press(sim, MANAGER, summary, confirm)
    await sim.wait_text(MANAGER, "已确认")

    notice = await sim.wait_text(ZHANG, "【金采小区】通知", "电梯保养", "请走楼梯")
    assert [t for t, _d in buttons(notice)] == ["✓ 收到"]
    await sim.wait_text(ZHAO, "电梯保养")
    await progress_shows(product, "已发送 2 / 2")
    assert await sim.bot_messages(QIAN) == []  # 2栋 is not in the audience

    answer = await press(sim, ZHANG, notice, buttons(notice)[0][1])
    assert "谢谢" in (answer["text"] or "")
    await sim.wait_for(
        ZHANG,
        lambda m: (
            m["message_id"] == notice["message_id"]
            and [t for t, _d in buttons(m)] == ["✓ 已确认收到"]
            and "请走楼梯" in text_of(m)
        ),
        what="the notice with its button replaced",
    )
    assert await acks(product) == 1

    sent = await latest_broadcast(product)
    report = ProgressCb(action=ProgressAction.report, broadcast_id=sent.id).pack()
    await ask_and_press(sim, MANAGER, report)
    listed = await sim.wait_text(MANAGER, "1栋：已确认 1/2")
    assert "1栋 2单元 302 · 居民31001" in text_of(listed)
    assert "1单元 101" not in text_of(listed)  # 张阿姨 has confirmed

    await sim.send(ZHANG, "📢 通知")  # the main-menu button
    overview = await sim.wait_text(ZHANG, "📢 通知（第 1/1 页）", "电梯保养")
    await press(sim, ZHANG, overview, buttons(overview)[0][1])
    again = await sim.wait_for(
        ZHANG,
        lambda m: m["message_id"] > overview["message_id"] and "请走楼梯" in text_of(m),
        what="the notice shown again",
    )
    assert buttons(again) == []  # already confirmed: no “Got it” this time

    await sim.send(ZHANG, "/broadcast")
    await sim.wait_text(ZHANG, "通知由物业服务中心发布")

    await sim.send(QIAN, "/notices")  # someone who was not sent it forges a “Got it”
    empty = await sim.wait_text(QIAN, "暂时还没有通知")
    forged = await sim.press(QIAN, QIAN, empty["message_id"], AckCb(broadcast_id=sent.id).pack())
    refused = await sim.callback_answer(forged["callback_query_id"], wait=10)
    assert "不是发给您的" in (refused["text"] or "")
    assert await acks(product) == 1


async def test_a_water_cut_template_reads_in_each_residents_language(product: Product) -> None:
    sim = product.sim
    await sim.send(LI, "/notices")  # Mr Li's Telegram is in English; now the bot knows it
    await sim.wait_text(LI, "Join your home first")  # not joined yet: none for him
    await bind(product, ZHANG, ("1栋", "1单元", "101"))
    await bind(product, LI, ("2栋", "1单元", "301"))

    await sim.send(MANAGER, "/broadcast")
    await ask_and_press(sim, MANAGER, KindCb(template="water_cut").pack())
    for question, value in (
        ("哪一天", "11月24日"),
        ("从几点开始", "09:00"),
        ("到几点结束", "15:00"),
        ("影响哪些区域", "1栋、2栋"),
        ("是什么原因", "管道维修"),
    ):
        asked = await sim.wait_text(MANAGER, question)
        if question == "哪一天":  # its example is a day still ahead: a week on, in the estate
            ahead = product.runtime.clock.now().astimezone(product.settings.zone) + timedelta(7)
            assert f"例如：{ahead.month}月{ahead.day}日" in text_of(asked), text_of(asked)
        await sim.send(MANAGER, value)
    await ask_and_press(sim, MANAGER, AudienceCb(kind=AudienceKind.estate).pack())
    urgent = await sim.wait_text(MANAGER, "建议选择“紧急”")
    await press(sim, MANAGER, urgent, YesNoCb(question=Question.urgent, yes=True).pack())
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.ack, yes=False).pack())
    await ask_and_press(sim, MANAGER, WhenCb(when=When.now).pack())
    await ask_and_press(sim, MANAGER, ExpiryCb(days=1).pack())
    confirm = PreviewCb(action=PreviewAction.confirm).pack()
    summary = await sim.wait_for(MANAGER, has_button(confirm), what="the preview")
    assert "目前 2 人会收到" in text_of(summary)
    await press(sim, MANAGER, summary, confirm)

    english = await sim.wait_text(LI, "URGENT", "Water supply interruption on 11月24日")
    for value in ("09:00", "15:00", "1栋、2栋", "管道维修", "[金采小区]"):
        assert value in text_of(english)
    assert buttons(english) == []  # no “Got it” asked for
    chinese = await sim.wait_text(ZHANG, "【金采小区】紧急通知", "11月24日停水通知")
    assert "因管道维修，11月24日 09:00至15:00，1栋、2栋将暂停供水" in text_of(chinese)

    await sim.send(LI, "/notices")
    await sim.wait_text(LI, "Announcements (1/1)", "🚨", "Water supply interruption")


async def test_only_managers_announce_and_bad_answers_are_asked_again(product: Product) -> None:
    sim = product.sim
    await sim.send(TECHNICIAN, "/broadcast")
    await sim.wait_text(TECHNICIAN, "只有经理可以发布通知")
    await sim.send(LI, "/broadcast")
    await sim.wait_text(LI, "sent by the property office", "/notices")

    await sim.send(MANAGER, "/broadcast")
    await ask_and_press(sim, MANAGER, KindCb().pack())
    await sim.wait_text(MANAGER, "请输入通知标题")
    await sim.send(MANAGER, "停车场划线")
    await sim.wait_text(MANAGER, "通知正文")
    await sim.send(MANAGER, photo={})  # a photo without a caption: the text is missing
    await sim.wait_text(MANAGER, "说明文字里")
    await sim.send(MANAGER, "周六上午重新划线，请把车挪到路边。", photo={})
    await ask_and_press(sim, MANAGER, AudienceCb(kind=AudienceKind.staff).pack())
    await sim.send(MANAGER, "随便打的字")  # a button is expected
    await sim.wait_text(MANAGER, "请点击上方的按钮")
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.urgent, yes=False).pack())
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.ack, yes=False).pack())
    await ask_and_press(sim, MANAGER, WhenCb(when=When.typed).pack())
    await sim.wait_text(MANAGER, "请输入日期和时间")
    await sim.send(MANAGER, "下周一")
    await sim.wait_text(MANAGER, "这个时间我没看懂")
    await sim.send(MANAGER, "2020-01-01 08:00")
    await sim.wait_text(MANAGER, "这个时间已经过去了")
    await sim.send(MANAGER, "2099-01-01 08:00")
    await ask_and_press(sim, MANAGER, ExpiryCb(days=7).pack())

    confirm = PreviewCb(action=PreviewAction.confirm).pack()
    summary = await sim.wait_for(MANAGER, has_button(confirm), what="the preview")
    assert "2099-01-01 08:00" in text_of(summary) and "仅工作人员" in text_of(summary)
    preview = await sim.wait_text(MANAGER, "停车场划线")
    assert preview["photo"]  # the photo is shown as residents would see it

    await press(sim, MANAGER, summary, PreviewCb(action=PreviewAction.edit).pack())
    await ask_and_press(sim, MANAGER, EditCb(section=Section.audience).pack())
    await ask_and_press(sim, MANAGER, AudienceCb(kind=AudienceKind.estate).pack())
    summary = await sim.wait_for(
        MANAGER,
        lambda m: has_button(confirm)(m) and "全小区" in text_of(m),
        what="the preview after changing the recipients",
    )
    assert "2099-01-01 08:00" in text_of(summary)  # the rest of the draft is kept

    await sim.send(MANAGER, "/cancel")  # leaves the conversation at any point
    await sim.wait_text(MANAGER, "已取消")
    answer = await press(sim, MANAGER, summary, confirm)  # the old preview no longer sends
    assert "按钮已失效" in (answer["text"] or "")
    async with product.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_a_scheduled_announcement_can_be_cancelled_from_the_list(product: Product) -> None:
    sim = product.sim
    await bind(product, ZHANG, ("1栋", "1单元", "101"))
    await sim.send(MANAGER, "/broadcast")
    await ask_and_press(sim, MANAGER, KindCb().pack())
    await sim.wait_text(MANAGER, "请输入通知标题")
    await sim.send(MANAGER, "业主大会")
    await sim.wait_text(MANAGER, "通知正文")
    await sim.send(MANAGER, "周日下午三点在会所召开业主大会。")
    await ask_and_press(sim, MANAGER, AudienceCb(kind=AudienceKind.estate).pack())
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.urgent, yes=False).pack())
    await ask_and_press(sim, MANAGER, YesNoCb(question=Question.ack, yes=False).pack())
    await ask_and_press(sim, MANAGER, WhenCb(when=When.morning).pack())
    await ask_and_press(sim, MANAGER, ExpiryCb(days=3).pack())
    await ask_and_press(sim, MANAGER, PreviewCb(action=PreviewAction.confirm).pack())
    await sim.wait_text(MANAGER, "已确认，将在")

    await sim.send(MANAGER, "/broadcasts")
    listed = await sim.wait_text(MANAGER, "最近发布的通知", "业主大会", "待发送")
    scheduled = await latest_broadcast(product)
    answer = await press(
        sim,
        MANAGER,
        listed,
        ProgressCb(action=ProgressAction.cancel, broadcast_id=scheduled.id, listed=True).pack(),
    )
    assert "已取消" in (answer["text"] or "")
    await sim.wait_for(
        MANAGER,
        lambda m: m["message_id"] == listed["message_id"] and "✗ 已取消" in text_of(m),
        what="the list redrawn",
    )
    assert (await latest_broadcast(product)).status.value == "cancelled"
    assert await sim.bot_messages(ZHANG) == []


async def test_notices_are_listed_five_to_a_page(product: Product) -> None:
    sim = product.sim
    await bind(product, ZHANG, ("1栋", "1单元", "101"))
    now = datetime.now(UTC)
    async with product.db.sessions() as session:
        manager = await session.scalar(select(Staff).where(Staff.external_id == str(MANAGER)))
        community_id = await session.scalar(select(Community.id))
        assert manager is not None and community_id is not None
        for n in range(1, 7):
            await broadcasts.create(
                session,
                draft=Draft(
                    community_id=community_id,
                    audience={"kind": "estate", "community_id": community_id},
                    title=f"第{n}号通知",
                    body="内容",
                    urgent=True,  # straight through, whatever the hour
                ),
                staff=manager,
                creator_chat_id=None,
                now=now,
                quiet=QuietHours(zone=product.settings.zone, start=time(3), end=time(3)),
            )
        await session.commit()
    await sim.wait_text(ZHANG, "第6号通知")

    await sim.send(ZHANG, "/notices")
    first = await sim.wait_text(ZHANG, "第 1/2 页", "第6号通知", "第2号通知")
    assert "第1号通知" not in text_of(first)
    assert [t for t, _d in buttons(first)][-1] == "更早 ▶"
    await press(sim, ZHANG, first, NoticesCb(action=ListAction.page, page=1).pack())
    second = await sim.wait_for(
        ZHANG,
        lambda m: m["message_id"] == first["message_id"] and "第 2/2 页" in text_of(m),
        what="the second page in place",
    )
    assert "第1号通知" in text_of(second) and "第2号通知" not in text_of(second)
    assert [t for t, _d in buttons(second)] == ["6. 第1号通知", "◀ 较新"]


def test_the_confirmation_report_fits_one_message() -> None:
    missing = [
        {"building": "3栋", "unit": "2单元", "room": f"{n:04d}", "name": "王秀英"}
        for n in range(400)
    ]
    rendered = notices.render(
        "broadcast.ack_report",
        RenderContext(
            _=Catalogue().get("en"),
            catalogue=Catalogue(),
            bot_username="linli_bot",
            data={
                "title": "water_cut",
                "template": "water_cut",
                "fields": {},
                "buildings": [{"building": "3栋", "acknowledged": 12, "total": 5000}],
                "missing": missing,
                "missing_total": 4988,
            },
        ),
    )
    assert len(rendered.text) <= 4096
    assert "3栋: 12/5,000 confirmed" in rendered.text
    assert "• 3栋 2单元 0000 · 王秀英" in rendered.text
    assert rendered.text.splitlines()[-1].startswith("… and 4,")


async def test_asked_about_a_water_cut_a_resident_gets_the_announcements(
    product: Product,
) -> None:
    """ "明天停水吗？" asks, it does not report: the announcements answer it, and a fee
    question gets the office's number; "家里停水了" is still a problem to report."""
    sim = product.sim
    await bind(product, ZHANG, ("1栋", "1单元", "101"))
    await sim.send(ZHANG, "明天停水吗？")
    none_yet = await sim.wait_text(ZHANG, "物业目前没有发停水、停电的通知", "家里停水了")
    assert "0571-8888 6666" in text_of(none_yet)

    async with product.db.sessions() as session:
        manager = await session.scalar(select(Staff).where(Staff.external_id == str(MANAGER)))
        community_id = await session.scalar(select(Community.id))
        assert manager is not None and community_id is not None
        await broadcasts.create(
            session,
            draft=Draft(
                community_id=community_id,
                audience={"kind": "estate", "community_id": community_id},
                title="12月9日停水通知",
                body="因管道维修，12月9日 09:00至15:00 全小区停水。",
            ),
            staff=manager,
            creator_chat_id=None,
            now=datetime.now(UTC),
            quiet=QuietHours(zone=product.settings.zone, start=time(3), end=time(3)),
        )
        await session.commit()
    await sim.wait_text(ZHANG, "因管道维修")
    await sim.send(ZHANG, "什么时候停水啊")
    await sim.wait_text(ZHANG, "物业的通知在下面")
    listed = await sim.wait_text(ZHANG, "📢 通知（第 1/1 页）", "12月9日停水通知")
    assert any("12月9日停水通知" in t for t, _d in buttons(listed))  # it opens in full

    await sim.send(ZHANG, "我家物业费交了没有？")
    fees = await sim.wait_text(ZHANG, "这里还查不到", "0571-8888 6666")
    await sim.send(ZHANG, "家里停水了")
    await sim.wait_text(ZHANG, "要帮您报给物业服务中心吗")
    said = [text_of(m) for m in await sim.bot_messages(ZHANG)]
    assert sum("要帮您报给物业服务中心吗" in t for t in said) == 1, said  # only the last
    assert said.index(text_of(fees)) < len(said) - 1
