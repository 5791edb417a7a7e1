"""Assembly: the Bot (real Telegram or the simulator) and the Dispatcher with its routers."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.methods.base import Response
from aiogram.types import BotCommand

from bot import errors
from bot.fsm import ChatLocks, DatabaseStorage, TimedRedisStorage
from bot.i18n import Catalogue
from bot.middlewares import (
    DatabaseMiddleware,
    FloodMiddleware,
    FsmLockMiddleware,
    PersonMiddleware,
)
from bot.routing import merged
from bot.screening import prepare_handlers
from bot.session import JsonAiohttpSession
from core.clock import Clock
from core.settings import Settings
from handlers import (
    broadcast,
    common,
    groups,
    household,
    leaving,
    membership,
    notices,
    onboarding,
    questions,
    tickets,
    tickets_staff,
)
from handlers.broadcast.states import Compose
from handlers.tickets.form import Filing
from handlers.tickets_staff.base import Finishing, Rejecting
from handlers.ui import COMMANDS
from models.db import Database

REQUEST_TIMEOUT = 20  # seconds; below the outbox lease, so a hung send never outlives its claim


def build_bot(settings: Settings) -> Bot:
    """The aiogram Bot, pointed at `telegram.api_base` (Telegram itself or our simulator)."""
    token = settings.telegram.token
    if token is None:
        raise ValueError("telegram.token is not set (LINLI_TELEGRAM__TOKEN)")
    if settings.uses_real_telegram:
        session = JsonAiohttpSession(timeout=REQUEST_TIMEOUT)
    else:
        session = JsonAiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram.api_base), timeout=REQUEST_TIMEOUT
        )
    session.middleware(KeepResponseTypes())
    return Bot(token.get_secret_value(), session=session)


class KeepResponseTypes(BaseRequestMiddleware):
    """Hold the parametrised `Response[...]` models aiogram builds per call.

    pydantic caches them only weakly, so after every garbage collection aiogram rebuilds
    them (~3 ms each, measured by bench/updates.py). Keeping one per method type avoids it.
    """

    def __init__(self) -> None:
        self._kept: dict[type, object] = {}

    async def __call__(self, make_request, bot, method):  # type: ignore[no-untyped-def]
        kind = type(method)
        if kind not in self._kept:
            self._kept[kind] = Response[method.__returning__]
        return await make_request(bot, method)


def _fsm(settings: Settings, db: Database, clock: Clock) -> tuple[BaseStorage, BaseEventIsolation]:
    """Database storage with in-process isolation by default; Redis for several processes."""
    if settings.fsm.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation

        storage = TimedRedisStorage.from_url(settings.fsm.redis_url, clock=clock)
        return storage, RedisEventIsolation(storage.redis)
    return DatabaseStorage(db, clock), ChatLocks()


def build_dispatcher(
    *, settings: Settings, db: Database, catalogue: Catalogue, clock: Clock
) -> Dispatcher:
    storage, isolation = _fsm(settings, db, clock)
    dp = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        db=db,
        catalogue=catalogue,
        clock=clock,
        settings=settings,
    )
    # After aiogram's own (errors, user context); its FSM middleware is replaced by ours, around
    # the update's transaction (see bot/middlewares.py): the chat's lock is taken before the
    # transaction opens and released after it ended, and the conversation state is read in it,
    # in the same statement as the sender (one transaction per update, and no second one just
    # to read the state). dp.fsm stays the Dispatcher's (it resolves contexts, closes storage).
    assert dp.fsm is not None
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(FsmLockMiddleware(dp.fsm))
    dp.update.outer_middleware(DatabaseMiddleware(db, clock))
    dp.update.outer_middleware(
        PersonMiddleware(catalogue, clock, settings.locale.default, storage=storage)
    )
    dp.update.outer_middleware(FloodMiddleware(settings.flood.per_minute))
    # A main-menu button or command pressed mid-form, or a message long after the form's last
    # step, leaves the form before any handler looks.
    dp.message.outer_middleware(
        leaving.LeaveConversation(
            catalogue,
            drafts={
                Filing: "report",
                Compose: "announcement",
                Rejecting: "step",
                Finishing: "step",
            },
            idle=timedelta(minutes=settings.fsm.idle_minutes),
        )
    )
    dp.include_router(
        merged(
            "linli",
            [
                errors.router,
                groups.router,  # service messages in groups (migration) before anything else
                common.router,  # /menu /help /lang /cancel work from any state
                onboarding.router,
                household.router,
                notices.router,  # /notices and “Got it” before the staff side
                broadcast.router,
                # Staff: ticket buttons, the questions they ask (reason, photos), replies under
                # alerts, /queue. Before the residents' ticket routers, whose offers take any
                # photo.
                tickets_staff.router,
                tickets.filing.router,  # /repair /complaint and their form's buttons
                tickets.answers.router,  # the form's typed answers, voice notes and photos
                tickets.mine.router,  # /tickets, a ticket's page, cancel/reopen/messages
                tickets.rate.router,  # stars, then an optional comment
                tickets.offers.router,  # typed problems, lone photos/voice → offer a report
                questions.router,  # "明天停水吗？", "物业费交了吗？": answered, not reported
                tickets.followups.router,  # other words while the home has a ticket open
                common.fallback_router,  # answers whatever nobody else took in private
                membership.router,  # groups that are not ours; a person blocking the bot
            ],
        )
    )
    prepare_handlers(dp)
    return dp


async def publish_commands(bot: Bot, catalogue: Catalogue) -> None:
    """The command list Telegram shows, in Chinese (default) and English."""
    # Telegram takes two-letter language codes only: Chinese readers get zh_Hans.
    for locale, language_code in (("zh_Hans", None), ("en", "en")):
        _ = catalogue.get(locale)
        await bot.set_my_commands(
            [BotCommand(command=c, description=_(d)) for c, d in COMMANDS],
            language_code=language_code,
        )
