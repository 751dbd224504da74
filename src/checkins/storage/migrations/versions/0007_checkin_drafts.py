"""patients' check-in drafts, kept across a reload until the link expires

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_key", sa.String(64), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["treatment_id"],
            ["treatments.id"],
            name=op.f("fk_checkin_drafts_treatment_id_treatments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_drafts")),
        sa.UniqueConstraint("link_key", name=op.f("uq_checkin_drafts_link_key")),
    )
    with op.batch_alter_table("checkin_drafts") as batch:
        batch.create_index(
            batch.f("ix_checkin_drafts_treatment_id"), ["treatment_id"], unique=False
        )
        batch.create_index(batch.f("ix_checkin_drafts_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_drafts") as batch:
        batch.drop_index(batch.f("ix_checkin_drafts_expires_at"))
        batch.drop_index(batch.f("ix_checkin_drafts_treatment_id"))
    op.drop_table("checkin_drafts")
