"""ticket forum topics

Staff groups learn whether they are forums; outbox rows may go into a forum topic; a
ticket's topic per group is recorded (its thread id lives with the message refs).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("staff_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_forum", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("thread_ref", sa.String(length=120), nullable=True))
    # 0004 created `ticket_topics` as a placeholder that nothing ever wrote: it is replaced,
    # keyed by staff group (which follows a chat's id change) with the topic's lifetime.
    op.drop_table("ticket_topics")
    op.create_table(
        "ticket_topics",
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["staff_groups.id"],
            name=op.f("fk_ticket_topics_group_id_staff_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_topics_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "group_id", name=op.f("pk_ticket_topics")),
    )


def downgrade() -> None:
    op.drop_table("ticket_topics")
    op.create_table(
        "ticket_topics",
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_topics_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "chat_id", name=op.f("pk_ticket_topics")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("thread_ref")
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("staff_groups", schema=None) as batch_op:
        batch_op.drop_column("is_forum")
