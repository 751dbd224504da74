"""the measured region: zone figures per photo and check-in, and the region's image per photo

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        # [{"zone", "pixels", "mean_a_star", "erythema_index"}, ...]; [] before imaging-2.0.
        batch.add_column(sa.Column("zones", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("region_kind", sa.String(8), nullable=True))
        # The measured region's label image (PNG) in the photo store, for the overlays.
        batch.add_column(sa.Column("region_key", sa.String(128), nullable=True))
    with op.batch_alter_table("checkins") as batch:
        # {zone: {"a": mean a*, "ei": mean EI}} over the check-in's acceptable photos.
        batch.add_column(sa.Column("zones", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("zones")
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("region_key")
        batch.drop_column("region_kind")
        batch.drop_column("zones")
