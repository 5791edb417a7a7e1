"""retired binding codes

A code replaced by a new one is kept, so someone who types it is told it was replaced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "retired_codes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("household_id", BIG_ID, nullable=False),
        sa.Column("retired_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_retired_codes_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_codes")),
    )
    with op.batch_alter_table("retired_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retired_codes_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_retired_codes_household_id"), ["household_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("retired_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retired_codes_household_id"))
        batch_op.drop_index(batch_op.f("ix_retired_codes_code"))
    op.drop_table("retired_codes")
