"""Where the bot stands with a chat: a person blocking it, and groups that are not ours."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from models import ChatIdentity
from services.demo import DISPATCH_GROUP_ID
from tests.e2e.conftest import Product
from tests.e2e.harness import settled, text_of

WANG, ZHANG = 10003, 10001
NEIGHBOURS = -100777  # the residents' own chat group of a building
GROUP = int(DISPATCH_GROUP_ID)


async def _blocked(product: Product, user_id: int) -> bool:
    async with product.db.sessions() as session:
        return bool(
            await session.scalar(
                select(ChatIdentity.blocked).where(ChatIdentity.external_id == str(user_id))
            )
        )


async def test_blocking_the_bot_is_noted_at_once_and_writing_again_lifts_it(
    product: Product,
) -> None:
    sim = product.sim
    await sim.send(WANG, "/start")
    await sim.wait_text(WANG, "欢迎使用邻里")
    (await sim.http.post(f"/users/{WANG}/block", json={"blocked": True})).raise_for_status()
    assert await settled(lambda: _blocked(product, WANG), True)

    (await sim.http.post(f"/users/{WANG}/block", json={"blocked": False})).raise_for_status()
    assert not await settled(lambda: _blocked(product, WANG), False)  # back: written to again
    await sim.send(WANG, "/help")
    await sim.wait_text(WANG, "邻里使用说明")


async def test_a_group_that_adds_the_bot_is_told_how_to_go_on(product: Product) -> None:
    sim = product.sim
    await sim.http.post(
        "/chats",
        json={
            "id": NEIGHBOURS,
            "type": "group",
            "title": "3栋邻居群",
            "members": [ZHANG, WANG],
            "bot_status": "left",
        },
    )
    added = await sim.http.post(
        f"/chats/{NEIGHBOURS}/bot_status", json={"status": "member", "by_user_id": ZHANG}
    )
    added.raise_for_status()
    hello = await sim.wait_text(NEIGHBOURS, "请私聊我", "t.me/linli_demo_bot")
    assert f"linli groups add --chat-id {NEIGHBOURS} --purpose dispatch" in text_of(hello)
    assert "/say" not in text_of(hello)  # a group that is not ours is not told staff work

    # The neighbours' own chat is not answered: only a command that calls the bot is.
    before = len(await sim.bot_messages(NEIGHBOURS))
    await sim.send(ZHANG, "楼道的灯坏了", chat_id=NEIGHBOURS)
    await sim.send(WANG, "/help@linli_demo_bot", chat_id=NEIGHBOURS)
    messages = await sim.wait_count(NEIGHBOURS, before + 1)
    await asyncio.sleep(0.5)  # and nothing more
    assert len(await sim.bot_messages(NEIGHBOURS)) == before + 1
    assert "请私聊我" in text_of(messages[-1])
    assert "楼道" not in text_of(messages[-1])


async def test_a_command_in_the_staff_group_points_to_the_private_chat(product: Product) -> None:
    sim = product.sim
    before = len(await sim.bot_messages(GROUP))
    await sim.send(900002, "/queue", chat_id=GROUP)
    told = (await sim.wait_count(GROUP, before + 1))[-1]
    assert "请私聊我" in text_of(told)
    assert "linli groups add" not in text_of(told)  # it is a staff group already
    assert "以 /say 开头" in text_of(told)  # and what the group itself is for
