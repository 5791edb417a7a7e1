"""Helpers for the delivery acceptance tests: many bound residents fast, simulator users,
a `Sender` built from the real parts on a short request timeout, outbox counts, and
`linli run` as a subprocess.

The tests drive the real sender (`bot.delivery.Sender`) with a real aiogram `Bot` and the
product's own notice renderers against the simulator; nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, insert, select

from bot.delivery import Sender
from bot.i18n import Catalogue
from bot.notices import NoticeRegistry, notices
from bot.session import JsonAiohttpSession
from core.clock import Clock
from core.settings import DEMO_TOKEN, DeliverySettings
from models import (
    Broadcast,
    ChatIdentity,
    Community,
    Household,
    OutboxMessage,
    OutboxStatus,
    Resident,
    ResidentRole,
)
from models.db import Database
from services.demo import seed_demo
from simulator.actions import create_user
from simulator.bodies import UserIn
from simulator.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_SIM_LIMITS: dict[str, Any] = Limits().as_dict()
OPEN = (OutboxStatus.pending, OutboxStatus.sending)
FINAL = (OutboxStatus.sent, OutboxStatus.blocked, OutboxStatus.dead)


# --- the sender from the real parts ---------------------------------------------------------------


def _product_notices() -> NoticeRegistry:
    """The product's renderers, registered when the handler modules are imported."""
    import bot.app  # noqa: F401 - imports every handlers/ module

    return notices


def build_bot(api_base: str, *, timeout: float = 5.0) -> Bot:
    """An aiogram Bot on the simulator built as `bot.app.build_bot` builds the product's (its
    session and request middleware), but with its own timeout."""
    from bot.app import KeepResponseTypes

    session = JsonAiohttpSession(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
    session.middleware(KeepResponseTypes())
    return Bot(DEMO_TOKEN, session=session)


def build_sender(
    db: Database,
    bot: Bot,
    settings: DeliverySettings,
    clock: Clock,
    registry: NoticeRegistry | None = None,
) -> Sender:
    return Sender(
        db=db,
        bot=bot,
        catalogue=Catalogue(default="zh_Hans"),
        settings=settings,
        clock=clock,
        default_locale="zh_Hans",
        bot_username="linli_demo_bot",
        registry=registry or _product_notices(),
    )


# --- data -----------------------------------------------------------------------------------------


async def bind_residents(db: Database, telegram_ids: list[int], now: datetime) -> dict[int, int]:
    """The demo estate plus one bound resident per Telegram id; returns id → identity id.

    Bulk inserts (executemany), so ten thousand residents take about a second.
    """
    async with db.sessions() as session:
        await seed_demo(session, now=now)
        homes = list(await session.scalars(select(Household.id).order_by(Household.id)))
        await session.execute(
            insert(ChatIdentity),
            [
                {
                    "channel": "telegram",
                    "external_id": str(t),
                    "display_name": f"居民{t}",
                    "blocked": False,
                    "created_at": now,
                }
                for t in telegram_ids
            ],
        )
        wanted = {str(t) for t in telegram_ids}
        identities = {
            int(external): identity
            for external, identity in (
                await session.execute(
                    select(ChatIdentity.external_id, ChatIdentity.id).where(
                        ChatIdentity.channel == "telegram"
                    )
                )
            ).all()
            if external in wanted
        }
        await session.execute(
            insert(Resident),
            [
                {
                    "household_id": homes[i % len(homes)],
                    "identity_id": identities[t],
                    "role": ResidentRole.family,
                    "name": f"居民{t}",
                    "bound_via": "code",
                    "active": True,
                    "bound_at": now,
                }
                for i, t in enumerate(telegram_ids)
            ],
        )
        await session.commit()
    return identities


async def release_broadcast(
    db: Database, now: datetime, *, title: str = "停水通知", urgent: bool = False
) -> int:
    """An estate-wide announcement by the demo's manager, released now.

    Quiet hours are configured empty (start == end), so an ordinary announcement goes at
    once whatever the hour; `urgent` ones are also pinned by the product's renderer.
    """
    from datetime import time as time_of_day
    from zoneinfo import ZoneInfo

    from services import broadcasts
    from services.broadcasts import Draft, QuietHours
    from tests.services.factories import staff_member

    never = time_of_day(0, 0)
    quiet = QuietHours(zone=ZoneInfo("Asia/Shanghai"), start=never, end=never)
    async with db.sessions() as session:
        community = await session.scalar(select(Community))
        assert community is not None
        staff, _ = await staff_member(session, 900001, now)  # the demo's manager
        created: Broadcast = await broadcasts.create(
            session,
            draft=Draft(
                community_id=community.id,
                audience={"kind": "estate", "community_id": community.id},
                title=title,
                body="明天 9:00–12:00 停水检修，请提前储水。",
                urgent=urgent,
            ),
            staff=staff,
            creator_chat_id=None,  # no progress message: only the residents' rows
            now=now,
            quiet=quiet,
        )
        await session.commit()
        return created.id


def add_sim_users(app: Any, telegram_ids: Iterable[int]) -> None:
    """Users in the in-process simulator who have started the bot (no HTTP round trip each)."""
    state = app.state.sim
    for t in telegram_ids:
        create_user(state, UserIn(id=t, first_name=f"居民{t}", language_code="zh-hans"))


async def status_counts(db: Database, *where: Any) -> Counter[str]:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.status, func.count())
                .where(*where)
                .group_by(OutboxMessage.status)
            )
        ).all()
    return Counter({str(OutboxStatus(status).value): int(n) for status, n in rows})


