"""Phone numbers normalised to E.164, with China (+86) as the default country."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Return E.164 ('+8613800138000'); raise ValueError for something that is not a number."""
    text = raw.strip()
    if not text:
        raise ValueError("empty phone number")
    # Telegram sends contacts without '+', e.g. '8613800138000'.
    if text.isdigit() and len(text) > 11:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """'+8613800138000' -> '+86 138****8000', for showing to staff."""
    digits = e164[-11:]
    return f"{e164[:-11]} {digits[:3]}****{digits[-4:]}".strip()


def looks_like_phone(text: str, default_region: str = "CN") -> bool:
    """A message that is only a mobile number ('139 0000 0003', '+86-139…', full-width too),
    or an international one written with its '+'. (Not any run of digits: dates and room
    numbers are digits too.)"""
    cleaned = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text))
    if not re.fullmatch(r"(?:\+?86)?1[3-9]\d{9}|\+\d{7,15}", cleaned):
        return False
    try:
        normalize_phone(cleaned, default_region)
    except ValueError:
        return False
    return True
