"""several clinics in one database: every owned row carries its clinic's id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

``clinic_settings`` stays the clinic table and gains ``organisation`` (clinics of one
organisation share their managers) and ``rules_path`` (None: the shipped rules). A database
always holds at least one clinic from here on: a fresh one gets "The clinic" (no phone yet,
which `checkins init` sets), an existing one keeps its row. Every owned row is backfilled to
that clinic (before this revision there was only one), then ``clinic_id`` is made NOT NULL.

``audit_events`` is append-only (0006): its triggers are dropped for the backfill and created
again. Its ``clinic_id`` stays nullable: an unknown username's sign-in attempt happens in no
clinic. The trend tables hold nothing but what ``stored.rebuild`` derives from the rows, so they
are dropped, created again with ``clinic_id`` in their keys, and rebuilt here.

The downgrade refuses a database with more than one clinic: their rows could not be told apart.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Indexed: the tables a query filters by clinic directly.
OWNED = (
    "users",
    "patients",
    "treatments",
    "scheduled_checkins",
    "checkins",
    "photos",
    "messages",
    "outbox",
    "alert_contacts",
    "checkin_drafts",
)


def _append_only() -> object:
    return importlib.import_module("checkins.storage.migrations.versions.0006_audit_append_only")


def _triggers(up: bool) -> list[str]:
    module = _append_only()
    postgres = op.get_bind().dialect.name == "postgresql"
    name = ("POSTGRES_" if postgres else "SQLITE_") + ("UP" if up else "DOWN")
    statements: list[str] = getattr(module, name)
    return statements


def _first_clinic() -> None:
    op.execute(
        "INSERT INTO clinic_settings (id, name, time_zone, target_response_minutes) "
        "SELECT 1, 'The clinic', 'America/New_York', 60 "
        "WHERE NOT EXISTS (SELECT 1 FROM clinic_settings)"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Rows inserted with an explicit id leave the sequence behind: the next clinic must not
        # be given id 1 again.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('clinic_settings', 'id'), "
            "(SELECT MAX(id) FROM clinic_settings))"
        )


def _add_clinic_id(table: str, *, indexed: bool, nullable: bool = False) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("clinic_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE {table} SET clinic_id = (SELECT MIN(id) FROM clinic_settings)")  # noqa: S608 - our table names
    with op.batch_alter_table(table) as batch:
        if not nullable:
            batch.alter_column("clinic_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            f"fk_{table}_clinic_id_clinic_settings", "clinic_settings", ["clinic_id"], ["id"]
        )
        if indexed:
            batch.create_index(f"ix_{table}_clinic_id", ["clinic_id"], unique=False)


def _drop_clinic_id(table: str, *, indexed: bool) -> None:
    with op.batch_alter_table(table) as batch:
        if indexed:
            batch.drop_index(f"ix_{table}_clinic_id")
        batch.drop_constraint(f"fk_{table}_clinic_id_clinic_settings", type_="foreignkey")
        batch.drop_column("clinic_id")


def _group_key() -> list[sa.Column[object]]:
    return [
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
    ]


def _trend_tables() -> None:
    op.create_table(
        "trend_points",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
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
        batch.create_index(
            "ix_trend_points_a_star", ["clinic_id", "procedure", "day", "mean_a_star"]
        )
        batch.create_index(
            "ix_trend_points_ei", ["clinic_id", "procedure", "day", "erythema_index"]
        )
        batch.create_index(
            "ix_trend_points_red_area", ["clinic_id", "procedure", "day", "red_area_fraction"]
        )
        batch.create_index("ix_trend_points_treated_at", ["treated_at"])
        batch.create_index("ix_trend_points_submitted_at", ["submitted_at"])
    op.create_table(
        "trend_groups",
        *_group_key(),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "clinic_id", "kind", "procedure", "day", name=op.f("pk_trend_groups")
        ),
    )
    op.create_table(
        "trend_members",
        *_group_key(),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "clinic_id", "kind", "procedure", "day", "patient_id", name=op.f("pk_trend_members")
        ),
    )
    op.create_table(
        "trend_slots",
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
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
            "ix_trend_slots_patients",
            ["clinic_id", "procedure", "patient_id", "closes_at", "received"],
        )
    op.create_table(
        "trend_state",
        sa.Column("id", sa.Integer(), nullable=False),
        # The highest ids covered (0008 kept counts, which cost a scan of every row to check).
        sa.Column("last_checkin_id", sa.Integer(), nullable=False),
        sa.Column("last_treatment_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_state")),
    )


def upgrade() -> None:
    with op.batch_alter_table("clinic_settings") as batch:
        batch.add_column(
            sa.Column("organisation", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("rules_path", sa.String(1000), nullable=True))
    _first_clinic()
    for table in OWNED:
        _add_clinic_id(table, indexed=True)
    _add_clinic_id("review_items", indexed=False)
    with op.batch_alter_table("review_items") as batch:
        batch.drop_index("ix_review_queue")
        batch.create_index(
            "ix_review_queue", ["clinic_id", "status", "severity_rank", "created_at"], unique=False
        )
    for statement in _triggers(up=False):
        op.execute(statement)
    _add_clinic_id("audit_events", indexed=True, nullable=True)
    for statement in _triggers(up=True):
        op.execute(statement)
    for table in ("trend_state", "trend_slots", "trend_members", "trend_groups", "trend_points"):
        op.drop_table(table)  # their indexes go with them
    _trend_tables()
    # The backfill of the trend tables, in this migration's transaction (it reads the columns
    # this revision has; 0008 leaves it to here since its tables had no clinic yet).
    from checkins.services.trends import stored

    with Session(bind=op.get_bind()) as session:
        stored._lay_out(session)  # no actor: the schema's own backfill, no front door
        session.flush()


def downgrade() -> None:
    clinics = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM clinic_settings")).scalar()
    if (clinics or 0) > 1:
        raise RuntimeError(
            f"This database holds {clinics} clinics; a schema before 0009 holds one. "
            "Export and remove the others before downgrading."
        )
    for table in ("trend_state", "trend_slots", "trend_members", "trend_groups", "trend_points"):
        op.drop_table(table)
    importlib.import_module(
        "checkins.storage.migrations.versions.0008_trend_tables"
    ).upgrade()  # the single-clinic trend tables, rebuilt by 0008's own code
    for statement in _triggers(up=False):
        op.execute(statement)
    _drop_clinic_id("audit_events", indexed=True)
    for statement in _triggers(up=True):
        op.execute(statement)
    with op.batch_alter_table("review_items") as batch:
        batch.drop_index("ix_review_queue")
        batch.create_index(
            "ix_review_queue", ["status", "severity_rank", "created_at"], unique=False
        )
    _drop_clinic_id("review_items", indexed=False)
    for table in reversed(OWNED):
        _drop_clinic_id(table, indexed=True)
    with op.batch_alter_table("clinic_settings") as batch:
        batch.drop_column("rules_path")
        batch.drop_column("organisation")
