"""AppTest for the front desk's pages through the real router: find, enrol, record a treatment,
hand over the link; and who may not."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from checkins.domain import Role
from checkins.services import patients
from checkins.services.views import Actor
from checkins.storage.models import Patient, ScheduledCheckin, Treatment

from .conftest import Clinic, sign_in, texts

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

from state import StateKeys  # noqa: E402 - needs the path above

FRONT = Actor(role=Role.FRONT_DESK, name="Jordan Front Desk", clinic_id=1)


def field(at: AppTest, label: str) -> Any:
    return next(t for t in at.text_input if t.label == label)


def test_front_desk_lands_on_patients_and_sees_no_queue(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "frontdesk")
    assert not at.exception
    assert at.title[0].value == "Patients"
    # The router gives the front desk no queue or case page at all.
    for page in ("views/queue.py", "views/case.py", "views/trends.py", "views/admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_manager_cannot_see_patients(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = sign_in(app(), "manager")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/patients.py")
    # Reached directly, the page itself refuses and lists no one.
    page = AppTest.from_file(str(DASHBOARD / "views" / "patients.py"), default_timeout=30)
    page.session_state[StateKeys.ACTOR] = Actor(
        role=Role.MANAGER, name="Morgan Manager", clinic_id=1
    )
    page.run()
    assert not page.exception
    assert any("Only the front desk, providers and admins" in e.value for e in page.error)
    assert not page.dataframe


def test_enrol_a_patient_then_record_a_treatment(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "frontdesk")
    field(at, "Full name").input("Dana Newpatient")  # [0] is the search box
    at.date_input[0].set_value(date(1979, 5, 6))
    field(at, "Mobile phone").input("call us")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("not a phone number" in e.value for e in at.error)
    with seeded.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 3  # nothing stored
    field(at, "Mobile phone").input("(555) 010-0777")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Dana Newpatient"
    assert "(555) 010-0777" in texts(at)
    # Record a treatment now (the form's defaults: micro-needling, today, face).
    submit = next(b for b in at.form_submit_button if b.label == "Record treatment")
    submit.click().run()
    assert not at.exception, at.exception
    assert any("Treatment recorded" in s.value for s in at.success)
    with seeded.db.read() as s:
        tid = s.scalar(select(Treatment.id).order_by(Treatment.id.desc()))
        days = s.scalars(
            select(ScheduledCheckin.day).where(ScheduledCheckin.treatment_id == tid)
        ).all()
    assert sorted(days) == [1, 3, 7, 14, 28]
    link = next(b for b in at.button if b.label == "Show the patient's link and QR code")
    link.click().run()
    assert not at.exception
    assert "?t=" in " ".join(c.value for c in at.code)
    # Staff read the clinic's clock, and the zone says which clock it is.
    due = next(d.value for d in at.dataframe if "Due" in d.value.columns)
    assert all(str(v).endswith((" EST", " EDT")) for v in due["Due"])


def test_enrolment_leaves_the_language_not_asked_unless_one_is_chosen(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """Not asked (None) is the first, default choice: the patient's phone will decide."""

    def enrol(name: str, phone: str, language: str | None = None) -> str | None:
        at.switch_page("views/patients.py").run()
        choice = next(b for b in at.selectbox if b.label == "Preferred language")
        assert choice.value is None
        assert choice.options == ["Not asked: the phone's own language", "English", "Español"]
        if language is not None:
            choice.set_value(language)
        field(at, "Full name").input(name)
        at.date_input[0].set_value(date(1979, 5, 6))
        field(at, "Mobile phone").input(phone)
        at.form_submit_button[0].click().run()
        assert not at.exception
        assert at.title[0].value == name
        with seeded.db.read() as s:
            return s.scalar(select(Patient.language).where(Patient.display_name == name))

    at = sign_in(app(), "frontdesk")
    assert enrol("Gus Unasked", "(555) 010-0778") is None
    assert "language not asked (their phone's)" in texts(at)
    assert enrol("Hana Española", "(555) 010-0779", "es") == "es"
    assert "Español" in texts(at)


