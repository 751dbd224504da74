"""enrolment: patient details, treatment details, the check-in schedule, clinic settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEFAULT_HOURS = (
    '{"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"], "wed": ["09:00", "17:00"], '
    '"thu": ["09:00", "17:00"], "fri": ["09:00", "17:00"], "sat": null, "sun": null}'
)


def upgrade() -> None:
    with op.batch_alter_table("clinic_settings") as batch:
        batch.alter_column("phone", existing_type=sa.String(50), nullable=True)
        batch.add_column(
            sa.Column("office_hours", sa.JSON(), nullable=False, server_default=DEFAULT_HOURS)
        )
        batch.add_column(sa.Column("after_hours_phone", sa.String(20), nullable=True))
        batch.add_column(
            sa.Column(
                "default_schedule_days",
                sa.JSON(),
                nullable=False,
                server_default="[1, 3, 7, 14, 28]",
            )
        )
        batch.add_column(
            sa.Column("link_validity_days", sa.Integer(), nullable=False, server_default="42")
        )
        batch.add_column(
            sa.Column("reminder_hour", sa.Integer(), nullable=False, server_default="9")
        )
        batch.add_column(
            sa.Column(
                "quiet_hours",
                sa.JSON(),
                nullable=False,
                server_default='{"start": "21:00", "end": "08:00"}',
            )
        )
        batch.add_column(
            sa.Column("escalation_minutes", sa.Integer(), nullable=False, server_default="15")
        )
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("search_name", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("phone_e164", sa.String(20), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("language", sa.String(5), nullable=False, server_default="en"))
        batch.add_column(
            sa.Column("contact_preference", sa.String(8), nullable=False, server_default="sms")
        )
        batch.add_column(sa.Column("caregiver_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("caregiver_phone_e164", sa.String(20), nullable=True))
        batch.add_column(sa.Column("caregiver_email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("discharged_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("discharge_reason", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("opted_out_at", sa.DateTime(), nullable=True))
        batch.create_index(batch.f("ix_patients_search_name"), ["search_name"], unique=False)
        batch.create_index(batch.f("ix_patients_phone_e164"), ["phone_e164"], unique=False)
        batch.create_index(batch.f("ix_patients_birth_date"), ["birth_date"], unique=False)
    # Existing patients become searchable by name.
    op.execute("UPDATE patients SET search_name = lower(display_name)")
    with op.batch_alter_table("treatments") as batch:
        batch.add_column(sa.Column("rf_level", sa.Float(), nullable=True))
        batch.add_column(sa.Column("pre_treatment_prep", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("staff_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("series_number", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("previous_treatment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            batch.f("fk_treatments_previous_treatment_id_treatments"),
            "treatments",
            ["previous_treatment_id"],
            ["id"],
        )
    op.create_table(
        "scheduled_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["checkins.id"], name=op.f("fk_scheduled_checkins_checkin_id_checkins")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_id"],
            ["treatments.id"],
            name=op.f("fk_scheduled_checkins_treatment_id_treatments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_checkins")),
        sa.UniqueConstraint("treatment_id", "day", name=op.f("uq_scheduled_checkins_treatment_id")),
    )
    with op.batch_alter_table("scheduled_checkins") as batch:
        batch.create_index("ix_scheduled_due", ["due_at"], unique=False)
        batch.create_index(
            batch.f("ix_scheduled_checkins_treatment_id"), ["treatment_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("scheduled_checkins")
    with op.batch_alter_table("treatments") as batch:
        batch.drop_constraint(
            batch.f("fk_treatments_previous_treatment_id_treatments"), type_="foreignkey"
        )
        for col in (
            "end_reason",
            "ended_at",
            "previous_treatment_id",
            "series_number",
            "staff_note",
            "pre_treatment_prep",
            "rf_level",
        ):
            batch.drop_column(col)
    with op.batch_alter_table("patients") as batch:
        batch.drop_index(batch.f("ix_patients_birth_date"))
        batch.drop_index(batch.f("ix_patients_phone_e164"))
        batch.drop_index(batch.f("ix_patients_search_name"))
        for col in (
            "opted_out_at",
            "discharge_reason",
            "discharged_at",
            "caregiver_email",
            "caregiver_phone_e164",
            "caregiver_name",
            "contact_preference",
            "language",
            "email",
            "phone_e164",
            "search_name",
            "birth_date",
        ):
            batch.drop_column(col)
    op.execute("UPDATE clinic_settings SET phone = '' WHERE phone IS NULL")
    with op.batch_alter_table("clinic_settings") as batch:
        for col in (
            "escalation_minutes",
            "quiet_hours",
            "reminder_hour",
            "link_validity_days",
            "default_schedule_days",
            "after_hours_phone",
            "office_hours",
        ):
            batch.drop_column(col)
        batch.alter_column("phone", existing_type=sa.String(50), nullable=False)
