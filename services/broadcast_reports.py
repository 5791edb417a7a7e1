"""Reports on one announcement for the staff who may see it: who confirmed it, building by
building (with the homes of those who did not, for a door knock), and every recipient's
delivery (the CSV export)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import BroadcastAck, Building, Household, OutboxMessage, Resident, Staff
from services.broadcasts import owned


@dataclass
class BuildingAcks:
    building: str
    acknowledged: int = 0
    total: int = 0
    missing: list[dict[str, str]] = field(
        default_factory=list
    )  # address and name, for a door knock


async def _recipient_rows(session: AsyncSession, broadcast_id: int) -> list[Any]:
    return list(
        (
            await session.execute(
                select(
                    OutboxMessage.identity_id,
                    OutboxMessage.status,
                    OutboxMessage.last_error,
                    OutboxMessage.sent_at,
                    Building.name,
                    Building.sort_key,
                    Household.unit,
                    Household.room,
                    Resident.name,
                    BroadcastAck.at,
                )
                .join(
                    Resident,
                    (Resident.identity_id == OutboxMessage.identity_id)
                    & Resident.active.is_(True),
                    isouter=True,
                )
                .join(Household, Household.id == Resident.household_id, isouter=True)
                .join(Building, Building.id == Household.building_id, isouter=True)
                .join(
                    BroadcastAck,
                    (BroadcastAck.broadcast_id == OutboxMessage.broadcast_id)
                    & (BroadcastAck.identity_id == OutboxMessage.identity_id),
                    isouter=True,
                )
                .where(OutboxMessage.broadcast_id == broadcast_id)
                .order_by(Building.sort_key, Building.name, Household.unit, Household.room)
            )
        ).all()
    )


async def ack_report(
    session: AsyncSession, *, broadcast_id: int, staff: Staff | None
) -> list[BuildingAcks]:
    """Per building: who acknowledged, and the homes of those who did not."""
    await owned(session, broadcast_id, staff)
    report: dict[str, BuildingAcks] = {}
    for row in await _recipient_rows(session, broadcast_id):
        building = row.name or "—"
        entry = report.setdefault(building, BuildingAcks(building=building))
        entry.total += 1
        if row.at is not None:
            entry.acknowledged += 1
        else:
            entry.missing.append(
                {
                    "building": building,
                    "unit": row.unit or "",
                    "room": row.room or "",
                    "name": row[8] or "",
                }
            )
    return list(report.values())


async def delivery_report(
    session: AsyncSession, *, broadcast_id: int, staff: Staff | None
) -> list[dict[str, Any]]:
    """One line per recipient: address, name, delivery status, error, times (for CSV export)."""
    await owned(session, broadcast_id, staff)
    return [
        {
            "building": row.name or "",
            "unit": row.unit or "",
            "room": row.room or "",
            "name": row[8] or "",
            "status": row.status.value if hasattr(row.status, "value") else str(row.status),
            "error": row.last_error or "",
            "sent_at": row.sent_at.isoformat() if row.sent_at else "",
            "acknowledged_at": row.at.isoformat() if row.at else "",
        }
        for row in await _recipient_rows(session, broadcast_id)
    ]
