"""Intake: one unit of work, idempotent, triaged, queued; photos stored before their rows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from checkins.domain import AccessDenied, InvalidInput, Role, Severity
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import intake
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, CheckIn, Photo, ReviewItem, RuleHit
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, at, calm_answers, make_treatment


@pytest.fixture(scope="module")
def good_jpeg() -> bytes:
    return to_jpeg(skin_photo(width=800, height=600, tone="medium", redness=0.3, seed=1))


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_routine_checkin_is_stored_with_photo_and_not_queued(
    db: Database, store: PhotoStore, good_jpeg: bytes
) -> None:
    tid = make_treatment(db)
    photo = intake.prepare_photo(good_jpeg, name="/home/me/IMG_0001.jpg", isolated=False)
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[photo],
            client_submission_id="sub-routine-1",
            submitted_at=at(30),
        )
    assert res.created and res.triage.severity is Severity.ROUTINE
    assert res.review_item_id is None
    assert count(db, CheckIn) == 1 and count(db, Photo) == 1 and count(db, ReviewItem) == 0
    stored = res.photos[0]
    assert stored.original_name == "IMG_0001.jpg"  # display text only, no directories
    assert store.exists(stored.storage_key) and store.exists(stored.thumb_key or "")
    assert stored.metrics.mean_a_star is not None
    with db.read() as s:
        assert s.scalar(select(CheckIn.mean_a_star)) == pytest.approx(stored.metrics.mean_a_star)
        actions = s.scalars(select(AuditEvent.action)).all()
    assert "submit_checkin" in actions


def test_fever_is_urgent_and_queued_with_its_rule(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    answers = calm_answers(temperature={"value": 38.7, "unit": "C"})
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=answers,
            photos=[],
            client_submission_id="sub-fever-1",
            submitted_at=at(40),
        )
    assert res.triage.severity is Severity.URGENT
    assert res.review_item_id is not None
    assert "(555) 000-1234" in res.triage.patient_message
    with db.read() as s:
        item = s.get(ReviewItem, res.review_item_id)
        assert item is not None and item.status == "new" and item.severity == "urgent"
        hits = s.scalars(select(RuleHit.rule_id)).all()
    assert len(hits) == len(res.triage.reasons) >= 1


def test_same_submission_id_is_stored_once(
    db: Database, store: PhotoStore, good_jpeg: bytes
) -> None:
    tid = make_treatment(db)
    photo = intake.prepare_photo(good_jpeg, isolated=False)
    results = []
    for _ in range(3):
        with db.session() as s:
            results.append(
                intake.submit_checkin(
                    ruleset=RULES,
                    session=s,
                    store=store,
                    actor=ADMIN,
                    treatment_id=tid,
                    answers=calm_answers(oozing=True),
                    photos=[photo],
                    client_submission_id="double-tap-1",
                    submitted_at=at(50),
                )
            )
    assert [r.created for r in results] == [True, False, False]
    assert len({r.checkin_id for r in results}) == 1
    assert results[1].triage.severity == results[0].triage.severity == Severity.REVIEW
    assert count(db, CheckIn) == 1 and count(db, Photo) == 1 and count(db, ReviewItem) == 1


def test_concurrent_duplicates_store_one(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            with db.session() as s:
                intake.submit_checkin(
                    ruleset=RULES,
                    session=s,
                    store=store,
                    actor=ADMIN,
                    treatment_id=tid,
                    answers=calm_answers(),
                    photos=[],
                    client_submission_id="retry-after-drop",
                    submitted_at=at(30),
                )
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(db, CheckIn) == 1


def test_eight_writers_at_once_lose_nothing(
    sqlite_db: Database, store: PhotoStore, good_jpeg: bytes
) -> None:
    tids = [make_treatment(sqlite_db, name=f"P{i}") for i in range(8)]
    photo = intake.prepare_photo(good_jpeg, isolated=False)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            barrier.wait()
            for j in range(3):
                with sqlite_db.session() as s:
                    intake.submit_checkin(
                        ruleset=RULES,
                        session=s,
                        store=store,
                        actor=ADMIN,
                        treatment_id=tids[i],
                        answers=calm_answers(),
                        photos=[photo],
                        client_submission_id=f"writer-{i}-{j}",
                        submitted_at=at(30 + j),
                    )
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(sqlite_db, CheckIn) == 24 and count(sqlite_db, Photo) == 24


def test_redness_change_against_baseline_and_previous(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    shots = [
        to_jpeg(skin_photo(width=800, height=600, tone="fair", redness=r, seed=3))
        for r in (0.0, 0.3, 0.7)
    ]
    results = []
    for i, (hours, data) in enumerate(zip((-5, 72, 120), shots, strict=True)):
        with db.session() as s:
            results.append(
                intake.submit_checkin(
                    ruleset=RULES,
                    session=s,
                    store=store,
                    actor=ADMIN,
                    treatment_id=tid,
                    answers=None if hours < 0 else calm_answers(),
                    photos=[intake.prepare_photo(data, isolated=False)],
                    is_baseline=hours < 0,
                    client_submission_id=f"ladder-{i}",
                    submitted_at=at(hours),
                )
            )
    with db.read() as s:
        rows = s.scalars(select(CheckIn).order_by(CheckIn.submitted_at)).all()
        assert rows[0].is_baseline and rows[0].delta_a_star_baseline is None
        assert rows[1].delta_a_star_baseline is not None and rows[1].delta_a_star_baseline > 0
        assert rows[2].delta_a_star_previous is not None and rows[2].delta_a_star_previous > 0
        assert rows[2].delta_a_star_baseline > rows[1].delta_a_star_baseline  # type: ignore[operator]
    # Redness rising after day 2 sends the third check-in to a provider.
    assert results[2].triage.severity is not Severity.ROUTINE
    assert any("redness" in r.rule or "a_star" in r.rule for r in results[2].triage.reasons)


def test_unusable_photo_goes_to_review_never_reassurance(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    blurred = to_jpeg(skin_photo(width=800, height=600, tone="medium", redness=0.2, blur=8, seed=2))
    photo = intake.prepare_photo(blurred, isolated=False)
    assert not photo.analysis.quality.acceptable
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[photo],
            client_submission_id="blurry-1",
            submitted_at=at(30),
        )
    assert res.triage.severity is Severity.REVIEW
    assert res.photos[0].quality_acceptable is False  # kept: nothing the patient sent is lost


def test_refused_photo_stores_nothing(db: Database, store: PhotoStore) -> None:
    make_treatment(db)
    with pytest.raises(InvalidInput) as err:
        intake.prepare_photo(b"GIF89a" + b"\0" * 100, name="x.gif", isolated=False)
    assert err.value.message and err.value.code
    assert count(db, CheckIn) == 0 and list(store.keys()) == []


def test_checkin_dated_before_treatment_is_refused(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    with db.session() as s, pytest.raises(InvalidInput, match="before the treatment"):
        intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[],
            client_submission_id="too-early-1",
            submitted_at=at(-2),
        )
    assert count(db, CheckIn) == 0


def test_patient_cannot_submit_for_another_treatment(db: Database, store: PhotoStore) -> None:
    mine = make_treatment(db, name="Mine")
    other = make_treatment(db, name="Other")
    me = Actor(role=Role.PATIENT, name="Mine", patient_id=1, treatment_id=mine, clinic_id=1)
    with db.session() as s, pytest.raises(AccessDenied):
        intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=me,
            treatment_id=other,
            answers=calm_answers(),
            photos=[],
            client_submission_id="not-mine-1",
            submitted_at=at(30),
        )
    assert count(db, CheckIn) == 0


def test_patient_home_audits_the_first_read_of_a_visit_only(db: Database) -> None:
    from checkins.services import clinic

    tid = make_treatment(db)
    me = Actor(role=Role.PATIENT, name="Pat", patient_id=1, treatment_id=tid, clinic_id=1)
    with db.session() as s:
        clinic.patient_home(session=s, actor=me, treatment_id=tid)
        clinic.patient_home(session=s, actor=me, treatment_id=tid, audit_read=False)
    with db.read() as s:
        views = s.scalars(select(AuditEvent).where(AuditEvent.action == "view_patient_home")).all()
    assert len(views) == 1 and views[0].role == "patient"
    other = Actor(role=Role.PATIENT, name="Other", patient_id=2, treatment_id=tid + 99, clinic_id=1)
    with db.session() as s, pytest.raises(AccessDenied):
        clinic.patient_home(session=s, actor=other, treatment_id=tid, audit_read=False)
