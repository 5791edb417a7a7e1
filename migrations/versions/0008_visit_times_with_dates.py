"""visit times with their dates

Tickets kept the visit time as the resident chose it, "today_morning": read on another day,
staff were told the wrong day. Each becomes the date it meant ("2026-12-07.morning"), in its
estate's zone on the day the ticket was filed (Asia/Shanghai, the configured default, for an
estate without one: a migration cannot read the configuration).

Downgrade: the dated times become "any" (the old form has no way to say a date).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_ZONE = "Asia/Shanghai"
RELATIVE = {
    "today_morning": (0, "morning"),
    "today_afternoon": (0, "afternoon"),
    "today_evening": (0, "evening"),
    "tomorrow_morning": (1, "morning"),
    "tomorrow_afternoon": (1, "afternoon"),
}
SATURDAY = 5

tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("visit_window", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("building_id", sa.Integer),
)
buildings = sa.table(
    "buildings", sa.column("id", sa.Integer), sa.column("community_id", sa.Integer)
)
communities = sa.table(
    "communities", sa.column("id", sa.Integer), sa.column("timezone", sa.String)
)


def dated(window: str, filed: date) -> str:
    if window in RELATIVE:
        days, part = RELATIVE[window]
        return f"{(filed + timedelta(days=days)).isoformat()}.{part}"
    # "weekend": the coming one, or the one under way when filed at the weekend
    saturday = filed + timedelta(days=SATURDAY - filed.weekday())
    if filed.weekday() > SATURDAY:  # a Sunday: its Saturday was yesterday
        saturday -= timedelta(days=7)
    return f"{saturday.isoformat()}.weekend"


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            tickets.c.id, tickets.c.visit_window, tickets.c.created_at, communities.c.timezone
        )
        .select_from(tickets)
        .outerjoin(buildings, buildings.c.id == tickets.c.building_id)
        .outerjoin(communities, communities.c.id == buildings.c.community_id)
        .where(tickets.c.visit_window.in_([*RELATIVE, "weekend"]))
    ).all()
    for ticket_id, window, created_at, zone in rows:
        at = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        filed = at.astimezone(ZoneInfo(zone or DEFAULT_ZONE)).date()
        bind.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id)
            .values(visit_window=dated(window, filed))
        )


def downgrade() -> None:
    op.get_bind().execute(
        tickets.update().where(tickets.c.visit_window.like("%-%-%.%")).values(visit_window="any")
    )
