"""The household roster: import from CSV/XLSX (all-or-nothing by default) and code export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.phone import normalize_phone
from models import Building, Community, Household
from services import audit
from services.identities import Person
from services.onboarding import unique_code

HOUSEHOLD_COLUMNS = ("community", "building", "unit", "room", "owner_name", "phone", "area_m2")
REQUIRED = ("community", "building", "room")


@dataclass(frozen=True)
class HouseholdRow:
    line: int
    community: str
    building: str
    unit: str
    room: str
    owner_name: str | None
    phone: str | None
    area_m2: Decimal | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.community, self.building, self.unit, self.room)


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False


class ImportRefused(Exception):
    """The file as a whole cannot be read (wrong header, unknown format)."""


def read_table(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a UTF-8 CSV or an XLSX file with a header row."""
    suffix = path.suffix.lower()
    rows: Iterable[Sequence[object]]
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        text = path.read_bytes().decode("utf-8-sig")
        rows = csv.reader(io.StringIO(text))
    else:
        raise ImportRefused(f"unsupported file type {suffix!r}: use .csv or .xlsx")
    iterator: Iterator[Sequence[object]] = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise ImportRefused("the file is empty")
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n and n not in HOUSEHOLD_COLUMNS]
    if missing or unknown:
        raise ImportRefused(
            f"header must be {','.join(HOUSEHOLD_COLUMNS)}"
            + (f"; missing {','.join(missing)}" if missing else "")
            + (f"; unknown {','.join(unknown)}" if unknown else "")
        )
    for number, values in enumerate(iterator, start=2):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        yield (
            number,
            {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name},
        )


def _xlsx_rows(path: Path) -> Iterable[list[object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield [_xlsx_cell(v) for v in row]


def _xlsx_cell(value: object) -> object:
    # Excel stores "101" typed as a number as 101.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validate(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> tuple[list[HouseholdRow], list[RowError]]:
    """Check every row; collect all problems with their line numbers."""
    good: list[HouseholdRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, raw in rows:
        problems = [f"{name} is empty" for name in REQUIRED if not raw.get(name)]
        phone = None
        if raw.get("phone"):
            try:
                phone = normalize_phone(raw["phone"])
            except ValueError:
                problems.append(f"phone {raw['phone']!r} is not a phone number")
        area = None
        if raw.get("area_m2"):
            try:
                area = Decimal(raw["area_m2"])
                if area <= 0 or area.as_tuple().exponent < -2:  # type: ignore[operator]
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(
                    f"area_m2 {raw['area_m2']!r} must be a positive number with up to two decimals"
                )
        for name, limit in (
            ("community", 100),
            ("building", 40),
            ("unit", 20),
            ("room", 20),
            ("owner_name", 100),
        ):
            if len(raw.get(name, "")) > limit:
                problems.append(f"{name} is longer than {limit} characters")
        row = HouseholdRow(
            line=line,
            community=raw.get("community", ""),
            building=raw.get("building", ""),
            unit=raw.get("unit", ""),
            room=raw.get("room", ""),
            owner_name=raw.get("owner_name") or None,
            phone=phone,
            area_m2=area,
        )
        if not problems and row.key in seen:
            problems.append(f"same household as line {seen[row.key]}")
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
        else:
            seen[row.key] = line
            good.append(row)
    return good, errors


async def import_households(
    session: AsyncSession, *, path: Path, now: datetime, skip_invalid: bool = False
) -> ImportReport:
    """Import the file. With any bad row nothing is written unless `skip_invalid`.

    Re-importing is idempotent: households are matched by (community, building, unit, room);
    their binding codes are kept.
    """
    good, errors = validate(read_table(path))
    report = ImportReport(errors=errors)
    if errors and not skip_invalid:
        return report
    communities: dict[str, Community] = {}
    buildings: dict[tuple[str, str], Building] = {}
    for row in good:
        community = communities.get(row.community) or await community_for(
            session, row.community, now
        )
        communities[row.community] = community
        building = buildings.get((row.community, row.building)) or await building_for(
            session, community, row.building
        )
        buildings[(row.community, row.building)] = building
        household = await session.scalar(
            select(Household).where(
                Household.building_id == building.id,
                Household.unit == row.unit,
                Household.room == row.room,
            )
        )
        if household is None:
            session.add(
                Household(
                    building_id=building.id,
                    unit=row.unit,
                    room=row.room,
                    owner_name=row.owner_name,
                    owner_phone=row.phone,
                    area_m2=row.area_m2,
                    binding_code=await unique_code(session),
                    code_issued_at=now,
                )
            )
            await session.flush()
            report.created += 1
            continue
        new = (row.owner_name, row.phone, row.area_m2)
        if (household.owner_name, household.owner_phone, household.area_m2) == new:
            report.unchanged += 1
        else:
            household.owner_name, household.owner_phone, household.area_m2 = new
            report.updated += 1
    audit.record(
        session,
        now=now,
        action="import.households",
        actor_kind="cli",
        created=report.created,
        updated=report.updated,
        skipped=len(errors),
    )
    report.applied = True
    return report


def estate_zone(community: Community | None, default: ZoneInfo) -> ZoneInfo:
    """The estate's own time zone when it has one, else the configured one (`timezone`)."""
    return ZoneInfo(community.timezone) if community and community.timezone else default


async def office_hotline(session: AsyncSession, person: Person) -> str | None:
    """The property office's phone to give this person: their own estate's once they have
    joined, else the one every estate here shares (see shared_hotline)."""
    if person.resident is not None:
        return person.resident.household.building.community.hotline or None
    return await shared_hotline(session)


async def shared_hotline(session: AsyncSession) -> str | None:
    """The property office's phone when every estate here gives the same one: for someone
    whose estate is not known yet (not joined), whom help tells to call the office."""
    hotlines = list(
        await session.scalars(
            select(Community.hotline).where(Community.hotline != "").distinct().limit(2)
        )
    )
    return hotlines[0] if len(hotlines) == 1 else None


async def community_for(session: AsyncSession, name: str, now: datetime) -> Community:
    community = await session.scalar(select(Community).where(Community.name == name))
    if community is None:
        community = Community(name=name, created_at=now)
        session.add(community)
        await session.flush()
    return community


async def building_for(session: AsyncSession, community: Community, name: str) -> Building:
    building = await session.scalar(
        select(Building).where(Building.community_id == community.id, Building.name == name)
    )
    if building is None:
        digits = "".join(ch for ch in name if ch.isdigit())
        building = Building(
            community_id=community.id, name=name, sort_key=int(digits) if digits else 0
        )
        session.add(building)
        await session.flush()
    return building


async def binding_codes(session: AsyncSession, *, community: str | None = None) -> list[Household]:
    """Households with their codes, for printing and handing out, in address order."""
    query = (
        select(Household)
        .join(Building)
        .join(Community)
        .options(selectinload(Household.building).selectinload(Building.community))
        .order_by(Community.name, Building.sort_key, Building.name, Household.unit, Household.room)
    )
    if community:
        query = query.where(Community.name == community)
    return list(await session.scalars(query))


async def find_household(
    session: AsyncSession, *, community: str, building: str, unit: str, room: str
) -> Household | None:
    return await session.scalar(
        select(Household)
        .join(Building)
        .join(Community)
        .where(
            Community.name == community,
            Building.name == building,
            Household.unit == unit,
            Household.room == room,
        )
    )
