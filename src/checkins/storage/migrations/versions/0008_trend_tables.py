"""trend tables: sorted per-check-in metrics, group sizes, due check-ins, backfilled

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The trends report (services/trends) reads these instead of recomputing every aggregate from
every check-in. The backfill is ``stored.rebuild``, run here on the migration's connection: it
reads only columns that exist at this revision (checkins, treatments) and writes these tables.
(Since 0009 that backfill is 0009's: the tables gained a clinic column there.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _group_key() -> list[sa.Column[object]]:
    return [
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "trend_points",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("series_number", sa.Integer(), nullable=False),
        sa.Column("treated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("mean_a_star", sa.Float(), nullable=True),
        sa.Column("erythema_index", sa.Float(), nullable=True),
        sa.Column("red_area_fraction", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["checkins.id"], name=op.f("fk_trend_points_checkin_id_checkins")
        ),
        sa.PrimaryKeyConstraint("checkin_id", name=op.f("pk_trend_points")),
    )
    with op.batch_alter_table("trend_points") as batch:
        batch.create_index("ix_trend_points_a_star", ["procedure", "day", "mean_a_star"])
        batch.create_index("ix_trend_points_ei", ["procedure", "day", "erythema_index"])
        batch.create_index("ix_trend_points_red_area", ["procedure", "day", "red_area_fraction"])
        batch.create_index("ix_trend_points_treated_at", ["treated_at"])
        batch.create_index("ix_trend_points_submitted_at", ["submitted_at"])
    op.create_table(
        "trend_groups",
        *_group_key(),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "procedure", "day", name=op.f("pk_trend_groups")),
    )
    op.create_table(
        "trend_members",
        *_group_key(),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "procedure", "day", "patient_id", name=op.f("pk_trend_members")
        ),
    )
    op.create_table(
        "trend_slots",
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("series_number", sa.Integer(), nullable=False),
        sa.Column("treated_at", sa.DateTime(), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("received", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["treatment_id"], ["treatments.id"], name=op.f("fk_trend_slots_treatment_id_treatments")
        ),
        sa.PrimaryKeyConstraint("treatment_id", "position", name=op.f("pk_trend_slots")),
    )
    with op.batch_alter_table("trend_slots") as batch:
        batch.create_index(
            "ix_trend_slots_patients", ["procedure", "patient_id", "closes_at", "received"]
        )
    op.create_table(
        "trend_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("treatments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_state")),
    )
    # No backfill here: `stored.rebuild` now writes each row's clinic, a column these tables
    # gain in 0009, which drops them, creates them again and rebuilds them. Until then (a
    # database left at 0008) the trends read the rows, as they do whenever the tables are stale.


def downgrade() -> None:
    with op.batch_alter_table("trend_slots") as batch:
        batch.drop_index("ix_trend_slots_patients")
    op.drop_table("trend_state")
    op.drop_table("trend_slots")
    op.drop_table("trend_members")
    op.drop_table("trend_groups")
    with op.batch_alter_table("trend_points") as batch:
        for name in (
            "ix_trend_points_submitted_at",
            "ix_trend_points_treated_at",
            "ix_trend_points_red_area",
            "ix_trend_points_ei",
            "ix_trend_points_a_star",
        ):
            batch.drop_index(name)
    op.drop_table("trend_points")
