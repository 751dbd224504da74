"""Enrolment through the service: validation, duplicates, search, schedule, series, discharge,
and who may do it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from checkins.domain import AccessDenied, Answers, Conflict, InvalidInput, NotFound, Role
from checkins.services import clinic, intake, patients
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, Patient, ScheduledCheckin, Treatment
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN

FRONT = Actor(role=Role.FRONT_DESK, name="Jordan Front Desk", clinic_id=1)
MANAGER = Actor(role=Role.MANAGER, name="Morgan Manager", clinic_id=1)
NOW = datetime(2026, 12, 2, 15, 0)  # naive UTC: 10:00 in New York


def setup_clinic(db: Database) -> None:
    with db.session() as s:
        clinic.set_clinic(
            session=s, actor=ADMIN, name="Maple", phone="(555) 010-0142",
            office_hours=clinic.ALWAYS_OPEN,
        )  # fmt: skip


def add(db: Database, name: str = "Ana García", **kw: object) -> int:
    args: dict[str, object] = {
        "name": name, "birth_date": date(1985, 3, 2), "phone": "(555) 010-0300", **kw,
    }  # fmt: skip
    with db.session() as s:
        return patients.add_patient(session=s, actor=FRONT, **args).id  # type: ignore[arg-type]


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_patient_is_stored_with_e164_and_shown_in_national_format(db: Database) -> None:
    setup_clinic(db)
    pid = add(db, email="Ana@Example.COM", language="es", contact_preference="both")
    with db.session() as s:
        view = patients.get_patient(session=s, actor=FRONT, patient_id=pid)
    assert view.phone_e164 == "+15550100300" and view.email == "Ana@example.com"
    assert view.language == "es" and view.contact_preference == "both"


def test_a_language_not_asked_is_stored_as_none_and_can_be_set_and_unset(db: Database) -> None:
    """None is "not asked" (the patient's phone decides), distinct from an explicit English."""
    setup_clinic(db)
    pid = add(db)
    with db.session() as s:
        assert patients.get_patient(session=s, actor=FRONT, patient_id=pid).language is None
        fields = {
            "name": "Ana García", "birth_date": date(1985, 3, 2), "phone": "(555) 010-0300",
            "email": None, "contact_preference": "sms",
        }  # fmt: skip
        english = patients.update_patient(
            session=s, actor=FRONT, patient_id=pid, language="en", **fields
        )
        assert english.language == "en"
        unasked = patients.update_patient(
            session=s, actor=FRONT, patient_id=pid, language=None, **fields
        )
        assert unasked.language is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": "call us"}, "not a phone number"),
        ({"birth_date": date(2030, 1, 1)}, "cannot be in the future"),
        ({"name": "   "}, "needs a name"),
        ({"email": "ana@", "contact_preference": "email"}, "not an email address"),
        ({"language": "fr"}, "Unknown language"),
        ({"phone": None}, "mobile number"),
    ],
)
def test_bad_details_get_a_sentence_and_store_nothing(
    db: Database, change: dict[str, object], message: str
) -> None:
    setup_clinic(db)
    with pytest.raises(InvalidInput, match=message):
        add(db, **change)
    assert count(db, Patient) == 0


def test_the_same_name_and_birth_date_is_offered_the_existing_record(db: Database) -> None:
    setup_clinic(db)
    first = add(db)
    with pytest.raises(Conflict, match=f"patient {first}"):
        add(db, name="ana  garcia")  # accents and spacing do not make a new person
    assert count(db, Patient) == 1
    assert add(db, allow_duplicate=True) != first


def test_search_tolerates_typos_and_finds_by_birth_date_and_phone(db: Database) -> None:
    setup_clinic(db)
    ana = add(db)
    bob = add(db, name="Robert Oyelaran", birth_date=date(1970, 7, 9), phone="(555) 010-0411")
    with db.session() as s:

        def ids(text: str) -> list[int]:
            page = patients.search_patients(session=s, actor=FRONT, text=text)
            return [r.id for r in page.rows]

        assert ids("garica") == [ana]
        assert ids("Robret oyelaran") == [bob]
        assert ids("1970-07-09") == [bob]
        assert ids("555 010 0411") == [bob]
        assert ids("zzzz") == []
        assert ids("") == [ana, bob]


