"""Every service checks its actor itself: the wrong role is refused, and nothing is written,
whichever front door (page, command, worker) calls it.

``SERVICES`` holds a call of every public service of ``checkins.services`` and ``links``, with
the roles that may make it; ``NOT_A_DOOR`` names the few functions that take a session but no
actor, each with why. A new public function in either place that is in neither table fails
``test_every_public_service_is_in_the_table``, so the table cannot fall behind.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import checkins
import checkins.services
from checkins import links
from checkins.domain import AccessDenied, CheckinsError, Role, utcnow
from checkins.services import (
    alerts,
    audit,
    case_export,
    clinic,
    drafts,
    fhir_export,
    intake,
    patients,
    queue,
    reconcile,
    sessions,
    trends,
    users,
)
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, Base, CheckIn, Treatment
from checkins.storage.photos import PhotoStore

from .helpers import ADMIN, LINK_KEY, RULES, TREATED_AT, calm_answers, make_treatment

GOOD = "correct horse battery"
EVERYONE = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})
ENROL = frozenset({Role.FRONT_DESK, Role.PROVIDER, Role.ADMIN})
CASE = frozenset({Role.PROVIDER, Role.ADMIN})
TRENDS = frozenset({Role.MANAGER, Role.PROVIDER, Role.ADMIN})
PATIENT = frozenset({Role.PATIENT})
OWN_TREATMENT = CASE | PATIENT  # the patient through their own link, or a provider
BASELINE = ENROL | PATIENT  # whoever enrols, or the patient through their link
DRAFT_FIELDS = frozenset({"notes"})


@dataclass(frozen=True)
class World:
    """What the calls act on: one clinic's treatment, its urgent check-in's case, a patient
    link's token, the photo store."""

    treatment: int
    patient: int
    item: int
    token: str
    store: PhotoStore
    uncounted: int  # a check-in stored past the services, not yet in the trend tables


def _as(role: Role, w: World) -> Actor:
    if role is Role.PATIENT:  # a patient through their own link
        return Actor(
            role=role, name="Pat", patient_id=w.patient, treatment_id=w.treatment, clinic_id=1
        )
    return Actor(role=role, name=f"a {role.value}", user_id=None, clinic_id=1)


Call = Callable[[Session, Actor, World], Any]

