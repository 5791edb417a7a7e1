"""Residents joining their household: by binding code, by matching phone, or by staff approval.

Every outcome that someone must hear about is written to the outbox here, in the same
transaction as the change, so a committed binding is never silent and a rolled-back one
never announced.
"""

from services.onboarding.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CodeMatch,
    bind_with_code,
    check_code,
    looks_like_code,
    new_code,
    normalize_code,
    rotate_code,
    unique_code,
)
from services.onboarding.homes import (
    address_for,
    buildings_of,
    home_from_words,
    rooms_of,
    unit_position,
    units_of,
)
from services.onboarding.members import bind_by_phone, members, switch_home
from services.onboarding.owners import Removal, office_renews_code, remove_member, renew_code
from services.onboarding.requests import decide_request, pending_address, request_binding

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CodeMatch",
    "Removal",
    "address_for",
    "bind_by_phone",
    "bind_with_code",
    "buildings_of",
    "check_code",
    "decide_request",
    "home_from_words",
    "looks_like_code",
    "members",
    "new_code",
    "normalize_code",
    "office_renews_code",
    "pending_address",
    "remove_member",
    "renew_code",
    "request_binding",
    "rooms_of",
    "rotate_code",
    "switch_home",
    "unique_code",
    "unit_position",
    "units_of",
]
