"""`linli run` / `linli demo`: bot, delivery, scheduler and web app in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from aiogram import Bot, Dispatcher

from api.app import WebhookTarget, create_api
from bot.app import build_bot, build_dispatcher, publish_commands
from bot.delivery import Sender
from bot.i18n import Catalogue
from core import heap
from core.clock import Clock, SystemClock
from core.settings import Settings
from models.db import Database
from models.migrate import upgrade_async
from scheduler.jobs import JobContext
from scheduler.runner import start_scheduler
from services import matcher
from services.demo import DemoInfo, Persona, seed_demo

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything one process runs; tests start and stop it in their own event loop."""

    settings: Settings
    demo: bool = False
    clock: Clock = field(default_factory=SystemClock)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    db: Database | None = None
    bot: Bot | None = None
    dispatcher: Dispatcher | None = None
    sender: Sender | None = None
    demo_info: DemoInfo | None = None
    freeze_gc: bool = False  # for a long-running process (tests start many in one)

    async def serve(self) -> None:
        settings = self.settings
        await upgrade_async(settings.database.url)
        self.db = db = Database(
            settings.database.url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
            ping_after_idle=settings.database.ping_after_idle_seconds,
        )
        catalogue = Catalogue(default=settings.locale.default)
        simulator = self._simulator()
        self.bot = bot = build_bot(settings)
        self.dispatcher = dp = build_dispatcher(
            settings=settings, db=db, catalogue=catalogue, clock=self.clock
        )
        server = self._web_server(db, bot, dp, simulator)
        tasks: list[asyncio.Task[object]] = [asyncio.create_task(server.serve(), name="web")]
        scheduler = None
        try:
            while not server.started:
                if tasks[0].done():
                    tasks[0].result()  # re-raise why the web server could not start
                await asyncio.sleep(0.02)
            me = await bot.get_me()
            if self.demo:
                self.demo_info = await self._seed_demo(
                    db, simulator_url=f"{settings.public_url}/sim"
                )
            await publish_commands(bot, catalogue)
            self.sender = Sender(
                db=db,
                bot=bot,
                catalogue=catalogue,
                settings=settings.delivery,
                clock=self.clock,
                default_locale=settings.locale.default,
                bot_username=settings.telegram.bot_username or me.username or "",
            )
            db.on_outbox_commit(self.sender.wake)
            tasks.append(asyncio.create_task(self.sender.run(self.stop), name="delivery"))
            scheduler = start_scheduler(JobContext(db=db, settings=settings), self.clock)
            # The free-text matcher trains on first use (~0.5 s here): now, not while the first
            # resident to type a problem after a restart waits for the answer.
            await asyncio.to_thread(matcher.default_model)
            polling = await self._receive_updates(bot, dp)
            if polling is not None:
                tasks.append(polling)
            log.info(
                "linli is running",
                extra={
                    "fields": {
                        "web": settings.public_url,
                        "bot": me.username,
                        "mode": settings.telegram.mode,
                    }
                },
            )
            if self.freeze_gc:  # a long-running process (core/heap.py)
                heap.settle()
            self.ready.set()
            await self._wait(tasks)
        finally:
            self.stop.set()
            with contextlib.suppress(Exception):
                await dp.stop_polling()
            if scheduler is not None:
                with contextlib.suppress(Exception):
                    scheduler.shutdown(wait=False)
            if simulator is not None:  # its long polls would hold up the web server's exit
                simulator.state.sim.end_polls()
            server.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            await bot.session.close()
            if simulator is not None:  # a mounted app's lifespan never runs: close it here
                await simulator.state.sim.aclose()
            await db.dispose()

    def _simulator(self) -> Any:
        """The built-in Telegram simulator, mounted in the web app (demo only)."""
        if not self.demo:
            return None
        from simulator.app import create_app as create_simulator

        assert self.settings.telegram.token is not None
        return create_simulator(self.settings.telegram.token.get_secret_value())

    def _web_server(
        self, db: Database, bot: Bot, dp: Dispatcher, simulator: Any
    ) -> uvicorn.Server:
        """The web app (health, webhook, API, console; the simulator in the demo) on web.*."""
        settings = self.settings
        api = create_api(
            db=db,
            settings=settings,
            clock=self.clock,
            webhook=WebhookTarget(bot=bot, dispatcher=dp, secret=self._webhook_secret()),
            simulator=simulator,
        )
        return uvicorn.Server(
            uvicorn.Config(
                api,
                host=settings.web.host,
                port=settings.web.port,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
            )
        )

    def _webhook_secret(self) -> str | None:
        secret = self.settings.telegram.webhook_secret
        return secret.get_secret_value() if secret else None

    async def _receive_updates(self, bot: Bot, dp: Dispatcher) -> asyncio.Task[object] | None:
        """Point Telegram at our webhook, or start polling (the task that polls)."""
        telegram = self.settings.telegram
        if telegram.mode == "webhook":
            secret = self._webhook_secret()
            assert telegram.webhook_url and secret
            await bot.set_webhook(
                telegram.webhook_url, secret_token=secret, drop_pending_updates=False
            )
            return None
        await bot.delete_webhook(drop_pending_updates=False)
        return asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=dp.resolve_used_update_types(),
            ),
            name="polling",
        )

    async def _wait(self, tasks: list[asyncio.Task[object]]) -> None:
        """Until asked to stop, or until a part fails (then the failure is raised)."""
        stopper = asyncio.create_task(self.stop.wait())
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        for task in done:
            if task is not stopper and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _seed_demo(self, db: Database, *, simulator_url: str) -> DemoInfo:
        async with db.sessions() as session:
            info = await seed_demo(session, now=self.clock.now())
            await session.commit()
        async with httpx.AsyncClient(base_url=simulator_url, timeout=10) as client:
            await register_personas(client, info.personas)
        return info


async def register_personas(simulator: httpx.AsyncClient, personas: list[Persona]) -> None:
    """Make the demo's people and groups known to the simulator (its control API), so the
    chat page offers them and the bot's messages to them arrive."""
    for p in personas:
        body: dict[str, Any] = {"id": p.id, "note": p.note}
        if p.is_group:
            path = "/control/chats"
            body |= {"title": p.first_name, "type": "supergroup", "members": list(p.members)}
        else:
            path = "/control/users"
            body |= {
                "first_name": p.first_name,
                "phone_number": p.phone,
                "language_code": p.language_code,
            }
        (await simulator.post(path, json=body)).raise_for_status()


def run_forever(runtime: Runtime) -> None:
    """Run until Ctrl-C or SIGTERM."""

    runtime.freeze_gc = True

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runtime.stop.set)
        await runtime.serve()

    asyncio.run(main())