SERVICES: dict[str, tuple[frozenset[Role], Call]] = {
    # links
    "links.issue_link": (
        ENROL, lambda s, a, w: links.issue_link(
            session=s, key=LINK_KEY, actor=a, treatment_id=w.treatment
        ),
    ),
    "links.revoke_links": (
        ENROL, lambda s, a, w: links.revoke_links(session=s, actor=a, treatment_id=w.treatment)
    ),
    "links.treatment_to_link": (
        ENROL, lambda s, a, w: links.treatment_to_link(session=s, actor=a, treatment_id=w.treatment)
    ),
    "links.list_link_targets": (CASE, lambda s, a, w: links.list_link_targets(session=s, actor=a)),
    # alerts
    "alerts.set_contacts": (
        ADMIN_ONLY,
        lambda s, a, w: alerts.set_contacts(session=s, actor=a, emails=["on@call.example"]),
    ),
    "alerts.list_contacts": (ADMIN_ONLY, lambda s, a, w: alerts.list_contacts(session=s, actor=a)),
    "alerts.send_test": (ADMIN_ONLY, lambda s, a, w: alerts.send_test(session=s, actor=a)),
    "alerts.deliveries": (ADMIN_ONLY, lambda s, a, w: alerts.deliveries(session=s, actor=a)),
    # audit
    "audit.events_for_object": (
        CASE, lambda s, a, w: audit.events_for_object(
            session=s, actor=a, object_type="treatment", object_id=w.treatment
        ),
    ),
    # case_export, fhir_export
    "case_export.case_summary_pdf": (
        CASE, lambda s, a, w: case_export.case_summary_pdf(
            session=s, store=w.store, actor=a, item_id=w.item
        ),
    ),
    "fhir_export.export_bundle": (
        CASE, lambda s, a, w: fhir_export.export_bundle(session=s, actor=a, patient_id=w.patient)
    ),
    # clinic
    "clinic.get_clinic": (EVERYONE, lambda s, a, w: clinic.get_clinic(session=s, actor=a)),
    "clinic.add_clinic": (
        ADMIN_ONLY, lambda s, a, w: clinic.add_clinic(session=s, actor=a, name="Another")
    ),
    "clinic.set_clinic": (
        ADMIN_ONLY,
        lambda s, a, w: clinic.set_clinic(session=s, actor=a, name="X", phone="(555) 000-1234"),
    ),
    "clinic.create_patient": (
        ENROL, lambda s, a, w: clinic.create_patient(session=s, actor=a, display_name="Q")
    ),
    "clinic.create_treatment": (
        ENROL,
        lambda s, a, w: clinic.create_treatment(
            session=s, actor=a, patient_id=w.patient, procedure="microneedling",
            treated_at=TREATED_AT,
        ),
    ),
    "clinic.get_treatment": (
        OWN_TREATMENT,
        lambda s, a, w: clinic.get_treatment(session=s, actor=a, treatment_id=w.treatment),
    ),
    "clinic.list_treatments": (CASE, lambda s, a, w: clinic.list_treatments(session=s, actor=a)),
    "clinic.patient_home": (
        OWN_TREATMENT,
        lambda s, a, w: clinic.patient_home(session=s, actor=a, treatment_id=w.treatment),
    ),
    "clinic.patient_reply": (
        PATIENT, lambda s, a, w: clinic.patient_reply(session=s, actor=a, body="Better today")
    ),
    "clinic.opt_out": (PATIENT, lambda s, a, w: clinic.opt_out(session=s, actor=a)),
    "clinic.set_patient_language": (
        PATIENT, lambda s, a, w: clinic.set_patient_language(session=s, actor=a, language="es")
    ),
    "clinic.keep_browser_language": (
        PATIENT, lambda s, a, w: clinic.keep_browser_language(session=s, actor=a, language="es")
    ),
    # drafts
    "drafts.save": (
        PATIENT, lambda s, a, w: drafts.save(
            session=s, store=w.store, actor=a, signing_key=LINK_KEY, token=w.token,
            answers={"notes": "itchy"}, photos=[], allowed=DRAFT_FIELDS,
        ),
    ),
    "drafts.load": (
        PATIENT, lambda s, a, w: drafts.load(
            session=s, store=w.store, actor=a, signing_key=LINK_KEY, token=w.token,
            allowed=DRAFT_FIELDS,
        ),
    ),
    "drafts.discard": (
        PATIENT,
        lambda s, a, w: drafts.discard(session=s, actor=a, signing_key=LINK_KEY, token=w.token),
    ),
    "drafts.referenced_keys": (
        ADMIN_ONLY, lambda s, a, w: drafts.referenced_keys(session=s, actor=a)
    ),
    # intake
    "intake.treatment_of_submission": (
        ENROL, lambda s, a, w: intake.treatment_of_submission(
            session=s, actor=a, client_submission_id="sent-before-1"
        ),
    ),
    "intake.submit_checkin": (
        OWN_TREATMENT, lambda s, a, w: intake.submit_checkin(
            session=s, store=w.store, actor=a, treatment_id=w.treatment, answers=calm_answers(),
            photos=[], client_submission_id="another-checkin-1", ruleset=RULES,
            submitted_at=TREATED_AT + timedelta(days=3),
        ),
    ),
    # patients
    "patients.find_duplicate": (
        ENROL, lambda s, a, w: patients.find_duplicate(
            session=s, actor=a, name="Pat Test", birth_date=date(1980, 1, 2)
        ),
    ),
    "patients.add_patient": (
        ENROL, lambda s, a, w: patients.add_patient(
            session=s, actor=a, name="New Patient", birth_date=date(1981, 2, 3),
            contact_preference="none",
        ),
    ),
    "patients.update_patient": (
        ENROL, lambda s, a, w: patients.update_patient(
            session=s, actor=a, patient_id=w.patient, name="Pat Renamed",
            birth_date=date(1980, 1, 2), phone=None, email=None, language="en",
            contact_preference="none",
        ),
    ),
    "patients.search_patients": (
        ENROL, lambda s, a, w: patients.search_patients(session=s, actor=a)
    ),
    "patients.get_patient": (
        ENROL, lambda s, a, w: patients.get_patient(session=s, actor=a, patient_id=w.patient)
    ),
    "patients.record_treatment": (
        ENROL, lambda s, a, w: patients.record_treatment(
            session=s, actor=a, patient_id=w.patient, procedure="microneedling",
            treated_at=TREATED_AT + timedelta(days=30), now=TREATED_AT + timedelta(days=30),
        ),
    ),
    "patients.set_schedule": (
        ENROL, lambda s, a, w: patients.set_schedule(
            session=s, actor=a, treatment_id=w.treatment, days=[1, 3], now=TREATED_AT
        ),
    ),
    "patients.discharge": (
        ENROL, lambda s, a, w: patients.discharge(
            session=s, actor=a, patient_id=w.patient, reason="healed"
        ),
    ),
    "patients.get_treatment_detail": (
        BASELINE, lambda s, a, w: patients.get_treatment_detail(
            session=s, actor=a, treatment_id=w.treatment
        ),
    ),
    "patients.patient_record": (
        ENROL, lambda s, a, w: patients.patient_record(session=s, actor=a, patient_id=w.patient)
    ),
    "patients.issue_patient_link": (
        ENROL, lambda s, a, w: patients.issue_patient_link(
            session=s, actor=a, signing_key=LINK_KEY, treatment_id=w.treatment,
            base_url="http://localhost:8501/",
        ),
    ),
    "patients.handout": (
        ENROL, lambda s, a, w: patients.handout(
            session=s, actor=a, signing_key=LINK_KEY, treatment_id=w.treatment,
            base_url="http://localhost:8501/", ruleset=RULES,
        ),
    ),
    # queue
    "queue.list_queue": (CASE, lambda s, a, w: queue.list_queue(session=s, actor=a)),
    "queue.count_open": (CASE, lambda s, a, w: queue.count_open(session=s, actor=a)),
    "queue.claim": (CASE, lambda s, a, w: queue.claim(session=s, actor=a, item_id=w.item)),
    "queue.release": (CASE, lambda s, a, w: queue.release(session=s, actor=a, item_id=w.item)),
    "queue.resolve": (
        CASE, lambda s, a, w: queue.resolve(
            session=s, actor=a, item_id=w.item, disposition="no_action_needed"
        ),
    ),
    "queue.reply": (
        CASE, lambda s, a, w: queue.reply(
            session=s, actor=a, signing_key=LINK_KEY, item_id=w.item, body="Come in today."
        ),
    ),
    "queue.take_over": (
        CASE, lambda s, a, w: queue.take_over(session=s, actor=a, item_id=w.item, reason="away")
    ),
    "queue.open_case": (CASE, lambda s, a, w: queue.open_case(session=s, actor=a, item_id=w.item)),
    "queue.photo_bytes": (
        OWN_TREATMENT,
        lambda s, a, w: queue.photo_bytes(session=s, store=w.store, actor=a, photo_id=1),
    ),
    # reconcile, sessions
    "reconcile.reconcile": (
        ADMIN_ONLY, lambda s, a, w: reconcile.reconcile(session=s, actor=a, store=w.store)
    ),
    "sessions.sign_out": (EVERYONE, lambda s, a, w: sessions.sign_out(session=s, actor=a)),
    # trends (the package's surface; its modules hold them)
    "trends.report.report": (TRENDS, lambda s, a, w: trends.report(session=s, actor=a)),
    "trends.report.overview": (TRENDS, lambda s, a, w: trends.overview(session=s, actor=a)),
    "trends.report.recovery_curves": (
        TRENDS, lambda s, a, w: trends.recovery_curves(session=s, actor=a)
    ),
    "trends.report.expected_recovery_band": (
        TRENDS, lambda s, a, w: trends.expected_recovery_band(
            session=s, actor=a, procedure="microneedling_rf"
        ),
    ),
    "trends.report.adherence": (TRENDS, lambda s, a, w: trends.adherence(session=s, actor=a)),
    "trends.report.queue_volume": (TRENDS, lambda s, a, w: trends.queue_volume(session=s, actor=a)),
    "trends.report.review_times": (TRENDS, lambda s, a, w: trends.review_times(session=s, actor=a)),
    "trends.report.false_alarm_rates": (
        TRENDS, lambda s, a, w: trends.false_alarm_rates(session=s, actor=a)
    ),
    "trends.report.data_stamp": (TRENDS, lambda s, a, w: trends.data_stamp(session=s, actor=a)),
    "trends.stored.is_current": (TRENDS, lambda s, a, w: trends.is_current(session=s, actor=a)),
    "trends.stored.rebuild": (ADMIN_ONLY, lambda s, a, w: trends.rebuild(session=s, actor=a)),
    "trends.stored.checkin_added": (
        BASELINE, lambda s, a, w: trends.checkin_added(session=s, actor=a, checkin_id=w.uncounted)
    ),
    "trends.stored.schedule_written": (
        ENROL, lambda s, a, w: trends.schedule_written(
            session=s, actor=a, treatment_id=w.treatment, new=False
        ),
    ),
    # users
    "users.add_user": (
        ADMIN_ONLY,
        lambda s, a, w: users.add_user(
            session=s, actor=a, username="new.one", display_name="N", role="provider",
            password=GOOD,
        ),
    ),
    "users.list_users": (ADMIN_ONLY, lambda s, a, w: users.list_users(session=s, actor=a)),
    "users.get_user": (
        ADMIN_ONLY, lambda s, a, w: users.get_user(session=s, actor=a, username="dr.test")
    ),
    "users.set_password": (
        ADMIN_ONLY,
        lambda s, a, w: users.set_password(
            session=s, actor=a, username="dr.test", password="another long password"
        ),
    ),
    "users.set_active": (
        ADMIN_ONLY,
        lambda s, a, w: users.set_active(session=s, actor=a, username="dr.test", active=False),
    ),
    "users.unlock": (
        ADMIN_ONLY, lambda s, a, w: users.unlock(session=s, actor=a, username="dr.test")
    ),
}  # fmt: skip

