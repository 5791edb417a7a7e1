"""`Composer`, one update's view of a draft in progress, and what the steps share.

The draft lives in the FSM data (in the database, so a restart loses nothing). A Composer
asks the questions, moves from one section of the draft to the next (or straight back to
the preview when editing), turns the answers into services.broadcasts' `Draft`, and shows
the preview. Also here: who may announce to which estates, and the answered question left
in the chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Replier
from core.clock import Clock, as_utc
from core.formatting import format_datetime
from core.settings import Settings
from handlers.broadcast.base import edit_pressed
from handlers.broadcast.states import NEXT_SECTION, Compose, Section
from models import Staff
from services import broadcasts, onboarding
from services.broadcasts import TEMPLATES, URGENT_TEMPLATES, Draft, QuietHours
from services.errors import NotAllowed
from services.quiet_hours import release_time

MORNING = time(8, 30)

Estate = tuple[int, str, str | None]  # id, name, time zone


@dataclass
class Composer:
    """One update's view of a draft in progress: asks the questions, keeps the answers."""

    state: FSMContext
    reply: Replier
    session: AsyncSession
    clock: Clock
    settings: Settings

    async def data(self) -> dict[str, Any]:
        return await self.state.get_data()

    def zone(self, data: dict[str, Any]) -> ZoneInfo:
        return ZoneInfo(data["zone"]) if data.get("zone") else self.settings.zone

    def quiet(self) -> QuietHours:
        q = self.settings.quiet_hours
        return QuietHours(zone=self.settings.zone, start=q.start, end=q.end)

    def quiet_times(self) -> dict[str, str]:
        """Quiet hours as the texts show them: quiet_start and quiet_end, “22:00”."""
        q = self.settings.quiet_hours
        return {"quiet_start": q.start.strftime("%H:%M"), "quiet_end": q.end.strftime("%H:%M")}

    async def begin(self, community_id: int, community: str, zone: str | None) -> None:
        await self.state.set_data(
            {"community_id": community_id, "community": community, "zone": zone}
        )
        await self.start(Section.text)

    async def start(self, section: Section) -> None:
        """Ask the first question of a section (the preview is a section of its own)."""
        if section == Section.text:
            community = (await self.data())["community"]
            await self._ask(Compose.kind, "broadcast.ask_kind", community=community)
        elif section == Section.audience:
            await self._ask(Compose.audience, "broadcast.ask_audience")
        elif section == Section.options:
            await self.ask_urgent()
        elif section == Section.timing:
            await self._ask(Compose.when, "broadcast.ask_when")
        else:
            await self.preview()

    async def done(self, section: Section) -> None:
        """After a section: the next one, or straight back to the preview when editing."""
        data = await self.data()
        await self.start(Section.preview if data.get("editing") else NEXT_SECTION[section])

    async def _ask(self, state: State, notice: str, **data: Any) -> None:
        await self.state.set_state(state)
        await self.reply(notice, **data)

    async def ask_title(self) -> None:
        await self._ask(Compose.title, "broadcast.ask_title")

    async def ask_body(self) -> None:
        await self._ask(Compose.body, "broadcast.ask_body")

    async def ask_field(self, index: int) -> None:
        data = await self.data()
        template = data["template"]
        await self.state.set_state(Compose.field)
        await self.state.update_data(field_index=index)
        await self.reply(
            "broadcast.ask_field",
            template=template,
            field=TEMPLATES[template][index],
            index=index,
            today=self.clock.now().astimezone(self.zone(data)).date().isoformat(),  # examples
        )

    async def ask_urgent(self) -> None:
        suggest = (await self.data()).get("template") in URGENT_TEMPLATES
        await self._ask(
            Compose.urgent, "broadcast.ask_urgent", suggest_urgent=suggest, **self.quiet_times()
        )

    async def ask_time(self) -> None:
        example = self.example_time(await self.data())
        await self._ask(Compose.time, "broadcast.ask_time", example=example)

    async def ask_expiry(self) -> None:
        await self._ask(Compose.expiry, "broadcast.ask_expiry")

    def example_time(self, data: dict[str, Any]) -> str:
        return format_datetime(self.tomorrow_morning(data), self.zone(data))

    def tomorrow_morning(self, data: dict[str, Any]) -> datetime:
        local = self.clock.now().astimezone(self.zone(data))
        day = local.date() + timedelta(days=1)
        return datetime.combine(day, MORNING, tzinfo=self.zone(data))

    async def problem(self, problem: str, **data: Any) -> None:
        await self.reply("broadcast.bad_input", problem=problem, **data)

    async def refused(
        self,
        text: str,
        limit: int,
        ask_again: Callable[[], Awaitable[None]],
        empty: str = "need_text",
    ) -> bool:
        """A typed answer that is empty or too long: say so and ask again (True), else False."""
        if text and len(text) <= limit:
            return False
        if text:
            await self.problem("too_long", max=limit)
        else:
            await self.problem(empty)
        await ask_again()
        return True

    def draft(self, data: dict[str, Any]) -> Draft:
        """The services' Draft from the answers so far (expiry counted from sending)."""
        now = self.clock.now()
        send_at = as_utc(datetime.fromisoformat(data["send_at"])) if data.get("send_at") else None
        days = int(data.get("expiry_days") or 0)
        return Draft(
            community_id=int(data["community_id"]),
            audience=dict(data["audience"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            template=data.get("template"),
            fields=dict(data.get("fields") or {}),
            photo_file_id=data.get("photo"),
            document_file_id=data.get("document"),
            urgent=bool(data.get("urgent")),
            ack_required=bool(data.get("ack")),
            send_at=send_at,
            expires_at=(send_at or now) + timedelta(days=days) if days else None,
        )

    def quiet_until(self, draft: Draft) -> datetime | None:
        """When quiet hours hold a non-urgent announcement back: the moment it goes out."""
        if draft.urgent:
            return None
        now = self.clock.now()
        go = max(draft.send_at or now, now)
        q = self.quiet()
        released = release_time(go, q.zone, q.start, q.end)
        return released if released != go else None

    async def preview(self) -> None:
        """The notice as residents will get it, then the summary with Confirm / Edit / Cancel."""
        data = await self.data()
        draft = self.draft(data)
        zone = self.zone(data)
        count = await broadcasts.preview_count(self.session, draft)
        await self.state.set_state(Compose.preview)
        await self.state.update_data(editing=False)
        await self.reply(
            "broadcast.notice",
            broadcast_id=0,
            community=data["community"],
            title=draft.title,
            body=draft.body,
            template=draft.template,
            fields=draft.fields,
            photo=draft.photo_file_id,
            document=draft.document_file_id,
            urgent=draft.urgent,
            ack=draft.ack_required,
            copy=True,
        )
        quiet_until = self.quiet_until(draft)
        await self.reply(
            "broadcast.preview",
            count=count,
            audience_kind=draft.audience["kind"],
            building_names=data.get("building_names") or [],
            urgent=draft.urgent,
            ack=draft.ack_required,
            when=format_datetime(draft.send_at, zone) if draft.send_at else None,
            expires=format_datetime(draft.expires_at, zone) if draft.expires_at else None,
            quiet_until=format_datetime(quiet_until, zone) if quiet_until else None,
            **self.quiet_times(),
        )


async def answered(
    query: CallbackQuery, reply: Replier, question: str, answer: str = "", raw: str = ""
) -> None:
    """Leave the answered question in the chat, without its buttons."""
    await edit_pressed(
        query, reply, "broadcast.answered", question=question, answer=answer, raw=raw
    )


async def estates_of(session: AsyncSession, staff: Staff | None) -> list[Estate]:
    """(id, name, zone) of the estates this staff member may announce to, in display order."""
    community_id = staff.community_id if staff is not None else None
    seen: dict[int, Estate] = {}
    for building in await onboarding.buildings_of(session, community_id):
        c = building.community
        seen.setdefault(c.id, (c.id, c.name, c.timezone))
    if not seen and community_id is not None:
        seen[community_id] = (community_id, "", None)
    return list(seen.values())


def may_broadcast(staff: Staff | None, estates: list[Estate]) -> bool:
    try:
        broadcasts.check_staff(staff, estates[0][0] if estates else 0)
    except NotAllowed:
        return False
    return bool(estates)