def test_the_record_shows_its_history_tables_and_nothing_else(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """A bare `st.dataframe(...) if ... else st.caption(...)` was written out by Streamlit's
    "magic" as the DeltaGenerator's help, below each table of the History tab."""
    at = sign_in(app(), "frontdesk")
    at.session_state[StateKeys.PATIENT_SELECTED] = 1  # Ann Alpha
    at.switch_page("views/patient_record.py").run()
    assert not at.exception
    assert at.title[0].value == "Ann Alpha"
    assert not at.get("help"), "a help block (st.help, or magic) on the patient's record"


def test_the_same_name_and_birth_date_offers_the_existing_record(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    with seeded.db.session() as s:
        pid = patients.add_patient(
            session=s, actor=FRONT, name="Eve Twice", birth_date=date(1990, 1, 2),
            phone="(555) 010-0300",
        ).id  # fmt: skip
    at = sign_in(app(), "frontdesk")
    field(at, "Full name").input("Eve Twice")
    at.date_input[0].set_value(date(1990, 1, 2))
    field(at, "Mobile phone").input("(555) 010-0301")
    at.form_submit_button[0].click().run()
    assert any(f"patient {pid}" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Open the existing record").click().run()
    assert not at.exception
    assert at.title[0].value == "Eve Twice"
    assert at.session_state[StateKeys.PATIENT_SELECTED] == pid


def test_search_finds_a_typo_and_opens_the_record(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "frontdesk")
    at.text_input(key=StateKeys.PATIENT_SEARCH).input("Ann Alpah").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["Name"]) == ["Ann Alpha"]


def test_admin_saves_hours_and_on_call_and_refuses_a_phone_that_is_not_one(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    from checkins.services import clinic

    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    at.text_input(key="clinic_phone").input("call us")
    next(b for b in at.form_submit_button if b.label == "Save").click().run()
    assert not at.exception
    assert any("not a phone number" in e.value for e in at.error)
    at.text_input(key="clinic_phone").input("(555) 010-0199 ext. 2")
    at.text_input(key="clinic_on_call").input("555 010 0911")
    at.text_input(key="clinic_hours").input("mon-fri 08:00-18:00")
    at.text_input(key="clinic_days").input("1, 2, 7")
    next(b for b in at.form_submit_button if b.label == "Save").click().run()
    assert not at.exception
    with seeded.db.read() as s:
        saved = clinic.clinic_settings(session=s, clinic_id=1)
    assert saved.phone_e164 == "+15550100199;ext=2" and saved.phone == "(555) 010-0199 ext. 2"
    assert saved.after_hours_phone == "+15550100911"
    assert saved.office_hours["mon"] == ["08:00", "18:00"] and saved.office_hours["sat"] is None
    assert saved.default_schedule_days == (1, 2, 7)
    # Saved twice in a row: the second save is kept too.
    at.text_input(key="clinic_days").input("1, 3")
    next(b for b in at.form_submit_button if b.label == "Save").click().run()
    with seeded.db.read() as s:
        assert clinic.clinic_settings(session=s, clinic_id=1).default_schedule_days == (1, 3)


def test_admin_sets_on_call_contacts_and_queues_a_test_message(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    from checkins.storage.models import OutboxMessage

    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    areas = {a.label.split(",")[0]: a for a in at.text_area}
    areas["On-call emails"].input("oncall@maple.example\nnot-an-email")
    next(b for b in at.form_submit_button if b.label == "Save contacts").click().run()
    assert any("not an email address" in e.value for e in at.error)
    areas = {a.label.split(",")[0]: a for a in at.text_area}
    areas["On-call emails"].input("oncall@maple.example")
    areas["On-call mobile numbers (text messages)"].input("(555) 010-0900")
    next(b for b in at.form_submit_button if b.label == "Save contacts").click().run()
    assert not at.exception
    next(b for b in at.button if b.label.startswith("Send a test message")).click().run()
    assert not at.exception
    with seeded.db.read() as s:
        queued = s.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all()
    assert queued == ["oncall@maple.example", "+15550100900"]


def test_staff_pages_say_when_the_clinic_has_no_phone(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    from checkins.storage.models import ClinicSettings

    at = sign_in(app(), "frontdesk")
    assert not any("no phone set" in w.value for w in at.sidebar.warning)
    with seeded.db.session() as s:
        row = s.get(ClinicSettings, 1)
        assert row is not None
        row.phone = None
    at.run()
    assert any("no phone set" in w.value for w in at.sidebar.warning)