# Functions of those modules that take a session and no actor (or need no role check), and why
# they are not a door of their own.
NOT_A_DOOR: dict[str, str] = {
    # They make the actor: nobody is signed in yet.
    "links.verify_token": "reads a patient link's token, before there is an actor",
    "sessions.open_link": "turns a patient link into the patient's actor",
    "sessions.check_link": "turns a patient link into the patient's actor, on each rerun",
    "sessions.sign_in_oidc": "turns a single sign-on identity into a staff actor",
    "users.authenticate": "turns a username and password into a staff actor",
    "users.actor_for_username": "the actor of a signed-in staff member, on each rerun",
    "users.active_actor": "the actor of a signed-in staff member, re-read from their account",
    # The deployment's list of clinics: names and settings, no patient's data, read to choose
    # a clinic before anyone acts in one.
    "clinic.list_clinics": "the sign-in page's and the command line's choice of clinic",
    "clinic.find_clinic": "the command line's --clinic, before its actor exists",
    "clinic.clinic_settings": "one clinic's settings for code holding its row (the worker)",
    "clinic.organisation_clinics": "which clinics' trends a manager's actor may read",
    # The audit sink and the helpers services call after their own check.
    "audit.record": "records what its caller did (refusals included); the caller checked",
    "scope.get": "a row in the actor's clinic: services call it after their check",
    "trends.dialect.of": "which SQL dialect a session speaks",
    "trends.stored.group_sizes": "the report's read of the trend tables, after its check",
    "trends.stored.overview_size": "the report's read of the trend tables, after its check",
    "trends.stored.values_at_ranks": "the report's read of the trend tables, after its check",
    "trends.stored.curve_quartiles": "the report's read of the trend tables, after its check",
    "trends.stored.adherence_rows": "the report's read of the trend tables, after its check",
}


