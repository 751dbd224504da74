"""The audit log refuses UPDATE and DELETE in the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from checkins.domain import Role
from checkins.services import audit
from checkins.services.views import Actor
from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent

WHO = Actor(role=Role.PROVIDER, name="Dr Audit", user_id=None, clinic_id=1)


def _one(db: Database) -> int:
    with db.session() as s:
        audit.record(session=s, actor=WHO, action="view_case", object_type="x", object_id=1)
    with db.read() as s:
        return s.scalars(select(AuditEvent.id)).one()


def _rows(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        return [(e.actor, e.action) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_update_and_delete_are_refused_and_inserts_still_work(db: Database) -> None:
    event = _one(db)
    attempts = [
        update(AuditEvent).where(AuditEvent.id == event).values(actor="someone else"),
        update(AuditEvent).values(detail=""),
        delete(AuditEvent).where(AuditEvent.id == event),
        delete(AuditEvent),
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
            s.execute(statement)
    assert _rows(db) == [("Dr Audit", "view_case")]
    with db.session() as s:
        audit.record(session=s, actor=WHO, action="view_photo")
    assert _rows(db) == [("Dr Audit", "view_case"), ("Dr Audit", "view_photo")]


def test_raw_sql_through_the_orm_session_is_refused_too(db: Database) -> None:
    _one(db)
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(text("UPDATE audit_events SET outcome = 'ok' WHERE outcome = 'ok'"))
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
            s.execute(text("TRUNCATE audit_events"))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_the_triggers_go_with_a_downgrade_and_come_back(db: Database) -> None:
    _one(db)
    schema.downgrade(db.engine, "0004")
    with db.session() as s:
        s.execute(update(AuditEvent).values(detail="changed before 0006"))
    schema.upgrade(db.engine)
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(update(AuditEvent).values(detail="changed after"))
    with db.read() as s:
        assert s.scalars(select(AuditEvent.detail)).one() == "changed before 0006"
