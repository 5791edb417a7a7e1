"""Every user-facing string is translated; zh_Hant is derived; placeholders match."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, Catalogue, extract, placeholder_mismatches, resolve_locale

ROOT = Path(__file__).resolve().parent.parent


def _catalogue(locale: str) -> dict[str, str]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_every_string_in_the_source_has_a_chinese_and_an_english_text() -> None:
    used = extract(ROOT)
    assert len(used) > 50
    for locale in ("zh_Hans", "en"):
        catalogue = _catalogue(locale)
        missing = [msgid for msgid in used if not catalogue.get(msgid)]
        assert missing == [], f"{locale} lacks: {missing[:5]} (run `linli i18n extract`)"


def test_translations_keep_their_placeholders() -> None:
    assert list(placeholder_mismatches()) == []


def test_traditional_chinese_is_derived_from_simplified() -> None:
    catalogue = Catalogue()
    assert catalogue.get("zh_Hans")("Change language") != "Change language"
    simplified = catalogue.get("zh_Hans")("🏠 My home")
    traditional = catalogue.get("zh_Hant")("Cancelled. Back to the menu.")
    assert simplified == "🏠 我的家"
    assert "選單" in traditional or "菜單" in traditional or "返回" in traditional
    # Taiwan's standard forms, not OpenCC's own (爲): as residents who read traditional write.
    switched = catalogue.get("zh_Hant")("Language set to {language}.", language="繁體中文")
    assert "為" in switched and "爲" not in switched


def test_language_comes_from_choice_then_app_then_default() -> None:
    assert resolve_locale("en", "zh-hans") == "en"
    assert resolve_locale(None, "zh-TW") == "zh_Hant"
    assert resolve_locale(None, "zh-CN") == "zh_Hans"
    assert resolve_locale(None, "en-GB") == "en"
    assert resolve_locale(None, "ru") == "zh_Hans"
