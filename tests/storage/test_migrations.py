"""Migrations: up, down and up again on both backends, and the models agree with the result."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, inspect, select

from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.models import Base, Patient

MODEL_TABLES = set(Base.metadata.tables)


def _head() -> str:
    heads = ScriptDirectory(str(schema.MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"migration history has several heads: {heads}"
    return heads[0]


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _diff(engine: Engine, metadata: MetaData) -> list[Any]:
    """What autogenerate would write to make the database match ``metadata``."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))


def _app_tables(engine: Engine) -> set[str]:
    return schema.tables(engine) - {"alembic_version"}


def test_history_has_a_single_head() -> None:
    assert _head()


def test_upgrade_downgrade_upgrade(empty_db: Database) -> None:
    engine = empty_db.engine
    assert _app_tables(engine) == set()
    assert _current(engine) is None

    schema.upgrade(engine)
    assert _app_tables(engine) == MODEL_TABLES
    assert _current(engine) == _head()

    schema.downgrade(engine)
    assert _app_tables(engine) == set()
    assert _current(engine) is None

    schema.upgrade(engine)
    assert _app_tables(engine) == MODEL_TABLES
    assert _current(engine) == _head()
    assert _diff(engine, Base.metadata) == []


def _columns(engine: Engine) -> dict[str, list[tuple[str, str, bool]]]:
    insp = inspect(engine)
    return {
        t: [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)]
        for t in sorted(MODEL_TABLES)
    }


def test_upgrade_at_head_is_a_no_op_and_keeps_data(db: Database) -> None:
    before = _columns(db.engine)
    with db.session() as s:
        s.add(Patient(clinic_id=1, display_name="Ada"))
    schema.upgrade(db.engine)
    assert _current(db.engine) == _head()
    assert _columns(db.engine) == before
    with db.read() as r:
        assert r.scalars(select(Patient.display_name)).all() == ["Ada"]


def test_models_match_migrated_schema(db: Database) -> None:
    assert _current(db.engine) == _head()
    assert _diff(db.engine, Base.metadata) == []


@pytest.mark.parametrize("change", ["extra_table", "extra_column", "missing_table"])
def test_comparison_notices_drift(db: Database, change: str) -> None:
    """The check above would catch a model changed without a migration."""
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        if change == "missing_table" and table.name == "messages":
            continue
        copy = table.to_metadata(drifted)
        if change == "extra_column" and table.name == "patients":
            copy.append_column(Column("nickname", String(50), nullable=True))
    if change == "extra_table":
        Base.metadata.tables["patients"].to_metadata(drifted, name="patients_shadow")

    diff = _diff(db.engine, drifted)
    kinds = {entry[0] for entry in diff if isinstance(entry, tuple)}
    expected = {"extra_table": "add_table", "extra_column": "add_column"}
    assert expected.get(change, "remove_table") in kinds, diff


def test_enrolment_migration_upgrades_a_database_with_data_in_it(empty_db: Database) -> None:
    """0002 → head keeps every patient, treatment and clinic, and fills the new columns."""
    from sqlalchemy import text

    engine = empty_db.engine
    schema.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clinic_settings (id, name, phone, time_zone, "
                "target_response_minutes, reference_card) "
                "VALUES (1, 'Old Clinic', '(555) 010-0199', 'America/New_York', 60, false)"
            )
        )
        conn.execute(
            text("INSERT INTO patients (id, display_name, created_at) VALUES (1, 'Ada Old', :t)"),
            {"t": "2026-11-01 10:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO treatments (id, patient_id, procedure, treated_at, areas, "
                "antiviral_prescribed, schedule_days, link_generation, created_at) VALUES "
                "(1, 1, 'microneedling', :t, '[\"face\"]', false, '[1, 3, 7, 14]', 1, :t)"
            ),
            {"t": "2026-11-01 10:00:00"},
        )
    schema.upgrade(engine)
    assert _current(engine) == _head()
    with engine.connect() as conn:
        patient = conn.execute(
            text("SELECT display_name, search_name, language, contact_preference FROM patients")
        ).one()
        treatment = conn.execute(
            text("SELECT series_number, staff_note, ended_at FROM treatments")
        ).one()
        clinic = conn.execute(
            text("SELECT name, phone, link_validity_days, escalation_minutes FROM clinic_settings")
        ).one()
    assert tuple(patient) == ("Ada Old", "ada old", "en", "sms")
    assert tuple(treatment) == (1, "", None)
    assert tuple(clinic) == ("Old Clinic", "(555) 010-0199", 42, 15)
    schema.downgrade(engine, "0002")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT display_name FROM patients")).scalar() == "Ada Old"


