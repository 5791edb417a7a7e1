"""Statements run straight on the driver (models/prepared.py) read and write what the ORM does,
on SQLite and PostgreSQL: the same values, the same objects, the same errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from models import Building, Community, FsmRecord, Household, ProcessedUpdate
from models.db import Database
from models.prepared import Entities, Prepared

NOW = datetime(2026, 12, 6, 9, 30, 15, 123456, tzinfo=UTC)

HOME = Entities(
    Prepared(
        select(Household, Building, Community)
        .join(Building, Building.id == Household.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Household.binding_code == bindparam("code"))
    ),
    (Household, Building, Community),
)
STATE = Entities(
    Prepared(
        select(Community, FsmRecord)
        .outerjoin(FsmRecord, FsmRecord.key == bindparam("key"))
        .where(Community.id == bindparam("community"))
    ),
    (Community, FsmRecord),
)
PROCESSED = Prepared(
    insert(ProcessedUpdate.__table__),  # type: ignore[arg-type]
    column_keys=("bot_id", "update_id", "at"),
)


async def seed(db: Database) -> int:
    async with db.sessions() as session:
        community = Community(name="金采小区", timezone="Asia/Shanghai", created_at=NOW)
        building = Building(community=community, name="1栋", sort_key=1)
        session.add(
            Household(
                building=building,
                unit="1单元",
                room="101",
                area_m2=Decimal("89.50"),
                owner_name="张桂英",
                binding_code="JC-7Q2M",
                code_issued_at=NOW,
            )
        )
        session.add(
            FsmRecord(key="k1", state="Joining:code", data={"tries": [1, 2]}, updated_at=NOW)
        )
        await session.commit()
        return community.id


async def test_entities_are_loaded_with_their_values_and_kept_by_the_session(db: Database) -> None:
    await seed(db)
    async with db.sessions() as session:
        [(household, building, community)] = await HOME.run(session, {"code": "JC-7Q2M"})
        assert (household.room, household.area_m2, household.owner_name) == (
            "101",
            Decimal("89.50"),
            "张桂英",
        )
        assert building.name == "1栋" and community.created_at == NOW
        assert community.created_at.tzinfo is not None
        # The session's own objects: the ORM finds the same one, and a change is written.
        assert await session.get(Household, household.id) is household
        household.owner_name = "张建国"
        await session.commit()
    async with db.sessions() as session:
        reloaded = await session.get(Household, household.id)
        assert reloaded is not None and reloaded.owner_name == "张建国"
        assert reloaded.area_m2 == Decimal("89.50")


async def test_an_object_the_session_holds_is_returned_as_it_is(db: Database) -> None:
    community_id = await seed(db)
    async with db.sessions() as session:
        held = await session.get(Community, community_id)
        assert held is not None
        held.hotline = "0571-88886666"  # changed here, not yet written
        [(_household, _building, community)] = await HOME.run(session, {"code": "JC-7Q2M"})
        assert community is held and community.hotline == "0571-88886666"


async def test_an_outer_join_that_found_nothing_gives_none(db: Database) -> None:
    community_id = await seed(db)
    async with db.sessions() as session:
        [(community, record)] = await STATE.run(session, {"community": community_id, "key": "k1"})
        assert community.id == community_id
        assert record.state == "Joining:code" and record.data == {"tries": [1, 2]}
        [(_community, none)] = await STATE.run(session, {"community": community_id, "key": "k9"})
        assert none is None
        assert await HOME.run(session, {"code": "NO-SUCH"}) == []


async def test_a_duplicate_is_reported_as_sqlalchemy_reports_it(db: Database) -> None:
    row = {"bot_id": 1, "update_id": 77, "at": NOW}
    async with db.sessions() as session:
        assert await PROCESSED.run(session, row) == []
        await session.commit()
    async with db.sessions() as session:
        with pytest.raises(IntegrityError):
            await PROCESSED.run(session, row)
        await session.rollback()
        # The session is usable afterwards, and the first row is there once.
        count = (
            await session.execute(select(ProcessedUpdate).where(ProcessedUpdate.update_id == 77))
        ).all()
        assert len(count) == 1 and count[0][0].at == NOW


async def test_values_must_match_the_columns_it_was_prepared_for(db: Database) -> None:
    async with db.sessions() as session:
        with pytest.raises(ValueError, match="expected values"):
            await PROCESSED.run(session, {"bot_id": 1, "update_id": 78})


async def test_statements_it_cannot_run_faithfully_are_refused(db: Database) -> None:
    in_list = Prepared(
        select(Household).where(Household.room.in_(bindparam("rooms", expanding=True)))
    )
    with_default = Prepared(insert(Building.__table__), column_keys=("community_id", "name"))  # type: ignore[arg-type]
    async with db.sessions() as session:
        with pytest.raises(ValueError, match="expanding"):
            await in_list.run(session, {"rooms": ["101"]})
        with pytest.raises(ValueError, match="defaults"):  # sort_key's default=0
            await with_default.run(session, {"community_id": 1, "name": "9栋"})
