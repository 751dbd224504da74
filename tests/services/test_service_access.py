"""Every admin and set-up service checks its actor itself: the wrong role is refused, and stores
nothing, whichever front door (page, command, worker) calls it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import checkins
from checkins import links
from checkins.domain import AccessDenied, Role
from checkins.services import audit, clinic, intake, reconcile, users
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, Patient, Treatment, User
from checkins.storage.photos import PhotoStore

from .helpers import ADMIN, LINK_KEY, TREATED_AT, make_treatment

GOOD = "correct horse battery"
ADMIN_ONLY = {Role.ADMIN}
ENROL = {Role.FRONT_DESK, Role.PROVIDER, Role.ADMIN}
CASE = {Role.PROVIDER, Role.ADMIN}


def _as(role: Role, treatment_id: int) -> Actor:
    if role is Role.PATIENT:  # a patient through their own link
        return Actor(role=role, name="Pat", patient_id=1, treatment_id=treatment_id, clinic_id=1)
    return Actor(role=role, name=f"a {role.value}", user_id=None, clinic_id=1)


Call = Callable[[Session, Actor, int, Path], Any]

SERVICES: dict[str, tuple[set[Role], Call]] = {
    "users.add_user": (
        ADMIN_ONLY,
        lambda s, a, t, h: users.add_user(
            session=s, actor=a, username="new.one", display_name="N", role="provider",
            password=GOOD,
        ),
    ),
    "users.set_password": (
        ADMIN_ONLY,
        lambda s, a, t, h: users.set_password(
            session=s, actor=a, username="dr.test", password="another long password"
        ),
    ),
    "users.set_active": (
        ADMIN_ONLY,
        lambda s, a, t, h: users.set_active(session=s, actor=a, username="dr.test", active=False),
    ),
    "users.unlock": (
        ADMIN_ONLY, lambda s, a, t, h: users.unlock(session=s, actor=a, username="dr.test")
    ),
    "users.list_users": (ADMIN_ONLY, lambda s, a, t, h: users.list_users(session=s, actor=a)),
    "users.get_user": (
        ADMIN_ONLY, lambda s, a, t, h: users.get_user(session=s, actor=a, username="dr.test")
    ),
    "links.issue_link": (
        ENROL, lambda s, a, t, h: links.issue_link(session=s, key=LINK_KEY, actor=a, treatment_id=t)
    ),
    "links.revoke_links": (
        ENROL, lambda s, a, t, h: links.revoke_links(session=s, actor=a, treatment_id=t)
    ),
    "links.treatment_to_link": (
        ENROL, lambda s, a, t, h: links.treatment_to_link(session=s, actor=a, treatment_id=t)
    ),
    "intake.treatment_of_submission": (
        ENROL, lambda s, a, t, h: intake.treatment_of_submission(
            session=s, actor=a, client_submission_id="sent-before-1"
        ),
    ),
    "links.list_link_targets": (
        CASE, lambda s, a, t, h: links.list_link_targets(session=s, actor=a)
    ),
    "clinic.create_patient": (
        ENROL, lambda s, a, t, h: clinic.create_patient(session=s, actor=a, display_name="Q")
    ),
    "clinic.create_treatment": (
        ENROL,
        lambda s, a, t, h: clinic.create_treatment(
            session=s, actor=a, patient_id=1, procedure="microneedling", treated_at=TREATED_AT
        ),
    ),
    "clinic.list_treatments": (CASE, lambda s, a, t, h: clinic.list_treatments(session=s, actor=a)),
    "clinic.set_clinic": (
        ADMIN_ONLY,
        lambda s, a, t, h: clinic.set_clinic(session=s, actor=a, name="X", phone="(555) 000-1234"),
    ),
    "clinic.add_clinic": (
        ADMIN_ONLY, lambda s, a, t, h: clinic.add_clinic(session=s, actor=a, name="Another")
    ),
    "reconcile.reconcile": (
        ADMIN_ONLY,
        lambda s, a, t, h: reconcile.reconcile(session=s, actor=a, store=PhotoStore(h / "p")),
    ),
    "audit.events_for_object": (
        CASE,
        lambda s, a, t, h: audit.events_for_object(
            session=s, actor=a, object_type="treatment", object_id=t
        ),
    ),
}  # fmt: skip


def _counts(db: Database) -> tuple[int, ...]:
    with db.read() as s:
        rows = [
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (User, Patient, Treatment, AuditEvent)
        ]
        rows.append(s.scalar(select(func.sum(Treatment.link_generation))) or 0)
        return tuple(rows)


@pytest.fixture
def ready(sqlite_db: Database) -> tuple[Database, int]:
    tid = make_treatment(sqlite_db)
    with sqlite_db.session() as s:
        users.add_user(
            session=s, actor=ADMIN, username="dr.test", display_name="Dr", role="provider",
            password=GOOD,
        )  # fmt: skip
    return sqlite_db, tid


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_refuses_the_wrong_role_and_stores_nothing(
    ready: tuple[Database, int], tmp_path: Path, name: str, role: Role
) -> None:
    db, tid = ready
    allowed, call = SERVICES[name]
    before = _counts(db)
    if role in allowed:
        with db.session() as s:
            call(s, _as(role, tid), tid, tmp_path)  # must not raise AccessDenied
        return
    with pytest.raises(AccessDenied), db.session() as s:
        call(s, _as(role, tid), tid, tmp_path)
    assert _counts(db) == before


def test_no_admin_service_has_a_default_actor() -> None:
    """A forgotten actor is a TypeError, never the all-powerful system account."""
    import inspect

    for fn in (
        users.add_user, users.set_password, users.set_active, users.unlock, users.list_users,
        users.get_user, links.issue_link, links.revoke_links, links.treatment_to_link,
        clinic.create_patient, clinic.create_treatment, clinic.list_treatments,
        reconcile.reconcile, audit.events_for_object,
    ):  # fmt: skip
        param = inspect.signature(fn).parameters["actor"]
        assert param.default is inspect.Parameter.empty, fn.__qualname__
        assert "by" not in inspect.signature(fn).parameters, fn.__qualname__


def test_admin_actions_are_audited_through_the_audit_service(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        users.add_user(
            session=s, actor=ADMIN, username="x.y", display_name="X", role="manager",
            password=GOOD,
        )  # fmt: skip
        users.unlock(session=s, actor=ADMIN, username="x.y")
    with sqlite_db.read() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.action, r.actor, r.role, r.object_type) for r in rows] == [
        ("user.add", ADMIN.name, "admin", "user"),
        ("user.unlock", ADMIN.name, "admin", "user"),
    ]


def _makes_an_admin(node: ast.AST) -> bool:
    """``Actor.system(...)``, or ``Actor(role=Role.ADMIN, ...)``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "system":
        return isinstance(func.value, ast.Name) and func.value.id == "Actor"
    if isinstance(func, ast.Name) and func.id == "Actor":
        return any(
            k.arg == "role" and isinstance(k.value, ast.Attribute) and k.value.attr == "ADMIN"
            for k in node.keywords
        )
    return False


