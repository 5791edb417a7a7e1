"""The HTTP API as a program uses it: bearer tokens, announcements, reports."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from api.app import create_api
from core.clock import FixedClock
from core.settings import load_settings
from models import Building, OutboxMessage
from models.db import Database
from services import api_tokens
from tests.services.factories import estate, resident, staff_member

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
MANAGER, TECHNICIAN = 900001, 900004


@pytest.fixture
async def api(db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with db.sessions() as session:
        await estate(session, NOON)
        for i, (building, room) in enumerate([("1栋", "101"), ("1栋", "102"), ("2栋", "101")]):
            await resident(
                session,
                telegram_id=41001 + i,
                building=building,
                unit="1单元",
                room=room,
                now=NOON,
            )
        await staff_member(session, MANAGER, NOON)
        tokens = {
            "manager": await api_tokens.issue(
                session, external_id=str(MANAGER), name="t", now=NOON
            ),
            "technician": await api_tokens.issue(
                session, external_id=str(TECHNICIAN), name="t", now=NOON
            ),
        }
        await session.commit()
    app = create_api(db=db, settings=load_settings(None), clock=FixedClock(NOON))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://linli"
    ) as client:
        yield client, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_requests_without_a_valid_token_are_refused(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    assert (await client.get("/api/v1/broadcasts")).status_code == 401
    assert (
        await client.get("/api/v1/broadcasts", headers=_auth("linli_forged"))
    ).status_code == 401


async def test_a_manager_announces_to_a_building_and_reads_the_report(api, db: Database) -> None:  # type: ignore[no-untyped-def]
    client, tokens = api
    async with db.sessions() as session:
        building = await session.scalar(select(Building.id).where(Building.name == "1栋"))
    body = {
        "audience": {"kind": "buildings", "building_ids": [building]},
        "title": "停水通知",
        "body": "明天9点到15点停水。",
        "ack_required": True,
    }
    preview = await client.post(
        "/api/v1/broadcasts/preview", json=body, headers=_auth(tokens["manager"])
    )
    assert preview.status_code == 200 and preview.json()["recipients"] == 2
    created = await client.post("/api/v1/broadcasts", json=body, headers=_auth(tokens["manager"]))
    assert created.status_code == 201, created.text
    data = created.json()
    assert (data["status"], data["recipients"], data["progress"]["pending"]) == ("sending", 2, 2)

    listing = await client.get("/api/v1/broadcasts", headers=_auth(tokens["manager"]))
    assert [b["id"] for b in listing.json()] == [data["id"]]
    report = await client.get(
        f"/api/v1/broadcasts/{data['id']}/report.csv", headers=_auth(tokens["manager"])
    )
    rows = list(csv.DictReader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert sorted((r["building"], r["room"], r["status"]) for r in rows) == [
        ("1栋", "101", "pending"),
        ("1栋", "102", "pending"),
    ]
    acks = (
        await client.get(f"/api/v1/broadcasts/{data['id']}/acks", headers=_auth(tokens["manager"]))
    ).json()
    assert acks == [
        {
            "building": "1栋",
            "acknowledged": 0,
            "total": 2,
            "missing": [
                {"building": "1栋", "unit": "1单元", "room": "101", "name": "居民41001"},
                {"building": "1栋", "unit": "1单元", "room": "102", "name": "居民41002"},
            ],
        }
    ]

    cancelled = await client.post(
        f"/api/v1/broadcasts/{data['id']}/cancel", headers=_auth(tokens["manager"])
    )
    assert (
        cancelled.json()["status"] == "cancelled"
        and cancelled.json()["progress"]["cancelled"] == 2
    )


async def test_a_technician_cannot_announce_and_bad_drafts_say_why(api, db: Database) -> None:  # type: ignore[no-untyped-def]
    client, tokens = api
    body = {"audience": {"kind": "estate"}, "title": "x", "body": "y"}
    refused = await client.post(
        "/api/v1/broadcasts", json=body, headers=_auth(tokens["technician"])
    )
    assert refused.status_code == 403
    past = {**body, "send_at": (NOON - timedelta(hours=3)).isoformat()}
    bad = await client.post("/api/v1/broadcasts", json=past, headers=_auth(tokens["manager"]))
    assert bad.status_code == 422 and bad.json()["detail"]["error"] == "broadcast.send_in_past"
    async with db.sessions() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []


async def test_night_time_preview_says_when_it_will_go(db: Database) -> None:
    night = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    async with db.sessions() as session:
        await estate(session, night)
        await staff_member(session, MANAGER, night)
        token = await api_tokens.issue(session, external_id=str(MANAGER), name="t", now=night)
        await session.commit()
    app = create_api(db=db, settings=load_settings(None), clock=FixedClock(night))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://linli"
    ) as client:
        body = {"audience": {"kind": "estate"}, "title": "x", "body": "y"}
        normal = (
            await client.post("/api/v1/broadcasts/preview", json=body, headers=_auth(token))
        ).json()
        urgent = (
            await client.post(
                "/api/v1/broadcasts/preview", json={**body, "urgent": True}, headers=_auth(token)
            )
        ).json()
    assert normal["goes_out_at"].startswith("2026-11-24T00:30:00")  # 08:30 in Shanghai
    assert urgent["goes_out_at"].startswith("2026-11-23T14:00:00")


async def test_health_says_the_database_answers(api) -> None:  # type: ignore[no-untyped-def]
    client, _tokens = api
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
