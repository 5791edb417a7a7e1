"""Phone numbers normalised to E.164, with China (+86) as the default country."""

from __future__ import annotations

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
