"""Tickets as a service: numbering under concurrency, the status machine, refusals, SLA."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.settings import TicketSettings
from models import AuditEntry, OutboxMessage, Ticket, TicketKind, TicketStatus, Urgency
from models.db import Database
from services import identities
from services.errors import DomainError, NotAllowed
from services.tickets import sla
from services.tickets.filing import TicketDraft, create
from services.tickets.lifecycle import act, add_message
from services.tickets.machine import Action
from services.tickets.media import MediaIn
from tests.services.factories import estate, resident, staff_member

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
SETTINGS = TicketSettings()
DISPATCHER, STEWARD, TECHNICIAN = 900002, 900003, 900004


async def _person(session, telegram_id: int):  # type: ignore[no-untyped-def]
    identity = await identities.touch(session, external_id=str(telegram_id), now=NOON)
    return await identities.load_person(session, identity)


async def _estate_with_residents(db: Database, count: int = 2) -> None:
    async with db.sessions() as session:
        await estate(session, NOON)
        for i in range(count):  # 12 homes per unit: 6 floors x 2 rooms
            unit, floor = i // 12 + 1, (i % 12) // 2 + 1
            await resident(
                session,
                telegram_id=51001 + i,
                building="1栋",
                unit=f"{unit}单元",
                room=f"{floor}0{i % 2 + 1}",
                now=NOON,
            )
        for tg in (DISPATCHER, STEWARD, TECHNICIAN):
            await staff_member(session, tg, NOON)
        await session.commit()


async def test_concurrent_tickets_get_distinct_sequential_numbers(db: Database) -> None:
    await _estate_with_residents(db, count=20)

    async def file(i: int) -> str:
        async with db.sessions() as session:
            person = await _person(session, 51001 + i)
            ticket = await create(
                session,
                person=person,
                now=NOON,
                settings=SETTINGS,
                draft=TicketDraft(
                    kind=TicketKind.repair, category="plumbing", description=f"厨房水管漏水 {i}"
                ),
            )
            await session.commit()
            return ticket.number

    numbers = await asyncio.gather(*(file(i) for i in range(20)))
    assert sorted(numbers) == [f"BX-{n:07d}" for n in range(1, 21)]


async def test_the_life_of_a_repair_and_who_may_move_it(db: Database) -> None:
    await _estate_with_residents(db)
    async with db.sessions() as session:
        reporter = await _person(session, 51001)
        ticket = await create(
            session,
            person=reporter,
            now=NOON,
            settings=SETTINGS,
            draft=TicketDraft(
                kind=TicketKind.repair,
                category="plumbing",
                description="下水道堵了",
                media=[MediaIn("photo", "p1"), MediaIn("photo", "p2")],
            ),
        )
        neighbour = await _person(session, 51002)  # same building, other household
        technician = await _person(session, TECHNICIAN)
        dispatcher = await _person(session, DISPATCHER)
        with pytest.raises(NotAllowed):
            await act(
                session,
                ticket_id=ticket.id,
                action=Action.cancel,
                person=neighbour,
                now=NOON,
                settings=SETTINGS,
            )
        with pytest.raises(NotAllowed):  # a resident pressing a staff button
            await act(
                session,
                ticket_id=ticket.id,
                action=Action.accept,
                person=reporter,
                now=NOON,
                settings=SETTINGS,
            )
        with pytest.raises(DomainError) as illegal:
            await act(
                session,
                ticket_id=ticket.id,
                action=Action.finish,
                person=dispatcher,
                now=NOON,
                settings=SETTINGS,
            )
        assert illegal.value.key == "ticket.illegal"
        await act(
            session,
            ticket_id=ticket.id,
            action=Action.accept,
            person=dispatcher,
            now=NOON,
            settings=SETTINGS,
        )
        await act(
            session,
            ticket_id=ticket.id,
            action=Action.assign,
            person=dispatcher,
            now=NOON,
            settings=SETTINGS,
            assignee_id=technician.staff.id,
        )
        await act(
            session,
            ticket_id=ticket.id,
            action=Action.start,
            person=technician,
            now=NOON,
            settings=SETTINGS,
        )
        await act(
            session,
            ticket_id=ticket.id,
            action=Action.finish,
            person=technician,
            now=NOON,
            settings=SETTINGS,
            media=[MediaIn("photo", "after")],
        )
        with pytest.raises(DomainError):
            await act(
                session,
                ticket_id=ticket.id,
                action=Action.rate,
                person=reporter,
                now=NOON,
                settings=SETTINGS,
                rating=6,
            )
        done = await act(
            session,
            ticket_id=ticket.id,
            action=Action.rate,
            person=reporter,
            now=NOON,
            settings=SETTINGS,
            rating=4,
            comment="师傅很快",
        )
        refused = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "refused")
        )
        notices = list(
            await session.scalars(
                select(OutboxMessage.notice)
                .where(OutboxMessage.chat_id == "51001")
                .order_by(OutboxMessage.id)
            )
        )
        await session.commit()
    assert (done.status, done.rating) == (TicketStatus.closed, 4)
    assert refused == 2
    assert notices == [
        "ticket.created",
        "ticket.accepted",
        "ticket.assigned_to_someone",
        "ticket.started",
        "ticket.done",
        "ticket.rated",
    ]


async def test_unaccepted_urgent_ticket_escalates_once(db: Database) -> None:
    await _estate_with_residents(db)
    async with db.sessions() as session:
        person = await _person(session, 51001)
        ticket = await create(
            session,
            person=person,
            now=NOON,
            settings=SETTINGS,
            draft=TicketDraft(
                kind=TicketKind.repair,
                category="gas",
                description="燃气味很重",
                urgency=Urgency.urgent,
            ),
        )
        await session.commit()
    later = NOON + timedelta(minutes=16)
    for _ in range(2):
        async with db.sessions() as session:
            await sla.escalate(session, now=later)
            await session.commit()
    async with db.sessions() as session:
        escalations = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.notice == "ticket.escalated")
        )
        assert escalations == 1
        assert (await session.get(Ticket, ticket.id)).escalated_at == later


async def test_a_visit_time_is_kept_only_for_an_ordinary_repair_in_the_home(db: Database) -> None:
    await _estate_with_residents(db)
    async with db.sessions() as session:
        person = await _person(session, 51001)
        kept = {}
        for location, place, urgency in (
            ("home", None, Urgency.normal),
            ("public", "3栋楼道", Urgency.normal),
            ("home", None, Urgency.urgent),
        ):
            draft = TicketDraft(
                kind=TicketKind.repair,
                category="electrical",
                description="灯不亮",
                location=location,
                place=place,
                urgency=urgency,
                visit_window="2026-11-23.afternoon",  # NOON is midday in Shanghai
            )
            ticket = await create(session, person=person, now=NOON, settings=SETTINGS, draft=draft)
            kept[location, urgency.value] = ticket.visit_window
    # an urgent repair is attended at once: no time is kept (and none was asked for)
    assert kept == {
        ("home", "normal"): "2026-11-23.afternoon",
        ("public", "normal"): None,
        ("home", "urgent"): None,
    }


async def test_a_visit_time_already_past_is_refused_with_its_reason(db: Database) -> None:
    # A form left open over lunch: the morning it asked for is gone by the time it is sent.
    await _estate_with_residents(db)
    async with db.sessions() as session:
        person = await _person(session, 51001)
        draft = TicketDraft(
            kind=TicketKind.repair,
            category="electrical",
            description="灯不亮",
            visit_window="2026-11-23.morning",
        )
        with pytest.raises(DomainError) as refused:
            await create(session, person=person, now=NOON, settings=SETTINGS, draft=draft)
        assert refused.value.key == "ticket.bad_visit_window"
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_daily_limit_and_duplicates(db: Database) -> None:
    await _estate_with_residents(db)
    settings = TicketSettings(max_per_day=2)
    async with db.sessions() as session:
        person = await _person(session, 51001)
        draft = TicketDraft(
            kind=TicketKind.complaint,
            category="noise",
            description="楼上装修太吵了！",
            anonymous=True,
        )
        first = await create(session, person=person, now=NOON, settings=settings, draft=draft)
        second = await create(
            session,
            person=person,
            now=NOON + timedelta(minutes=5),
            settings=settings,
            draft=TicketDraft(
                kind=TicketKind.complaint,
                category="noise",
                description="楼上 装修太吵了",
                anonymous=True,
            ),
        )
        assert second.duplicate_of == first.id and first.number == "TS-0000001"
        with pytest.raises(DomainError) as limit:
            await create(
                session,
                person=person,
                now=NOON + timedelta(minutes=6),
                settings=settings,
                draft=draft,
            )
        assert limit.value.key == "ticket.daily_limit"
        alert = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.notice == "ticket.alert")
        )
        assert alert is not None and alert.data["reporter"] == "" and alert.data["room"] == ""


async def test_the_queue_pages_oldest_first_and_a_technician_sees_theirs_and_the_unassigned(
    db: Database,
) -> None:
    from services.tickets.queries import for_household, queue

    await _estate_with_residents(db, count=3)
    async with db.sessions() as session:
        for i in range(3):
            person = await _person(session, 51001 + i)
            for minute in range(4):
                await create(
                    session,
                    person=person,
                    now=NOON + timedelta(minutes=minute * 3 + i),
                    settings=SETTINGS,
                    draft=TicketDraft(
                        kind=TicketKind.repair,
                        category="electrical",
                        description=f"灯坏了 {i}-{minute}",
                    ),
                )
        dispatcher = await _person(session, DISPATCHER)
        technician = await _person(session, TECHNICIAN)
        first = await queue(session, staff=dispatcher.staff, limit=5)
        rest = await queue(
            session, staff=dispatcher.staff, limit=50, after=(first[-1].created_at, first[-1].id)
        )
        numbers = [t.number for t in first + rest]
        assert numbers == [f"BX-{n:07d}" for n in (1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12)]
        taken = first[0]
        await act(
            session,
            ticket_id=taken.id,
            action=Action.grab,
            person=technician,
            now=NOON,
            settings=SETTINGS,
        )
        await act(
            session,
            ticket_id=first[1].id,
            action=Action.assign,
            person=dispatcher,
            now=NOON,
            settings=SETTINGS,
            assignee_id=dispatcher.staff.id,
        )
        mine = await queue(session, staff=technician.staff, limit=50)
        assert len(mine) == 11 and first[1].id not in {t.id for t in mine}
        household = await for_household(session, household_id=taken.household_id, limit=3)
        older = await for_household(
            session, household_id=taken.household_id, limit=3, before_id=household[-1].id
        )
        assert [t.id for t in household + older] == sorted(
            (t.id for t in household + older), reverse=True
        )
        assert len(household + older) == 4


async def test_a_draft_staff_could_not_act_on_is_refused_with_its_reason(db: Database) -> None:
    await _estate_with_residents(db, count=1)
    async with db.sessions() as session:
        person = await _person(session, 51001)
        refused = {
            "ticket.place_needed": TicketDraft(
                kind=TicketKind.repair, category="plumbing", description="漏水", location="public"
            ),
            # the column holds 200 characters: PostgreSQL would refuse the row mid-transaction
            "ticket.too_long": TicketDraft(
                kind=TicketKind.repair,
                category="plumbing",
                description="漏水",
                location="public",
                place="楼" * 201,
            ),
            "ticket.anonymous_complaints_only": TicketDraft(
                kind=TicketKind.repair, category="plumbing", description="漏水", anonymous=True
            ),
        }
        for key, draft in refused.items():
            with pytest.raises(DomainError) as error:
                await create(session, person=person, now=NOON, settings=SETTINGS, draft=draft)
            assert error.value.key == key
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_a_steward_writing_about_their_own_homes_ticket_writes_as_a_resident(
    db: Database,
) -> None:
    """A steward who lives in the estate: their follow-up on their own home's ticket goes to
    the staff like any resident's, not back to themselves as a 'staff reply'."""
    await _estate_with_residents(db, count=1)
    async with db.sessions() as session:
        await resident(
            session, telegram_id=STEWARD, building="1栋", unit="1单元", room="101", now=NOON
        )
        steward = await _person(session, STEWARD)
        assert steward.staff is not None and steward.resident is not None
        ticket = await create(
            session,
            person=steward,
            now=NOON,
            settings=SETTINGS,
            draft=TicketDraft(
                kind=TicketKind.repair, category="plumbing", description="水龙头坏了"
            ),
        )
        await add_message(
            session,
            ticket_id=ticket.id,
            person=steward,
            now=NOON,
            text="下午在家",
            as_staff=False,
        )
        notices = set(await session.scalars(select(OutboxMessage.notice)))
        assert "ticket.resident_message" in notices and "ticket.staff_message" not in notices
        # …and a resident cannot pass their words off as the staff's.
        neighbour = await _person(session, 51001)
        with pytest.raises(NotAllowed):
            await add_message(
                session,
                ticket_id=ticket.id,
                person=neighbour,
                now=NOON,
                text="已修好",
                as_staff=True,
            )
