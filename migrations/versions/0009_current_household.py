"""current household

Someone linked to several homes (an owner with two flats) chooses the one in use.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_household_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_chat_identities_current_household_id_households"),
            "households",
            ["current_household_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_chat_identities_current_household_id_households"), type_="foreignkey"
        )
        batch_op.drop_column("current_household_id")