async def open_rows(db: Database, *where: Any) -> int:
    counts = await status_counts(db, *where)
    return sum(counts[s.value] for s in OPEN)


async def set_sim_limits(http: httpx.AsyncClient, **limits: Any) -> dict[str, Any]:
    """POST /control/limits with `limits` over the defaults (buckets start full)."""
    response = await http.post("/limits", json={**DEFAULT_SIM_LIMITS, **limits})
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- `linli run` as a subprocess ------------------------------------------------------------------


@dataclass
class LinliProcess:
    """One `linli run` child process (its output goes to a log file for diagnosis)."""

    process: subprocess.Popen[bytes]
    web_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a power cut or the OOM killer."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (a clean stop), then SIGKILL if it does not end in `timeout` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    async def wait_healthy(self, timeout: float = 45.0) -> None:
        """Until /health answers 200 (the web app starts first, then bot and sender)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"linli run exited with {self.process.returncode}:\n{self.output()}"
                    )
                try:
                    if (await client.get(self.web_url + "/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"linli run not healthy in {timeout}s:\n{self.output()}")
                await asyncio.sleep(0.1)


def start_linli(
    *,
    database_url: str,
    simulator_url: str,
    port: int,
    log: Path,
    delivery: Mapping[str, Any],
) -> LinliProcess:
    """Start `python -m bot.cli run` (the `linli run` console script) with LINLI_* variables."""
    env = {
        **os.environ,
        "LINLI_DATABASE__URL": database_url,
        "LINLI_TELEGRAM__TOKEN": DEMO_TOKEN,
        "LINLI_TELEGRAM__API_BASE": simulator_url,
        "LINLI_TELEGRAM__MODE": "polling",
        "LINLI_WEB__HOST": "127.0.0.1",
        "LINLI_WEB__PORT": str(port),
        "LINLI_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **{f"LINLI_DELIVERY__{k.upper()}": str(v) for k, v in delivery.items()},
    }
    env.pop("LINLI_CONFIG", None)
    handle = log.open("wb")
    process = subprocess.Popen(
        [PYTHON, "-m", "bot.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return LinliProcess(process=process, web_url=f"http://127.0.0.1:{port}", log=log)
