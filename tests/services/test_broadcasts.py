"""Announcements as a service: audience, quiet hours, cancel, acknowledgements, notices."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Building, OutboxMessage, OutboxStatus
from models.db import Database
from services import broadcast_reports, broadcasts, notice_board
from services.broadcasts import Draft, QuietHours
from services.errors import DomainError, NotAllowed
from tests.services.factories import estate, resident, staff_member

ZONE = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours(zone=ZONE, start=time(21, 0), end=time(8, 30))
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZONE).astimezone(UTC)
NIGHT = datetime(2026, 11, 23, 22, 15, tzinfo=ZONE).astimezone(UTC)
MANAGER, TECHNICIAN = 900001, 900004


async def _setup(db: Database, now: datetime):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        community = await estate(session, now)
        people = [
            await resident(
                session, telegram_id=31001, building="1栋", unit="1单元", room="101", now=now
            ),
            await resident(
                session, telegram_id=31002, building="1栋", unit="2单元", room="302", now=now
            ),
            await resident(
                session, telegram_id=31003, building="2栋", unit="1单元", room="101", now=now
            ),
        ]
        await staff_member(session, MANAGER, now)
        building_1 = await session.scalar(select(Building.id).where(Building.name == "1栋"))
        await session.commit()
        return community.id, [p.identity_id for p in people], building_1


async def _outbox(db: Database, broadcast_id: int) -> list[OutboxMessage]:
    async with db.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)
            )
        )


async def test_a_building_audience_reaches_exactly_its_residents(db: Database) -> None:
    community_id, people, building_1 = await _setup(db, NOON)
    draft = Draft(
        community_id=community_id,
        audience={"kind": "buildings", "community_id": community_id, "building_ids": [building_1]},
        title="电梯保养",
        body="1栋电梯明天上午保养。",
    )
    async with db.sessions() as session:
        assert await broadcasts.preview_count(session, draft) == 2
        staff, _ = await staff_member(session, MANAGER, NOON)
        created = await broadcasts.create(
            session, draft=draft, staff=staff, creator_chat_id=str(MANAGER), now=NOON, quiet=QUIET
        )
        again = await broadcasts.release(session, broadcast=created, now=NOON, quiet=QUIET)
        await session.commit()
    assert again == 0  # releasing twice adds nobody
    rows = await _outbox(db, created.id)
    assert sorted(r.identity_id for r in rows) == sorted(people[:2])
    assert {r.not_before for r in rows} == {NOON}
    assert rows[0].data["community"] == "金采小区" and rows[0].data["title"] == "电梯保养"


async def test_quiet_hours_defer_normal_announcements_but_not_urgent_ones(db: Database) -> None:
    community_id, _people, _ = await _setup(db, NIGHT)
    estate_wide = {"kind": "estate", "community_id": community_id}
    async with db.sessions() as session:
        staff, _ = await staff_member(session, MANAGER, NIGHT)
        normal = await broadcasts.create(
            session,
            draft=Draft(
                community_id=community_id,
                audience=estate_wide,
                title="消防演习",
                body="周六上午消防演习。",
            ),
            staff=staff,
            creator_chat_id=None,
            now=NIGHT,
            quiet=QUIET,
        )
        urgent = await broadcasts.create(
            session,
            draft=Draft(
                community_id=community_id,
                audience=estate_wide,
                title="紧急停水",
                body="水管爆裂，正在抢修。",
                urgent=True,
            ),
            staff=staff,
            creator_chat_id=None,
            now=NIGHT,
            quiet=QUIET,
        )
        await session.commit()
    morning = datetime(2026, 11, 24, 8, 30, tzinfo=ZONE).astimezone(UTC)
    assert {r.not_before for r in await _outbox(db, normal.id)} == {morning}
    urgent_rows = await _outbox(db, urgent.id)
    assert {r.not_before for r in urgent_rows} == {NIGHT}
    assert all(r.priority < 30 for r in urgent_rows)


async def test_cancel_stops_what_has_not_gone_and_only_managers_may(db: Database) -> None:
    community_id, _people, _ = await _setup(db, NOON)
    async with db.sessions() as session:
        staff, _ = await staff_member(session, MANAGER, NOON)
        created = await broadcasts.create(
            session,
            draft=Draft(
                community_id=community_id,
                audience={"kind": "estate", "community_id": community_id},
                title="通知",
                body="内容",
                send_at=NOON + timedelta(hours=2),
            ),
            staff=staff,
            creator_chat_id=None,
            now=NOON,
            quiet=QUIET,
        )
        await session.commit()
    assert await _outbox(db, created.id) == []  # scheduled: nobody yet
    async with db.sessions() as session:
        technician, _ = await staff_member(session, TECHNICIAN, NOON)
        with pytest.raises(NotAllowed):
            await broadcasts.cancel(session, broadcast_id=created.id, staff=technician, now=NOON)
        assert (
            await broadcasts.release_due(session, now=NOON + timedelta(hours=2), quiet=QUIET) == 1
        )
        staff, _ = await staff_member(session, MANAGER, NOON)
        progress = await broadcasts.cancel(session, broadcast_id=created.id, staff=staff, now=NOON)
        await session.commit()
    assert progress.cancelled == 3 and progress.pending == 0
    assert {r.status for r in await _outbox(db, created.id)} == {OutboxStatus.cancelled}


async def test_acknowledgements_and_notices(db: Database) -> None:
    from models import ChatIdentity

    community_id, people, _ = await _setup(db, NOON)
    async with db.sessions() as session:
        staff, manager_identity = await staff_member(session, MANAGER, NOON)
        created = await broadcasts.create(
            session,
            draft=Draft(
                community_id=community_id,
                audience={"kind": "estate", "community_id": community_id},
                template="water_cut",
                ack_required=True,
                urgent=True,
                fields={
                    "date": "11月24日",
                    "start": "09:00",
                    "end": "15:00",
                    "area": "1栋、2栋",
                    "reason": "管道维修",
                },
                expires_at=NOON + timedelta(days=1),
            ),
            staff=staff,
            creator_chat_id=str(MANAGER),
            now=NOON,
            quiet=QUIET,
        )
        first = await session.get(ChatIdentity, people[0])
        assert await notice_board.acknowledge(
            session, broadcast_id=created.id, identity=first, now=NOON
        )
        assert not await notice_board.acknowledge(
            session, broadcast_id=created.id, identity=first, now=NOON
        )
        with pytest.raises(NotAllowed):  # the manager was not a recipient
            await notice_board.acknowledge(
                session, broadcast_id=created.id, identity=manager_identity, now=NOON
            )
        report = await broadcast_reports.ack_report(session, broadcast_id=created.id, staff=staff)
        await session.commit()
    by_building = {
        r.building: (r.acknowledged, r.total, [m["room"] for m in r.missing]) for r in report
    }
    assert by_building == {"1栋": (1, 2, ["302"]), "2栋": (0, 1, ["101"])}
    async with db.sessions() as session:
        first = await session.get(ChatIdentity, people[0])
        listed, total = await notice_board.notices_for(session, identity=first, now=NOON)
        assert (total, [b.id for b in listed]) == (1, [created.id])
        expired, total = await notice_board.notices_for(
            session, identity=first, now=NOON + timedelta(days=2)
        )
        assert (total, expired) == (0, [])


async def test_bad_drafts_are_refused_with_a_reason(db: Database) -> None:
    community_id, _, _ = await _setup(db, NOON)
    audience = {"kind": "estate", "community_id": community_id}
    for draft, key in (
        (
            Draft(community_id=community_id, audience=audience, title="", body="x"),
            "broadcast.title_length",
        ),
        (
            Draft(community_id=community_id, audience=audience, title="t", body="x" * 4000),
            "broadcast.body_length",
        ),
        (
            Draft(
                community_id=community_id,
                audience=audience,
                template="water_cut",
                fields={"date": "明天"},
            ),
            "broadcast.template_fields",
        ),
        (
            Draft(
                community_id=community_id,
                audience=audience,
                title="t",
                body="b",
                send_at=NOON - timedelta(hours=1),
            ),
            "broadcast.send_in_past",
        ),
    ):
        with pytest.raises(DomainError) as error:
            broadcasts.validate(draft, now=NOON)
        assert error.value.key == key
