"""Money, phones, settings and log redaction: what people and operators see."""

from __future__ import annotations

import io
import json
import logging

import pytest

from core.formatting import format_fen, parse_yuan
from core.logging import setup_logging
from core.phone import looks_like_phone, mask_phone, normalize_phone
from core.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (123450, "¥1,234.50"),
        (5, "¥0.05"),
        (0, "¥0.00"),
        (-9900, "-¥99.00"),
        (100_000_000, "¥1,000,000.00"),
    ],
)
def test_money_is_shown_in_yuan_with_two_decimals(fen: int, shown: str) -> None:
    assert format_fen(fen) == shown


def test_amounts_parse_to_integer_fen_and_refuse_fractions_of_a_fen() -> None:
    assert parse_yuan("1,234.5") == 123450
    assert parse_yuan("¥0.07") == 7
    with pytest.raises(ValueError):
        parse_yuan("1.005")
    with pytest.raises(ValueError):
        parse_yuan("twelve")


def test_phones_normalise_to_e164_with_china_as_default() -> None:
    assert normalize_phone("138 0013 8000") == "+8613800138000"
    assert normalize_phone("8613800138000") == "+8613800138000"  # as Telegram sends contacts
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert mask_phone("+8613800138000") == "+86 138****8000"
    with pytest.raises(ValueError):
        normalize_phone("12")


def test_a_message_that_is_only_a_phone_number_is_told_apart() -> None:
    for typed in (
        "13900000003",
        "139 0000 0003",
        "+86-139-0000-0003",
        "".join(chr(ord(c) + 0xFEE0) for c in "13900000003"),
    ):
        assert looks_like_phone(typed), typed
    for typed in ("P34GNC6C", "12", "楼道的灯坏了 13900000003", "2栋1单元302", "2026-12-07"):
        assert not looks_like_phone(typed), typed


def test_unknown_keys_and_bad_values_stop_start_up_naming_the_key(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text(
        "delivery:\n  per_second: -1\n  nonsense: 2\ntimezone: Mars/Olympus\n"
        "database:\n  url: mysql://root@localhost/linli\n",
        encoding="utf-8",
    )
    with pytest.raises(SettingsError) as error:
        load_settings(config)
    message = str(error.value)
    assert (
        "delivery.per_second" in message
        and "delivery.nonsense" in message
        and "timezone" in message
        and "database.url" in message
    )


def test_environment_overrides_the_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text("web:\n  port: 9000\n", encoding="utf-8")
    monkeypatch.setenv("LINLI_WEB__PORT", "9100")
    monkeypatch.setenv("LINLI_TELEGRAM__TOKEN", "123:secret")
    settings = load_settings(config)
    assert settings.web.port == 9100
    assert settings.telegram.token is not None and "secret" not in repr(settings.telegram.token)


def test_webhook_mode_needs_url_and_secret(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  mode: webhook\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="webhook_url"):
        load_settings(config)


def test_logs_never_show_tokens_secrets_or_phone_numbers() -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    log = logging.getLogger("linli.test")
    log.info(
        "POST https://api.telegram.org/bot123456789:AAEdemoLinliSimulatorTokenxxxxxxxxxx/sendMessage"
    )
    log.info("resident phone 13800138000 and +8613912345678, secret_token=abc123")
    log.info(
        "structured",
        extra={"fields": {"phone": "+8613800138000", "text": "厨房漏水", "update_id": 7}},
    )
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    dump = json.dumps(lines, ensure_ascii=False)
    for leaked in ("AAEdemo", "13800138000", "13912345678", "abc123", "厨房漏水"):
        assert leaked not in dump
    assert lines[2]["update_id"] == 7
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_linli", False)]:
        root.removeHandler(handler)


def test_a_settled_heap_is_frozen_collected_less_often_and_restored_after() -> None:
    import gc

    from core import heap

    before = gc.get_threshold()
    with heap.settled():
        assert gc.get_freeze_count() > 0  # start-up objects out of the collector's way
        assert gc.get_threshold() == (heap.YOUNG_COLLECTION_EVERY, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
