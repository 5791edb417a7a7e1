"""Settings: config.yaml validated into nested pydantic models, overridable by LINLI_* env vars.

Loaded once at start-up (`load_settings`) and passed down; nothing here reads the
environment at import time.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

TELEGRAM_API = "https://api.telegram.org"
DEMO_TOKEN = "123456789:AAEdemoLinliSimulatorTokenxxxxxxxxxx"  # shape aiogram accepts
LOCALES = ("zh_Hans", "zh_Hant", "en")


DEFAULT_TIMEZONE = "Asia/Shanghai"  # an estate without a zone of its own uses `timezone`


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class DatabaseSettings(Section):
    url: str = "sqlite+aiosqlite:///var/linli.db"
    echo: bool = False
    # PostgreSQL: connections per process, and how long one may sit unused before it is
    # checked with a ping.
    pool_size: int = Field(default=10, ge=1)
    ping_after_idle_seconds: float = Field(default=0.5, ge=0)

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        # Checked here so a mistyped address stops start-up with a message naming the key,
        # not a driver's traceback from deep inside the first connection.
        driver = value.split("://", 1)[0] if "://" in value else ""
        if driver not in DATABASE_DRIVERS:
            raise ValueError(
                "expected sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/NAME"
            )
        return value


class TelegramSettings(Section):
    token: SecretStr | None = None
    api_base: str = TELEGRAM_API
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    bot_username: str | None = None  # filled from getMe when empty; used for deep links


class WebSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str | None = None  # where people reach the web app; default http://host:port


class LocaleSettings(Section):
    default: Literal["zh_Hans", "zh_Hant", "en"] = "zh_Hans"


class DeliverySettings(Section):
    """Token buckets mirroring Telegram's limits (PITFALLS.md) and the retry policy."""

    per_second: float = Field(30.0, gt=0)  # whole bot
    paid_broadcast: bool = False  # Telegram's paid mode: up to 1,000/s
    private_per_second: float = Field(1.0, gt=0)
    private_burst: int = Field(3, ge=1)
    group_per_minute: float = Field(20.0, gt=0)
    max_attempts: int = Field(8, ge=1)
    batch_size: int = Field(50, ge=1, le=1000)
    idle_poll_seconds: float = Field(1.0, gt=0)


class QuietHours(Section):
    start: time = time(21, 0)
    end: time = time(8, 30)


class OnboardingSettings(Section):
    code_attempts_per_hour: int = Field(3, ge=1)


class FloodSettings(Section):
    """Per-user flood limit on incoming updates."""

    per_minute: int = Field(40, ge=1)


class FsmSettings(Section):
    redis_url: str | None = None  # conversation state in Redis instead of the database
    # A conversation left this long is over: the next typed message starts afresh instead of
    # being taken as the answer to a question asked long ago (database storage).
    idle_minutes: int = Field(60, ge=1)


class SlaTimes(Section):
    """How soon a ticket of one urgency must be accepted and finished."""

    accept_minutes: int = Field(ge=1)
    finish_hours: float = Field(gt=0)


class TicketSettings(Section):
    reopen_days: int = Field(7, ge=0)
    autoclose_days: int = Field(3, ge=0)
    max_per_day: int = Field(10, ge=1)
    auto_assign: bool = False  # by category and building to the responsible steward or technician
    duplicate_window_minutes: int = Field(60, ge=0)
    sla: dict[Literal["normal", "urgent"], SlaTimes] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "urgent": SlaTimes(accept_minutes=15, finish_hours=4),
            "normal": SlaTimes(accept_minutes=120, finish_hours=48),
        }
    )
    summary_time: time = time(8, 30)  # the daily overdue summary, in the estate's zone


class ReminderSettings(Section):
    enabled: bool = True


class DemoSettings(Section):
    """Used by `linli demo`: the built-in simulator and a seeded estate."""

    seed: bool = True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LINLI_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    web: WebSettings = WebSettings()
    timezone: str = DEFAULT_TIMEZONE
    locale: LocaleSettings = LocaleSettings()
    delivery: DeliverySettings = DeliverySettings()
    quiet_hours: QuietHours = QuietHours()
    onboarding: OnboardingSettings = OnboardingSettings()
    flood: FloodSettings = FloodSettings()
    fsm: FsmSettings = FsmSettings()
    tickets: TicketSettings = TicketSettings()
    reminders: ReminderSettings = ReminderSettings()
    demo: DemoSettings = DemoSettings()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        tg = self.telegram
        if tg.mode == "webhook" and not (tg.webhook_url and tg.webhook_secret):
            raise ValueError(
                "telegram.mode=webhook needs telegram.webhook_url and telegram.webhook_secret"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def uses_real_telegram(self) -> bool:
        return self.telegram.api_base.rstrip("/") == TELEGRAM_API

    @property
    def public_url(self) -> str:
        return (self.web.public_url or f"http://{self.web.host}:{self.web.port}").rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Priority: explicit arguments, then LINLI_* variables, then the YAML file.
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))


class SettingsError(Exception):
    """A configuration problem, with a message that names the key."""


def load_settings(path: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
    """Read `path` (default: $LINLI_CONFIG, else ./config.yaml when present) plus LINLI_* vars."""
    chosen = (
        path
        or os.environ.get("LINLI_CONFIG")
        or ("config.yaml" if Path("config.yaml").exists() else None)
    )
    if chosen and not Path(chosen).exists():
        raise SettingsError(f"config file not found: {chosen}")

    class FromFile(Settings):
        model_config = SettingsConfigDict(
            yaml_file=str(chosen) if chosen else None, yaml_file_encoding="utf-8"
        )

    try:
        return FromFile(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid configuration:\n" + "\n".join(lines)) from None
