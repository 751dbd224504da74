"""a patient's language can be "not asked": patients.language is nullable, with no default

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

Until now every patient had a language (``en`` unless the front desk chose otherwise), so a
patient nobody asked read English even when their phone was in Spanish: the browser's language
was never consulted. NULL now means "not asked": the patient's page follows their browser, and
the language it chose is kept for their messages the first time they open their link. Existing
rows keep their value (there is no telling an asked ``en`` from a defaulted one).

The downgrade writes ``en`` for the patients still not asked: that is what the older schema
gave every patient by default, and what messages to them use until then
(``i18n.MESSAGE_FALLBACK``). Refusing instead would block every rollback once a single patient
had been enrolled without being asked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.alter_column(
            "language",
            existing_type=sa.String(5),
            nullable=True,
            server_default=None,
            existing_server_default="en",
        )


def downgrade() -> None:
    op.execute("UPDATE patients SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table("patients") as batch:
        batch.alter_column(
            "language",
            existing_type=sa.String(5),
            nullable=False,
            server_default="en",
            existing_server_default=None,
        )