def test_clinics_migration_backfills_every_row_to_the_existing_clinic(empty_db: Database) -> None:
    """0008 → head: every owned row belongs to the clinic that was there, the trend tables are
    rebuilt per clinic, and a second clinic gets a new id (the sequence moved past 1)."""
    from sqlalchemy import text

    engine = empty_db.engine
    schema.upgrade(engine, "0008")
    t = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clinic_settings (id, name, phone, time_zone, "
                "target_response_minutes, reference_card) "
                "VALUES (1, 'Old Clinic', '+15550100199', 'America/New_York', 60, false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (id, username, display_name, role, failed_logins, active, "
                "created_at) VALUES (1, 'dr.old', 'Dr Old', 'provider', 0, true, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text("INSERT INTO patients (id, display_name, created_at) VALUES (1, 'Ada Old', :t)"),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO treatments (id, patient_id, procedure, treated_at, areas, "
                "antiviral_prescribed, schedule_days, link_generation, created_at) VALUES "
                "(1, 1, 'microneedling', :t, '[\"face\"]', false, '[1, 3]', 1, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO checkins (id, treatment_id, client_submission_id, submitted_at, "
                "received_at, is_baseline, hours_since_treatment, day_since_treatment, notes, "
                "mean_a_star) VALUES (1, 1, 'old-1', :t, :t, false, 24, 1, '', 12.5)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO review_items (id, checkin_id, treatment_id, severity, "
                "severity_rank, status, resolution_note, created_at, version) "
                "VALUES (1, 1, 1, 'urgent', 2, 'new', '', :t, 1)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor, role, action, outcome, detail) "
                "VALUES (:t, 'x', 'admin', 'old.event', 'ok', '')"
            ),
            {"t": t},
        )
    schema.upgrade(engine)
    assert _current(engine) == _head()
    with engine.connect() as conn:
        for table in (
            "users",
            "patients",
            "treatments",
            "checkins",
            "review_items",
            "audit_events",
        ):
            found = conn.execute(text(f"SELECT DISTINCT clinic_id FROM {table}")).scalars().all()  # noqa: S608
            assert found == [1], table
        points = conn.execute(text("SELECT clinic_id, checkin_id FROM trend_points")).all()
        assert [tuple(p) for p in points] == [(1, 1)]
    assert _diff(engine, Base.metadata) == []
    from sqlalchemy.orm import Session

    from checkins.services import clinic
    from tests.services.helpers import ADMIN

    with Session(engine) as s:
        second = clinic.add_clinic(session=s, actor=ADMIN, name="New Clinic")
        s.commit()
    assert second.id == 2
    with pytest.raises(RuntimeError, match="2 clinics"):  # their rows could not be told apart
        schema.downgrade(engine, "0008")


def test_a_fresh_database_has_its_first_clinic(db: Database) -> None:
    from checkins.services import clinic

    with db.read() as r:
        clinics = clinic.list_clinics(session=r)
    assert [(c.id, c.name, c.phone) for c in clinics] == [(1, "The clinic", "")]


def test_language_migration_keeps_each_patients_language_and_allows_not_asked(
    empty_db: Database,
) -> None:
    """0009 → head: every patient keeps the language they had; a new one may have none (not
    asked) and gets none by default. The downgrade gives the not-asked English, as 0009 did."""
    from sqlalchemy import text

    engine = empty_db.engine
    schema.upgrade(engine, "0009")
    t = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (id, clinic_id, display_name, language, created_at) "
                "VALUES (1, 1, 'Ana Old', 'es', :t)"
            ),
            {"t": t},
        )
        conn.execute(  # no language given: 0009's server default
            text(
                "INSERT INTO patients (id, clinic_id, display_name, created_at) "
                "VALUES (2, 1, 'Ben Old', :t)"
            ),
            {"t": t},
        )
    schema.upgrade(engine)
    assert _current(engine) == _head()
    assert _diff(engine, Base.metadata) == []
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (id, clinic_id, display_name, created_at) "
                "VALUES (3, 1, 'Cy New', :t)"
            ),
            {"t": t},
        )
        rows = conn.execute(text("SELECT id, language FROM patients ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "es"), (2, "en"), (3, None)]
    schema.downgrade(engine, "0009")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, language FROM patients ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "es"), (2, "en"), (3, "en")]
    with engine.begin() as conn:  # 0009's NOT NULL and default are back
        conn.execute(
            text(
                "INSERT INTO patients (id, clinic_id, display_name, created_at) "
                "VALUES (4, 1, 'Di Back', :t)"
            ),
            {"t": t},
        )
        assert conn.execute(text("SELECT language FROM patients WHERE id = 4")).scalar() == "en"
