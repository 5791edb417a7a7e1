"""Translation catalogues: zh_Hans (default) and en are written; zh_Hant is derived by OpenCC.

`linli i18n build` (run by `make install`) writes zh_Hant from zh_Hans and compiles every
catalogue to .mo; `Catalogue` compiles on the fly when a .mo is missing or stale, so a fresh
checkout never speaks msgids to people.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SOURCE_LOCALES = ("zh_Hans", "en")
LOCALES = ("zh_Hans", "zh_Hant", "en")
DEFAULT_LOCALE = "zh_Hans"
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (button labels)."""
    return message


def resolve_locale(chosen: str | None, platform: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The person's choice, else what their app says (Telegram's language_code), else default."""
    if chosen in LOCALES:
        return chosen  # type: ignore[return-value]
    if platform:
        tag = platform.lower().replace("_", "-")
        if tag.startswith("zh"):
            traditional = any(part in tag for part in ("hant", "-tw", "-hk", "-mo"))
            return "zh_Hant" if traditional else "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return default


class Translator:
    """Translate msgids for one locale; `_("Hi {name}", name=x)` formats after translating.

    No plural forms: `linli i18n extract` does not carry them, so counts are worded to read
    right for any number ("Photos: {count}", not "{count} photos")."""

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self._t = translations

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._t.gettext(message)
        return text.format(**values) if values else text


class Catalogue:
    """Every locale's translator, loaded once at start-up."""

    def __init__(self, directory: Path = LOCALE_DIR, default: str = DEFAULT_LOCALE) -> None:
        ensure_compiled(directory)
        self.default = default
        self._translators = {
            locale: Translator(
                locale, gettext.translation(DOMAIN, str(directory), languages=[locale])
            )
            for locale in LOCALES
        }
        self._bare: dict[str, frozenset[str]] = {}

    def get(self, locale: str | None) -> Translator:
        return self._translators.get(locale or self.default) or self._translators[self.default]

    def variants(self, message: str) -> frozenset[str]:
        """The message in every locale: a reply-keyboard press arrives as one of these texts."""
        return frozenset(t(message) for t in self._translators.values())

    def bare_variants(self, message: str) -> frozenset[str]:
        """`variants`, each as `bare_label` leaves it: what someone typing the label sends."""
        found = self._bare.get(message)
        if found is None:
            found = self._bare[message] = frozenset(map(bare_label, self.variants(message)))
        return found


_LABEL_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def bare_label(text: str) -> str:
    """A button's label as people type it: without the emoji or marks around the words, in
    any case ("🏠 My home" → "my home"; "📋 我的工单" → "我的工单")."""
    return _LABEL_EDGES.sub("", text).casefold()


# --- building the catalogues ---------------------------------------------------------------


def _po_path(directory: Path, locale: str) -> Path:
    return directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale.replace("_Hans", "").replace("_Hant", ""))


def derive_traditional(directory: Path = LOCALE_DIR) -> Path:
    """Write zh_Hant/messages.po from zh_Hans with OpenCC (simplified → traditional)."""
    import opencc

    # Taiwan's standard characters (為, 裡, 著), which Hong Kong readers read as well; plain
    # "s2t" gives OpenCC's own forms (爲, 裏, 着), which neither writes.
    convert = opencc.OpenCC("s2tw").convert
    source = _read(_po_path(directory, "zh_Hans"), "zh_Hans")
    target = Catalog(locale="zh_TW", project="linli", charset="utf-8", fuzzy=False)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.string, tuple | list):
            string: str | tuple[str, ...] = tuple(convert(s) for s in message.string)
        else:
            string = convert(message.string) if message.string else ""
        target.add(message.id, string, context=message.context)
    out = _po_path(directory, "zh_Hant")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        write_po(handle, target, width=0)
    return out


def compile_all(directory: Path = LOCALE_DIR) -> None:
    for locale in LOCALES:
        po = _po_path(directory, locale)
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, _read(po, locale), use_fuzzy=False)


def build(directory: Path = LOCALE_DIR) -> None:
    """Derive zh_Hant and compile all catalogues."""
    derive_traditional(directory)
    compile_all(directory)


def ensure_compiled(directory: Path = LOCALE_DIR) -> None:
    """Build when any .mo is missing or older than the zh_Hans/en sources."""
    newest_source = max(_po_path(directory, loc).stat().st_mtime for loc in SOURCE_LOCALES)
    for locale in LOCALES:
        mo = _po_path(directory, locale).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < newest_source:
            build(directory)
            return


# --- extraction (developer tool and catalogue tests) --------------------------------------

SOURCE_DIRS = ("bot", "handlers")
_KEYWORDS = {"_": None, "N_": None, "plural": (1, 2)}


def extract(root: Path) -> dict[str, list[str]]:
    """Every translatable msgid in our source, with the places it is used."""
    from babel.messages.extract import extract_from_file

    found: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            for lineno, message, _comments, _ctx in extract_from_file(
                "python", str(path), keywords=_KEYWORDS
            ):
                for msgid in message if isinstance(message, tuple) else (message,):
                    if msgid:
                        found.setdefault(msgid, []).append(f"{path.relative_to(root)}:{lineno}")
    return found


def update_sources(root: Path, directory: Path = LOCALE_DIR) -> dict[str, list[str]]:
    """Add new msgids to zh_Hans (untranslated) and en (msgid as text); drop unused ones.

    Returns, per locale, the msgids still lacking a translation.
    """
    used = extract(root)
    missing: dict[str, list[str]] = {}
    for locale in SOURCE_LOCALES:
        path = _po_path(directory, locale)
        old = _read(path, locale) if path.exists() else Catalog(locale=locale)
        catalog = Catalog(locale=old.locale, project="linli", charset="utf-8", fuzzy=False)
        for msgid, places in used.items():
            previous = old.get(msgid)
            text = (
                previous.string
                if previous is not None and previous.string
                else ("" if locale != "en" else msgid)
            )
            locations = [(f, int(n)) for f, n in (p.rsplit(":", 1) for p in places[:3])]
            catalog.add(msgid, text, locations=locations)
            if not text:
                missing.setdefault(locale, []).append(msgid)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, sort_output=True, omit_header=False)
    return missing


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def placeholder_mismatches(directory: Path = LOCALE_DIR) -> Iterable[str]:
    """Translations whose {placeholders} differ from their msgid (would crash .format)."""
    for locale in SOURCE_LOCALES:
        for message in _read(_po_path(directory, locale), locale):
            if message.id and isinstance(message.id, str) and message.string:
                if placeholders(message.id) != placeholders(str(message.string)):
                    yield f"{locale}: {message.id!r}"