def test_no_service_makes_up_an_admin_actor() -> None:
    """The actor comes from the caller's front door (a page's signed-in user, the command
    line's or the worker's entry point, the demo loader): the library's services, links and
    the outbox they write to never act as an administrator of their own making."""
    src = Path(checkins.__file__).parent
    files = [
        *sorted((src / "services").rglob("*.py")),
        src / "links.py",
        src / "messaging" / "outbox.py",
        src / "access.py",
    ]
    found = [
        f"{path.relative_to(src)}:{node.lineno}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _makes_an_admin(node)
    ]
    assert found == []


def test_reading_names_and_addresses_is_audited_through_the_audit_service(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin page's list of link targets (every patient's name) and the delivery log (the
    patients' addresses) each add one event through ``audit.record``; a page's reruns in one
    visit pass ``audit_read=False``."""
    from checkins.domain import utcnow
    from checkins.messaging import outbox
    from checkins.services import alerts

    tid = make_treatment(sqlite_db)
    with sqlite_db.session() as s:
        pid = s.get_one(Treatment, tid).patient_id
        outbox.add(
            s, idempotency_key="reminder:1:1", kind="reminder", channel="sms",
            to_address="+15550100300", subject="", body="", patient_id=pid, clinic_id=1,
            next_attempt_at=utcnow(),
        )  # fmt: skip
    through: list[str] = []
    record = audit.record

    def spy(**kwargs: Any) -> None:
        through.append(kwargs["action"])
        record(**kwargs)

    monkeypatch.setattr(audit, "record", spy)
    with sqlite_db.session() as s:
        assert len(links.list_link_targets(session=s, actor=ADMIN)) == 1
        assert len(alerts.deliveries(session=s, actor=ADMIN)) == 1
        assert len(alerts.deliveries(session=s, actor=ADMIN, patient_id=pid)) == 1
        links.list_link_targets(session=s, actor=ADMIN, audit_read=False)
        alerts.deliveries(session=s, actor=ADMIN, audit_read=False)
    assert through == ["link.list_targets", "deliveries.view", "deliveries.view"]
    with sqlite_db.read() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.role, AuditEvent.patient_id, AuditEvent.detail)
            .where(AuditEvent.action.in_(through))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("link.list_targets", "admin", None, "1 treatments"),
        ("deliveries.view", "admin", None, "1 messages"),
        ("deliveries.view", "admin", pid, "1 messages"),
    ]
