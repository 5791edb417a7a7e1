"""What the residents' ticket tests share: pressing the form's buttons, joining, filing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.tickets.form import WizAction, WizardCb
from handlers.tickets.pages import TicketAction, TicketCb
from models import Ticket, TicketKind
from services import identities
from services.households import find_household
from services.tickets.filing import TicketDraft, create
from services.tickets.lifecycle import act, add_message
from services.tickets.machine import Action
from tests.e2e.conftest import Product
from tests.e2e.harness import Message, Sim, buttons, press, text_of

ZHANG, LI = 10001, 10002  # 张阿姨 owns 1栋1单元101 (roster phone); Mr Li reads English
DISPATCHER, TECHNICIAN = 900002, 900004


def wiz(action: WizAction, value: str = "") -> str:
    return WizardCb(action=action, value=value).pack()


async def bind_zhang(sim: Sim) -> None:
    await sim.share_contact(ZHANG)
    await sim.wait_text(ZHANG, "1栋 1单元 101")


async def bind_li(product: Product) -> None:
    """Mr Li joins 2栋1单元301 with its binding code, as in the onboarding tests."""
    await join_by_code(product, LI, ("2栋", "1单元", "301"), "owner")
    await product.sim.wait_text(LI, "Done!")


async def join_by_code(product: Product, user: int, home: tuple[str, str, str], role: str) -> None:
    """`user` opens the bot with the home's deep link and taps the button naming `role`."""
    sim = product.sim
    building, unit, room = home
    async with product.db.sessions() as session:
        found = await find_household(
            session, community="金采小区", building=building, unit=unit, room=room
        )
        assert found is not None
        code = found.binding_code
    await sim.send(user, f"/start {code}")
    confirm = await sim.wait_for(user, lambda m: any(role in t for t, _d in buttons(m)))
    await sim.press_button(user, user, confirm, role)


async def person(product: Product, telegram_id: int, session: Any) -> identities.Person:
    identity = await identities.touch(
        session, external_id=str(telegram_id), now=product.runtime.clock.now()
    )
    return await identities.load_person(session, identity)


async def file_repair(product: Product, telegram_id: int, description: str) -> Ticket:
    """A repair filed through the service, as the form would."""
    async with product.db.sessions() as session:
        ticket = await create(
            session,
            person=await person(product, telegram_id, session),
            draft=TicketDraft(
                kind=TicketKind.repair,
                category="plumbing",
                description=description,
                visit_window="any",
            ),
            now=product.runtime.clock.now(),
            settings=product.settings.tickets,
        )
        await session.commit()
        return ticket


async def ticket_by_number(product: Product, number: str) -> Ticket:
    async with product.db.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


async def latest_ticket(product: Product) -> Ticket:
    async with product.db.sessions() as session:
        ticket = await session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
        assert ticket is not None
        return ticket


async def count(product: Product, model: type, *where: Any) -> int:
    async with product.db.sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )


def number_in(message: Message, prefix: str = "BX-") -> str:
    text = text_of(message)
    start = text.index(prefix)
    return text[start : start + len(prefix) + 7]


async def without_buttons(sim: Sim, user: int, message: Message, what: str) -> Message:
    """The same message once it has been edited to carry no buttons."""
    return await sim.wait_for(
        user,
        lambda m: m["message_id"] == message["message_id"] and not buttons(m),
        what=what,
    )


async def open_page(sim: Sim, user: int, ticket: Ticket) -> Message:
    """The ticket's page, opened from "📋 我的工单" as a resident would."""
    await sim.send(user, "📋 我的工单")
    listing = await sim.wait_text(user, "您家的报修和投诉", ticket.number)
    await press(sim, user, listing, TicketCb(action=TicketAction.show, ticket_id=ticket.id).pack())
    return await sim.wait_text(user, ticket.number, "处理记录")


async def work_on(product: Product, ticket: Ticket, *, message: str | None = None) -> None:
    """The dispatcher assigns the ticket to the technician, who (saying `message` to the
    resident first) starts and finishes it."""
    async with product.db.sessions() as session:
        dispatcher = await person(product, DISPATCHER, session)
        technician = await person(product, TECHNICIAN, session)
        now, settings = product.runtime.clock.now(), product.settings.tickets
        assert technician.staff is not None
        await act(
            session,
            ticket_id=ticket.id,
            action=Action.assign,
            person=dispatcher,
            now=now,
            settings=settings,
            assignee_id=technician.staff.id,
        )
        if message:
            await add_message(
                session,
                ticket_id=ticket.id,
                person=technician,
                now=now,
                text=message,
                as_staff=True,
            )
        for step in (Action.start, Action.finish):
            await act(
                session,
                ticket_id=ticket.id,
                action=step,
                person=technician,
                now=now,
                settings=settings,
            )
        await session.commit()
