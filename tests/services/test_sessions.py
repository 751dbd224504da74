"""Opening a link, an OpenID Connect sign-in and signing out are audited by the service, once.

The dashboard writes no audit rows of its own: it calls these (and ``users.authenticate``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from checkins import links
from checkins.domain import AccessDenied, Role
from checkins.services import sessions, users
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent
from tests.services.helpers import ADMIN, LINK_KEY, TREATED_AT, make_treatment

NOW = TREATED_AT + timedelta(days=1)
DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"


def events(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as s:
        return [
            (e.action, e.outcome, e.detail)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def token_for(db: Database, treatment_id: int) -> str:
    with db.session() as s:
        url = links.issue_link(
            session=s, actor=ADMIN, key=LINK_KEY, treatment_id=treatment_id, now=NOW
        )
    return parse_qs(urlsplit(url).query)["t"][0]


def test_opening_a_link_is_audited_and_a_recheck_is_not(sqlite_db: Database) -> None:
    tid = make_treatment(sqlite_db)
    token = token_for(sqlite_db, tid)
    before = len(events(sqlite_db))
    with sqlite_db.session() as s:
        actor = sessions.open_link(session=s, key=LINK_KEY, token=token, now=NOW)
    assert actor.role is Role.PATIENT and actor.treatment_id == tid
    assert events(sqlite_db)[before:] == [("link.opened", "ok", "")]
    with sqlite_db.read() as s:
        assert sessions.check_link(session=s, key=LINK_KEY, token=token, now=NOW) == actor
    assert len(events(sqlite_db)) == before + 1


def test_a_refused_link_is_audited_as_refused(sqlite_db: Database) -> None:
    tid = make_treatment(sqlite_db)
    token = token_for(sqlite_db, tid)
    before = len(events(sqlite_db))
    with sqlite_db.session() as s, pytest.raises(AccessDenied) as refused:
        sessions.open_link(session=s, key=LINK_KEY, token=token, now=NOW + timedelta(days=400))
    assert refused.value.code == "link_expired"
    assert events(sqlite_db)[before:] == [("link.refused", "denied", "link_expired")]


def test_an_oidc_sign_in_is_audited_only_for_a_matching_account(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        users.add_user(
            session=s, actor=ADMIN, username="dana@clinic.example", display_name="Dana",
            role="provider", password=None,
        )  # fmt: skip
    before = len(events(sqlite_db))
    with sqlite_db.session() as s:
        assert sessions.sign_in_oidc(session=s, email="nobody@clinic.example") is None
        dana = sessions.sign_in_oidc(session=s, email="Dana@clinic.example")
    assert dana is not None and dana.role is Role.PROVIDER
    assert events(sqlite_db)[before:] == [("auth.sign_in", "ok", "oidc")]


def test_a_staff_sign_out_is_audited_and_a_patient_leaves_nothing(sqlite_db: Database) -> None:
    tid = make_treatment(sqlite_db)
    with sqlite_db.session() as s:
        patient = sessions.open_link(
            session=s, key=LINK_KEY, token=token_for(sqlite_db, tid), now=NOW
        )
    before = len(events(sqlite_db))
    with sqlite_db.session() as s:
        sessions.sign_out(session=s, actor=ADMIN, reason="timeout")
        sessions.sign_out(session=s, actor=patient)
    assert events(sqlite_db)[before:] == [("auth.sign_out", "ok", "timeout")]


def test_the_dashboard_writes_no_audit_rows_of_its_own() -> None:
    """Only services audit: no page or helper calls the audit function or builds its rows."""
    writes = re.compile(r"\baudit\.record\b|\bAuditEvent\b|services import .*\baudit\b")
    offenders = [
        str(path.relative_to(DASHBOARD))
        for path in sorted(DASHBOARD.rglob("*.py"))
        if writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