def _public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of checkins.services (and links) that takes a session."""
    names = [
        m.name for m in pkgutil.walk_packages(checkins.services.__path__, "checkins.services.")
    ]
    found: dict[str, Callable[..., Any]] = {}
    for module_name in [*names, "checkins.links"]:
        module = importlib.import_module(module_name)
        short = module_name.removeprefix("checkins.services.").removeprefix("checkins.")
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module_name:
                continue
            if "session" in inspect.signature(fn).parameters:
                found[f"{short}.{name}"] = fn
    return found


def test_every_public_service_is_in_the_table() -> None:
    """A new public service without a wrong-role check here fails: add it to ``SERVICES`` (or,
    if it takes no actor, to ``NOT_A_DOOR`` with why)."""
    public = set(_public_functions())
    assert public - SERVICES.keys() - NOT_A_DOOR.keys() == set(), "not in the table"
    assert (SERVICES.keys() | NOT_A_DOOR.keys()) - public == set(), "gone, or made private"
    assert SERVICES.keys() & NOT_A_DOOR.keys() == set()


def test_every_service_takes_a_required_actor() -> None:
    """A forgotten actor is a TypeError, never the all-powerful system account."""
    for name, fn in _public_functions().items():
        params = inspect.signature(fn).parameters
        if name in NOT_A_DOOR:
            continue
        assert "actor" in params, name
        assert params["actor"].default is inspect.Parameter.empty, name
        assert "by" not in params, name


def _snapshot(s: Session) -> list[list[tuple[Any, ...]]]:
    """Every row of every table, as the session sees them (pending writes flushed first)."""
    return [
        sorted(map(tuple, s.execute(select(t)).all()), key=repr)
        for t in Base.metadata.sorted_tables
    ]


class _Undo(Exception):
    pass


@contextmanager
def _undone(db: Database) -> Iterator[Session]:
    """A unit of work that is rolled back at the end, whatever it did."""
    try:
        with db.session() as s:
            yield s
            raise _Undo
    except _Undo:
        pass


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, World]]:
    """One migrated SQLite file holding the world every call acts on, made once; each test
    works on its own copy of it."""
    home = tmp_path_factory.mktemp("access")
    db = Database.connect(f"sqlite:///{home / 'seed.db'}")
    from checkins.storage import schema

    schema.upgrade(db.engine)
    store = PhotoStore(home / "photos")
    store.root.mkdir()
    tid = make_treatment(db)
    with db.session() as s:
        users.add_user(
            session=s, actor=ADMIN, username="dr.test", display_name="Dr", role="provider",
            password=GOOD,
        )  # fmt: skip
        result = intake.submit_checkin(
            session=s, store=store, actor=ADMIN, treatment_id=tid,
            answers=calm_answers(oozing=True), photos=[], client_submission_id="urgent-first",
            ruleset=RULES, submitted_at=TREATED_AT + timedelta(days=1, hours=2),
        )  # fmt: skip
        patient = s.get_one(Treatment, tid).patient_id
        uncounted = CheckIn(
            clinic_id=1, treatment_id=tid, client_submission_id="stored-past-intake",
            submitted_at=TREATED_AT + timedelta(days=3), day_since_treatment=3,
            hours_since_treatment=72.0,
        )  # fmt: skip
        s.add(uncounted)
        s.flush()
        uncounted_id = uncounted.id
    db.dispose()
    assert result.review_item_id is not None
    token = links.make_token(
        key=LINK_KEY, treatment_id=tid, generation=1, expires_at=utcnow() + timedelta(days=30)
    )
    yield home, World(tid, patient, result.review_item_id, token, store, uncounted_id)


@pytest.fixture
def world(seeded: tuple[Path, World], tmp_path: Path) -> Iterator[tuple[Database, World]]:
    home, w = seeded
    shutil.copyfile(home / "seed.db", tmp_path / "access.db")
    shutil.copytree(home / "photos", tmp_path / "photos", dirs_exist_ok=True)
    db = Database.connect(f"sqlite:///{tmp_path / 'access.db'}")
    try:
        yield db, dataclasses.replace(w, store=PhotoStore(tmp_path / "photos"))
    finally:
        db.dispose()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_refuses_the_wrong_role_and_writes_nothing(
    world: tuple[Database, World], name: str
) -> None:
    """Each role outside the service's own is refused with ``AccessDenied`` before anything is
    written (checked inside the unit of work, before its rollback could hide a write); so is
    an actor outside any clinic. Each role inside is not refused (other domain errors, such as
    a case someone else holds, are the data's answer, not the door's)."""
    db, w = world
    allowed, call = SERVICES[name]
    refused = [_as(r, w) for r in Role if r not in allowed]
    refused.append(Actor(role=Role.ADMIN, name="no clinic", clinic_id=None))
    for actor in refused:
        with _undone(db) as s:
            before = _snapshot(s)
            try:
                call(s, actor, w)
            except AccessDenied:
                pass
            else:
                pytest.fail(f"{name} let {actor.name} through")
            assert _snapshot(s) == before, f"{name} wrote before refusing {actor.name}"
    for role in allowed:
        with _undone(db) as s:
            try:
                call(s, _as(role, w), w)
            except AccessDenied as e:
                pytest.fail(f"{name} refused {role.value}: {e}")
            except CheckinsError:
                pass


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
