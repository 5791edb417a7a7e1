"""The operator's commands, run as an operator runs them: `linli …` in a shell."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEntry, Household, Staff, StaffGroup
from models.db import Database

HEADER = "community,building,unit,room,owner_name,phone,area_m2\n"
GOOD = [
    "金采小区,1栋,1单元,101,王秀英,13800000001,89.5",
    "金采小区,1栋,1单元,102,李建国,,75",
    "金采小区,2栋,,301,张桂兰,+86 139 0000 0003,",
]


def linli(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINLI_DATABASE__URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # No config.yaml here: defaults plus the environment, as in a fresh deployment.
    return tmp_path


async def _households(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Household)) or 0)


async def test_a_file_with_bad_rows_is_refused_whole_and_every_bad_row_reported(
    database_url: str, db: Database, workdir: Path
) -> None:
    bad = [
        "金采小区,1栋,1单元,,赵六,13800000004,80",  # no room
        "金采小区,1栋,1单元,105,钱七,12,80",  # not a phone
        "金采小区,1栋,1单元,106,孙八,13800000006,-3",  # negative area
        GOOD[0].replace("王秀英", "王秀英2"),  # same home as line 2
    ]
    path = workdir / "households.csv"
    path.write_text(HEADER + "\n".join(GOOD + bad) + "\n", encoding="utf-8")
    result = linli(database_url, "import", "households", str(path), cwd=workdir)
    assert result.returncode != 0
    assert "nothing imported" in result.stderr
    for line, reason in (
        (5, "room is empty"),
        (6, "not a phone number"),
        (7, "area_m2"),
        (8, "same household as line 2"),
    ):
        assert f"households.csv:{line}: " in result.stderr and reason in result.stderr
    assert await _households(db) == 0

    skipped = linli(database_url, "import", "households", str(path), "--skip-invalid", cwd=workdir)
    assert skipped.returncode == 0, skipped.stderr
    assert "3 created" in skipped.stdout and "4 skipped" in skipped.stdout
    assert await _households(db) == 3


async def test_reimport_is_idempotent_and_keeps_binding_codes(
    database_url: str, db: Database, workdir: Path
) -> None:
    path = workdir / "households.csv"
    path.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    assert linli(database_url, "import", "households", str(path), cwd=workdir).returncode == 0
    async with db.sessions() as session:
        codes = dict((await session.execute(select(Household.room, Household.binding_code))).all())
    again = linli(database_url, "import", "households", str(path), cwd=workdir)
    assert again.returncode == 0 and "0 created, 0 updated, 3 unchanged" in again.stdout
    changed = path.read_text(encoding="utf-8").replace("王秀英", "王秀英（已过户）")
    path.write_text(changed, encoding="utf-8")
    third = linli(database_url, "import", "households", str(path), cwd=workdir)
    assert "0 created, 1 updated, 2 unchanged" in third.stdout
    async with db.sessions() as session:
        assert (
            dict((await session.execute(select(Household.room, Household.binding_code))).all())
            == codes
        )
        assert (
            await session.scalar(select(Household.owner_phone).where(Household.room == "301"))
            == "+8613900000003"
        )


async def test_xlsx_imports_like_csv_and_codes_export_with_deep_links(
    database_url: str, db: Database, workdir: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        ["金采小区", "3栋", "2单元", 501, "周玉兰", 13800000009, 96]
    )  # numbers typed as numbers
    path = workdir / "households.xlsx"
    book.save(path)
    result = linli(database_url, "import", "households", str(path), cwd=workdir)
    assert result.returncode == 0, result.stderr
    out = workdir / "codes.csv"
    exported = linli(
        database_url,
        "export",
        "binding-codes",
        "--out",
        str(out),
        "--bot-username",
        "linli_bot",
        cwd=workdir,
    )
    assert exported.returncode == 0, exported.stderr
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["building"], r["unit"], r["room"]) for r in rows] == [("3栋", "2单元", "501")]
    assert rows[0]["deep_link"] == f"https://t.me/linli_bot?start={rows[0]['binding_code']}"


async def test_staff_groups_rotation_and_jobs(
    database_url: str, db: Database, workdir: Path
) -> None:
    path = workdir / "households.csv"
    path.write_text(HEADER + GOOD[0] + "\n", encoding="utf-8")
    assert linli(database_url, "import", "households", str(path), cwd=workdir).returncode == 0
    added = linli(
        database_url,
        "staff",
        "add",
        "--telegram-id",
        "777",
        "--name",
        "赵管家",
        "--role",
        "steward",
        "--community",
        "金采小区",
        "--buildings",
        "1栋",
        cwd=workdir,
    )
    assert added.returncode == 0 and "staff added" in added.stdout, added.stderr
    wrong = linli(
        database_url,
        "staff",
        "add",
        "--telegram-id",
        "778",
        "--name",
        "x",
        "--role",
        "steward",
        "--community",
        "No Such Estate",
        cwd=workdir,
    )
    assert wrong.returncode != 0
    assert "no community named 'No Such Estate'" in wrong.stderr, wrong.stderr
    group = linli(
        database_url,
        "groups",
        "add",
        "--chat-id",
        "-100123",
        "--purpose",
        "dispatch",
        "--community",
        "金采小区",
        "--forum",
        cwd=workdir,
    )
    assert group.returncode == 0 and "forum" in group.stdout, group.stderr
    async with db.sessions() as session:
        old = await session.scalar(select(Household.binding_code))
    rotated = linli(
        database_url,
        "households",
        "rotate-code",
        "--community",
        "金采小区",
        "--building",
        "1栋",
        "--unit",
        "1单元",
        "--room",
        "101",
        cwd=workdir,
    )
    assert rotated.returncode == 0, rotated.stderr
    async with db.sessions() as session:
        assert await session.scalar(select(Household.binding_code)) != old
        assert await session.scalar(select(func.count()).select_from(Staff)) == 1
        assert await session.scalar(select(StaffGroup.chat_id)) == "-100123"
        assert await session.scalar(select(StaffGroup.is_forum)) is True
        assert (
            await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "household.rotate_code")
            )
            == 1
        )
    jobs = linli(database_url, "jobs", "list", cwd=workdir)
    assert "prune" in jobs.stdout
    ran = linli(
        database_url, "jobs", "run", "prune", "--now", "2027-01-01T08:30:00+08:00", cwd=workdir
    )
    assert ran.returncode == 0 and "2027-01-01T00:30:00+00:00" in ran.stdout, ran.stderr


async def test_sla_job_moved_by_now_escalates_an_urgent_ticket_once(
    database_url: str, db: Database, workdir: Path
) -> None:
    from datetime import UTC, datetime

    from core.settings import TicketSettings
    from models import OutboxMessage, Ticket, TicketKind, Urgency
    from services import identities
    from services.tickets.filing import TicketDraft, create
    from tests.services.factories import estate, resident

    filed = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    async with db.sessions() as session:
        await estate(session, filed)
        await resident(
            session, telegram_id=61001, building="1栋", unit="1单元", room="101", now=filed
        )
        person = await identities.load_person(
            session, await identities.touch(session, external_id="61001", now=filed)
        )
        ticket = await create(
            session,
            person=person,
            now=filed,
            settings=TicketSettings(),
            draft=TicketDraft(
                kind=TicketKind.repair,
                category="gas",
                description="燃气味",
                urgency=Urgency.urgent,
            ),
        )
        await session.commit()
    early = linli(
        database_url, "jobs", "run", "sla", "--now", "2026-11-23T10:10:00+08:00", cwd=workdir
    )
    assert "escalated 0" in early.stdout, early.stderr  # 10 minutes: still within 15
    for _ in range(2):
        late = linli(
            database_url, "jobs", "run", "sla", "--now", "2026-11-23T10:20:00+08:00", cwd=workdir
        )
        assert late.returncode == 0, late.stderr
    assert "escalated 0" in late.stdout  # the second run finds nothing new
    async with db.sessions() as session:
        escalations = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.notice == "ticket.escalated")
            )
        )
        assert len(escalations) == 1 and escalations[0].data["number"] == ticket.number
        assert (await session.get(Ticket, ticket.id)).escalated_at is not None