def test_a_treatment_starts_its_schedule_in_clinic_time(db: Database) -> None:
    setup_clinic(db)
    pid = add(db)
    with db.session() as s:
        detail = patients.record_treatment(
            session=s, actor=FRONT, patient_id=pid, procedure="microneedling_rf",
            treated_at=NOW - timedelta(hours=1), areas=["face", "neck"], needle_depth_mm=1.5,
            rf_level=3, now=NOW,
        )  # fmt: skip
    assert [d.day for d in detail.schedule] == [1, 3, 7, 14, 28]
    # Day 1 is due from midnight of Dec 3 in New York (05:00 UTC).
    assert detail.schedule[0].due_at == datetime(2026, 12, 3, 5, 0)
    assert detail.next_treatment_window == (date(2026, 12, 30), date(2027, 1, 13))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"treated_at": NOW + timedelta(days=30)}, "cannot be in the future"),
        ({"needle_depth_mm": 40.0}, "between 0.25 and 4.0"),
        ({"procedure": "laser"}, "Unknown procedure"),
        ({"areas": ["elbow"]}, "elbow is not one"),
        ({"rf_level": 3.0, "procedure": "microneedling"}, "with RF only"),
        ({"schedule_days": [0]}, "from 1 to 90"),
    ],
)
def test_bad_treatments_are_refused_with_nothing_stored(
    db: Database, change: dict[str, object], message: str
) -> None:
    setup_clinic(db)
    pid = add(db)
    args: dict[str, object] = {"procedure": "microneedling_rf", "treated_at": NOW, **change}
    with pytest.raises(InvalidInput, match=message), db.session() as s:
        patients.record_treatment(session=s, actor=FRONT, patient_id=pid, now=NOW, **args)  # type: ignore[arg-type]
    assert count(db, Treatment) == 0 and count(db, ScheduledCheckin) == 0


def test_unknown_patient_is_a_sentence(db: Database) -> None:
    setup_clinic(db)
    with pytest.raises(NotFound, match="no patient 99"), db.session() as s:
        patients.record_treatment(
            session=s, actor=FRONT, patient_id=99, procedure="microneedling", treated_at=NOW,
            now=NOW,
        )  # fmt: skip


def test_next_treatment_joins_the_series_and_discharge_stops_the_schedule(db: Database) -> None:
    setup_clinic(db)
    pid = add(db)
    first_at = NOW - timedelta(days=20)
    with db.session() as s:
        first = patients.record_treatment(
            session=s, actor=FRONT, patient_id=pid, procedure="microneedling",
            treated_at=first_at, now=first_at,
        )  # fmt: skip
        second = patients.record_treatment(
            session=s, actor=FRONT, patient_id=pid, procedure="microneedling", treated_at=NOW,
            now=NOW,
        )  # fmt: skip
    assert second.series_number == 2 and second.previous_treatment_id == first.treatment.id
    with db.session() as s:
        old = patients.get_treatment_detail(session=s, actor=FRONT, treatment_id=first.treatment.id)
    # The first series' day-28 check-in was still ahead of the new treatment: cancelled.
    assert [d.day for d in old.schedule if d.cancelled] == [28]
    with db.session() as s:
        patients.discharge(session=s, actor=FRONT, patient_id=pid, reason="Moved away", now=NOW)
        after = patients.get_treatment_detail(
            session=s, actor=FRONT, treatment_id=second.treatment.id
        )
        record = patients.patient_record(session=s, actor=FRONT, patient_id=pid)
    assert all(d.cancelled for d in after.schedule)
    assert record.patient.discharge_reason == "Moved away"
    with pytest.raises(InvalidInput, match="why"), db.session() as s:
        patients.discharge(session=s, actor=FRONT, patient_id=pid, reason=" ")


