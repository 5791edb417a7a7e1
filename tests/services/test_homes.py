"""A home named by an address typed by hand, as people write one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.db import Database
from services.onboarding import home_from_words
from tests.services.factories import estate

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("3栋2单元302", "3栋 2单元 302"),
        ("3-2-302", "3栋 2单元 302"),
        ("3号楼 2单元 302室", "3栋 2单元 302"),
        ("我住３栋０２单元３０２", "3栋 2单元 302"),  # full-width, a leading zero
        ("3栋302", None),  # a 302 in each unit of 3栋
        ("3栋2单元309", None),  # no such room
        ("12栋1单元101", None),  # no such building
        ("302", None),
        ("1栋1单元101室，我是业主张桂英，手机号13900000000", None),  # more than an address
    ],
)
async def test_an_address_typed_by_hand_names_one_home(
    db: Database, typed: str, found: str | None
) -> None:
    async with db.sessions() as session:
        await estate(session, NOW)
        home = await home_from_words(session, typed)
        named = None if home is None else f"{home.building.name} {home.unit} {home.room}"
        assert named == found
