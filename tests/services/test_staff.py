"""Who looks after a building: "my steward" on a resident's home page."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models import Building, Staff, StaffRole
from models.db import Database
from services import staff
from tests.services.factories import estate

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def test_the_steward_of_a_building_is_the_one_given_it(db: Database) -> None:
    async with db.sessions() as session:
        community = await estate(session, NOW)  # 赵管家 looks after 1–3栋
        await staff.add_staff(
            session,
            external_id="900010",
            name="钱管家",
            role=StaffRole.steward,
            now=NOW,
            community=community.name,
        )  # the whole estate
        await staff.add_staff(
            session, external_id="900011", name="总部管家", role=StaffRole.steward, now=NOW
        )  # the company's: no estate of their own
        await staff.add_staff(
            session,
            external_id="900012",
            name="离职管家",
            role=StaffRole.steward,
            now=NOW,
            community=community.name,
            buildings=["5栋"],
        )
        buildings = {b.name: b for b in await session.scalars(select(Building))}
        for person in await session.scalars(select(Staff)):
            if person.name == "离职管家":
                person.active = False
        assert await staff.stewards_of(session, buildings["1栋"]) == ["赵管家", "钱管家"]
        assert await staff.stewards_of(session, buildings["5栋"]) == ["钱管家"]


async def test_auto_assign_gives_a_ticket_to_whoever_looks_after_its_building(
    db: Database,
) -> None:
    from core.settings import TicketSettings
    from models import TicketKind, TicketStatus
    from services import identities
    from services.tickets.filing import TicketDraft, create
    from tests.services.factories import resident

    settings = TicketSettings(auto_assign=True)
    async with db.sessions() as session:
        await estate(session, NOW)  # 孙师傅 repairs across the estate; 赵管家 looks after 1–3栋
        assigned = {}
        for telegram_id, building, kind, category in (
            (61001, "5栋", TicketKind.repair, "other"),
            (61002, "1栋", TicketKind.complaint, "noise"),
            (61003, "5栋", TicketKind.complaint, "noise"),
        ):
            await resident(
                session,
                telegram_id=telegram_id,
                building=building,
                unit="1单元",
                room="101",
                now=NOW,
            )
            person = await identities.load_person(
                session, await identities.touch(session, external_id=str(telegram_id), now=NOW)
            )
            draft = TicketDraft(kind=kind, category=category, description="楼道里很吵")
            ticket = await create(session, person=person, draft=draft, now=NOW, settings=settings)
            assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
            assigned[building, kind.value] = (ticket.status, assignee.name if assignee else None)
    assert assigned == {
        ("5栋", "repair"): (TicketStatus.assigned, "孙师傅"),
        ("1栋", "complaint"): (TicketStatus.assigned, "赵管家"),
        ("5栋", "complaint"): (TicketStatus.new, None),  # nobody's: it waits for the desk
    }