def test_a_checkin_answers_its_due_day(db: Database, store: PhotoStore) -> None:
    setup_clinic(db)
    pid = add(db)
    treated = NOW - timedelta(days=3, hours=2)
    with db.session() as s:
        tid = patients.record_treatment(
            session=s, actor=FRONT, patient_id=pid, procedure="microneedling",
            treated_at=treated, now=NOW,
        ).treatment.id  # fmt: skip
    answers = Answers.model_validate(
        {"temperature": None, "drainage_like_pus": False, "increased_warmth": False,
         "swelling": "none", "redness": "mild", "oozing": False, "pain": 1,
         "picked_or_peeled_skin": False}
    )  # fmt: skip
    with db.session() as s:
        intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, answers=answers, photos=[],
            client_submission_id="answer-day-3", submitted_at=NOW,
        )  # fmt: skip
    with db.read() as s:
        answered = s.scalars(
            select(ScheduledCheckin.day).where(ScheduledCheckin.checkin_id.is_not(None))
        ).all()
    assert answered == [3]


def test_the_record_says_who_viewed_it(db: Database) -> None:
    setup_clinic(db)
    pid = add(db)
    with db.session() as s:
        patients.patient_record(session=s, actor=FRONT, patient_id=pid)
    with db.session() as s:
        record = patients.patient_record(session=s, actor=ADMIN, patient_id=pid)
    assert [v.actor for v in record.viewers][:2] == [ADMIN.name, FRONT.name]


@pytest.mark.parametrize(
    "actor", [MANAGER, Actor(role=Role.PATIENT, name="p", treatment_id=1, clinic_id=1)]
)
def test_managers_and_patients_see_no_patients(db: Database, actor: Actor) -> None:
    setup_clinic(db)
    pid = add(db)
    with db.session() as s:
        with pytest.raises(AccessDenied):
            patients.search_patients(session=s, actor=actor)
        with pytest.raises(AccessDenied):
            patients.patient_record(session=s, actor=actor, patient_id=pid)
        with pytest.raises(AccessDenied):
            patients.add_patient(
                session=s,
                actor=actor,
                name="X",
                birth_date=date(1990, 1, 1),
                phone="(555) 010-0999",
            )
    with db.read() as s:
        denied = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "patient.search"))  # fmt: skip
    assert denied == 0


def test_front_desk_opens_no_case(db: Database) -> None:
    from checkins.services import queue

    setup_clinic(db)
    with db.session() as s, pytest.raises(AccessDenied):
        queue.list_queue(session=s, actor=FRONT)


def test_trends_group_by_the_treatment_number_in_its_series(db: Database) -> None:
    """The series filter every trends table applies: first, second, third or later."""
    from checkins.services import trends
    from checkins.services.trends.rows import Filters

    setup_clinic(db)
    with db.session() as s:
        for i in range(3):
            pid = patients.add_patient(
                session=s, actor=FRONT, name=f"Series {i}", birth_date=date(1980, 1, 1 + i),
                phone="(555) 010-0300",
            ).id  # fmt: skip
            for k in range(i + 1):
                at = NOW - timedelta(days=90 - 35 * k)
                patients.record_treatment(
                    session=s, actor=FRONT, patient_id=pid, procedure="microneedling",
                    treated_at=at, now=at,
                )  # fmt: skip
    with db.read() as s:
        counts = {
            n: s.scalar(
                select(func.count())
                .select_from(Treatment)
                .where(
                    *Filters(procedure="microneedling", series=n).cohort(
                        Treatment.procedure, Treatment.series_number
                    )
                )
            )
            for n in (None, 1, 2, 3)
        }
        report = trends.report(session=s, actor=ADMIN, series=2, now=NOW)
    assert counts == {None: 6, 1: 3, 2: 2, 3: 1}
    assert report.overview is not None
