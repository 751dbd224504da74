"""AppTest for the staff pages (queue, case, trends) through the real router, per role.

Each test gets a small clinic written through the ORM and the services: two providers, a
manager, an urgent case with photos (baseline, previous, this one) and a case for review that
the patient sent through the real intake (picked skin).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from checkins.domain import Role, Severity, utcnow
from checkins.services import intake, users
from checkins.services.views import Actor
from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.models import (
    CheckIn,
    Patient,
    Photo,
    ReviewItem,
    RuleHit,
    Treatment,
    TriageRecord,
)
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.services.helpers import RULES

SETUP = Actor(role=Role.ADMIN, name="test set-up", clinic_id=1)
PICKED_SKIN = {  # a day-1 check-in whose only finding is the "picked skin" review rule
    "temperature": None,
    "drainage_like_pus": False,
    "increased_warmth": False,
    "swelling": "mild",
    "redness": "mild",
    "oozing": False,
    "pain": 2,
    "picked_or_peeled_skin": True,
}

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:  # the pages import auth, state, staff… as Streamlit does
    sys.path.insert(0, str(DASHBOARD))

from state import StateKeys  # noqa: E402 - needs the path above

APP = str(DASHBOARD / "app.py")
TIMEOUT = 30


@dataclass
class Clinic:
    db: Database
    lee: Actor
    kim: Actor
    manager: Actor
    urgent_item: int
    review_item: int


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="PNG")
    return buf.getvalue()


def _checkin(
    s: Session, store: PhotoStore, t: Treatment, day: int, *, baseline: bool, a_star: float
) -> CheckIn:
    at = t.treated_at + timedelta(days=day, hours=2)
    c = CheckIn(
        clinic_id=1,
        treatment_id=t.id,
        client_submission_id=f"t{t.id}-d{day}-{baseline}",
        submitted_at=at,
        is_baseline=baseline,
        hours_since_treatment=day * 24 + 2,
        day_since_treatment=day,
        swelling=None if baseline else "mild",
        redness=None if baseline else "moderate",
        pain=None if baseline else 3,
        drainage_like_pus=None if baseline else day >= 3,
        notes="" if baseline else f"note on day {day}",
        mean_a_star=a_star,
        erythema_index=a_star * 20,
        red_area_fraction=a_star / 50,
    )
    s.add(c)
    s.flush()
    key = store.put(_png((200, 120 + day * 10, 110)))
    s.add(
        Photo(
            clinic_id=1,
            checkin_id=c.id,
            sha256=key,
            storage_key=key,
            display_key=key,
            thumb_key=key,
            original_name="face.png",
            width=64,
            height=48,
            format="PNG",
            quality_acceptable=day != 1,
            quality_issues=[] if day != 1 else ["too_dark"],
            mean_a_star=a_star,
            calibrated=day == 3,
        )
    )
    return c


def _queue(s: Session, c: CheckIn, severity: str, rank: int, rule: str, message: str) -> int:
    s.add(
        TriageRecord(
            checkin_id=c.id,
            severity=severity,
            reasons=[{"rule": rule, "severity": severity, "message": message, "because": []}],
            patient_message="",
            rules_version="test",
        )
    )
    s.add(RuleHit(checkin_id=c.id, rule_id=rule, severity=severity))
    item = ReviewItem(
        clinic_id=1,
        checkin_id=c.id,
        treatment_id=c.treatment_id,
        severity=severity,
        severity_rank=rank,
        status="new",
        created_at=c.submitted_at,
    )
    s.add(item)
    s.flush()
    return item.id


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    monkeypatch.setenv("CHECKINS_DATABASE_URL", url)
    db = Database.connect(url)
    schema.upgrade(db.engine)
    store = PhotoStore(Path(str(tmp_path / "checkins-home")) / "photos")
    now = utcnow()
    with db.session() as s:
        accounts = {}
        for username, name, role in (
            ("dr.lee", "Dr Lee", "provider"),
            ("np.kim", "NP Kim", "provider"),
            ("manager", "Morgan Manager", "manager"),
        ):
            u = users.add_user(
                session=s,
                actor=SETUP,
                username=username,
                display_name=name,
                role=role,
                password=None,
            )
            accounts[username] = users.actor_for(u)
        ada = Patient(clinic_id=1, display_name="Ada Urgent")
        bo = Patient(clinic_id=1, display_name="Bo Review")
        s.add_all([ada, bo])
        s.flush()
        t1 = Treatment(
            clinic_id=1,
            patient_id=ada.id,
            procedure="microneedling",
            treated_at=now - timedelta(days=3, hours=5),
            areas=["face"],
            needle_depth_mm=1.5,
        )
        t2 = Treatment(
            clinic_id=1,
            patient_id=bo.id,
            procedure="microneedling_rf",
            treated_at=now - timedelta(days=1, hours=5),
            areas=["neck"],
        )
        s.add_all([t1, t2])
        s.flush()
        _checkin(s, store, t1, 0, baseline=True, a_star=8.0)
        _checkin(s, store, t1, 1, baseline=False, a_star=14.0)
        urgent = _checkin(s, store, t1, 3, baseline=False, a_star=19.0)
        urgent_item = _queue(s, urgent, "urgent", 2, "pus_drainage", "Pus-like drainage reported")
        bo_actor = Actor(role=Role.PATIENT, name=bo.display_name, patient_id=bo.id,
                         treatment_id=t2.id, clinic_id=1)  # fmt: skip
        sent = intake.submit_checkin(
            session=s,
            ruleset=RULES,
            store=store,
            actor=bo_actor,
            treatment_id=t2.id,
            answers=parse_answers(PICKED_SKIN),
            photos=[],
            client_submission_id="bo-day-1-picked",
            submitted_at=now - timedelta(hours=3),
        )
        assert sent.review_item_id is not None and sent.triage.severity is Severity.REVIEW
        review_item = sent.review_item_id
    yield Clinic(
        db=db,
        lee=accounts["dr.lee"],
        kim=accounts["np.kim"],
        manager=accounts["manager"],
        urgent_item=urgent_item,
        review_item=review_item,
    )
    db.dispose()


def signed_in(actor: Actor) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[StateKeys.ACTOR] = actor
    at.session_state[StateKeys.LAST_SEEN] = utcnow()
    return at


def open_case(actor: Actor, item_id: int) -> AppTest:
    at = signed_in(actor)
    at.session_state[StateKeys.SELECTED_ITEM] = item_id
    at.run()
    at.switch_page("views/case.py").run()
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [x.value for x in at.success]
    parts += [i.value for i in at.info] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def test_provider_lands_on_queue_with_urgent_first(clinic: Clinic) -> None:
    at = signed_in(clinic.lee).run()
    assert not at.exception
    assert at.title[0].value == "Review queue"
    table = at.dataframe[0].value
    assert list(table["Patient"]) == ["Ada Urgent", "Bo Review"]
    assert table["Severity"][0] == "Urgent"
    assert table["Why"][0] == "pus drainage"
    # Who before why: on a phone the reasons run off the screen's edge, the patient does not.
    assert list(table.columns[:3]) == ["Severity", "Patient", "Why"]
    assert "over by" in table["Waiting (1 h target)"][0]  # queued three days ago, target 1 h
    assert at.sidebar.metric[0].value == "1"  # urgent cases waiting


def test_queue_filters(clinic: Clinic) -> None:
    at = signed_in(clinic.lee).run()
    at.selectbox[0].set_value("review").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Patient"]) == ["Bo Review"]
    at.selectbox[0].set_value(None).run()
    at.toggle[0].set_value(True).run()  # claimed by me: nothing yet
    assert "No cases match" in texts(at)


def test_selecting_a_row_opens_the_case(clinic: Clinic) -> None:
    at = signed_in(clinic.lee).run()
    at.session_state["queue_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.session_state[StateKeys.SELECTED_ITEM] == clinic.urgent_item
    assert at.title[0].value.startswith("Ada Urgent")


def test_case_shows_treatment_rules_answers_photos_chart(clinic: Clinic) -> None:
    at = open_case(clinic.lee, clinic.urgent_item)
    assert not at.exception
    body = texts(at)
    assert "Micro-needling on" in body and "needle depth 1.5 mm" in body
    assert "Pus-like drainage reported" in body
    answers = at.dataframe[0].value
    assert list(answers.columns) == ["Question", "Now (day 3)", "Before (day 1)"]
    pus = answers[answers["Question"] == "Drainage like pus"].iloc[0]
    assert (pus["Now (day 3)"], pus["Before (day 1)"]) == ("Yes", "No")
    captions = [c for img in at.get("image") for c in img.captions]  # type: ignore[attr-defined]
    assert len(captions) == 3  # baseline, previous and this one, side by side
    assert captions[0].startswith("Baseline, before treatment")
    assert "Previous, day 1 · issues: too dark" in captions[1]
    assert captions[2].startswith("This check-in, day 3") and "calibrated with" in captions[2]
    assert at.get("vega_lite_chart")


def test_claim_reply_resolve_are_audited_in_history(clinic: Clinic) -> None:
    at = open_case(clinic.lee, clinic.urgent_item)
    next(b for b in at.button if b.label == "Claim").click().run()
    assert not at.exception
    assert "You claimed it." in texts(at)
    assert "Claimed by **Dr Lee**" in texts(at)
    at.text_area[0].input("Please call us today.")
    next(b for b in at.button if b.label == "Send reply").click().run()
    assert "Reply sent." in texts(at)
    at.selectbox[0].set_value(at.selectbox[0].options[0])
    at.text_area[1].input("Called; visit booked.")
    next(b for b in at.button if b.label == "Resolve").click().run()
    assert not at.exception
    assert "Resolved:" in texts(at)
    history = at.dataframe[1].value
    whats = list(history["What"])
    assert "Claimed" in whats and "Message to patient" in whats
    assert any(w.startswith("Resolved") for w in whats)
    assert "Please call us today." in list(history["Detail"])
    with clinic.db.read() as s:
        item = s.get(ReviewItem, clinic.urgent_item)
        assert item is not None and item.status == "resolved"


def test_second_provider_is_told_who_claimed(clinic: Clinic) -> None:
    kim = open_case(clinic.kim, clinic.urgent_item)  # Kim opens it first…
    lee = open_case(clinic.lee, clinic.urgent_item)
    next(b for b in lee.button if b.label == "Claim").click().run()  # …Lee claims it
    next(b for b in kim.button if b.label == "Claim").click().run()  # Kim's page is stale
    assert not kim.exception
    warning = " ".join(w.value for w in kim.warning)
    assert "Dr Lee claimed this case" in warning
    assert "Claimed by **Dr Lee**" in texts(kim)
    history = kim.dataframe[-1].value  # the refusal is audited and shown
    refused = history[history["What"] == "Claimed (refused)"]
    assert list(refused["Who"]) == ["NP Kim"]
    assert list(history["What"]).count("Opened the case") == 2  # once per person, not per rerun


def test_manager_sees_trends_and_cannot_open_a_case(clinic: Clinic) -> None:
    at = signed_in(clinic.manager).run()
    assert not at.exception
    assert at.title[0].value == "Clinic trends"
    # Too few patients: the figure says "hidden", whole, and its help says why.
    hidden = [m for m in at.metric if m.value == "hidden"]
    assert hidden and all("fewer than 11 patients" in (m.help or "") for m in hidden)
    assert at.date_input[0].label == "Period (America/New_York)"  # the clinic's own dates
    import staff

    assert at.date_input[0].value[1] == staff.clinic_today("America/New_York")
    # A table's hidden group says so in a cell short enough to read whole.
    adherence = next(d.value for d in at.dataframe if "Check-ins due" in d.value.columns)
    assert set(adherence["Patients"]) == {"under 11"}
    # Decimals even down a column: the grid is told how to show each decimal column.
    curves = next(d for d in at.dataframe if "Median" in d.value.columns)
    config = json.loads(curves.proto.columns)
    shown = ("25th percentile", "Median", "75th percentile")
    assert {config[h]["type_config"]["format"] for h in shown} == {"%.2f"}
    assert len(at.get("download_button")) == 5
    assert "Ada Urgent" not in texts(at)
    # Not in the manager's navigation: the router refuses the page…
    with pytest.raises(ValueError, match=r"Known pages: .*trends\.py"):
        at.switch_page("views/case.py")
    # …and were the page reached anyway, the service refuses the case.
    page = AppTest.from_file(str(DASHBOARD / "views" / "case.py"), default_timeout=TIMEOUT)
    page.session_state[StateKeys.ACTOR] = clinic.manager
    page.session_state[StateKeys.SELECTED_ITEM] = clinic.urgent_item
    page.run()
    assert "Only providers can open patient cases." in [e.value for e in page.error]
    assert "Ada Urgent" not in texts(page)


@pytest.mark.parametrize("page", ["queue.py", "case.py", "trends.py"])
def test_patient_cannot_reach_staff_pages(clinic: Clinic, page: str) -> None:
    patient = Actor(role=Role.PATIENT, name="Ada Urgent", patient_id=1, treatment_id=1, clinic_id=1)
    at = AppTest.from_file(str(DASHBOARD / "views" / page), default_timeout=TIMEOUT)
    at.session_state[StateKeys.ACTOR] = patient
    at.session_state[StateKeys.SELECTED_ITEM] = clinic.urgent_item
    at.run()
    assert not at.exception
    assert at.error, "a patient is refused with a sentence"
    body = texts(at)
    assert "Bo Review" not in body and "Ada Urgent ·" not in body
    assert not at.dataframe


def test_provider_trends_page_renders(clinic: Clinic) -> None:
    at = signed_in(clinic.lee).run()
    at.switch_page("views/trends.py").run()
    assert not at.exception
    at.selectbox[0].set_value("microneedling").run()
    assert not at.exception
    assert at.title[0].value == "Clinic trends"


def test_a_case_arriving_before_the_click_does_not_change_which_case_opens(
    clinic: Clinic,
) -> None:
    at = signed_in(clinic.lee).run()
    assert list(at.dataframe[0].value["Patient"]) == ["Ada Urgent", "Bo Review"]
    # Before the provider's click reaches the server, Bo's case jumps to the top of the queue.
    with clinic.db.session() as s:
        s.execute(
            update(ReviewItem)
            .where(ReviewItem.id == clinic.review_item)
            .values(severity="urgent", severity_rank=2, created_at=utcnow() - timedelta(days=9))
        )
    at.session_state["queue_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()  # the provider clicked the second row they saw: Bo
    assert not at.exception
    assert at.session_state[StateKeys.SELECTED_ITEM] == clinic.review_item
    assert at.title[0].value.startswith("Bo Review")


def test_reply_and_note_boxes_stop_at_what_the_service_accepts(clinic: Clinic) -> None:
    """A longer reply used to be refused after typing, and the cleared form lost it."""
    from checkins.services import queue as queue_service

    at = open_case(clinic.lee, clinic.urgent_item)
    boxes = {t.label: t for t in at.text_area}
    assert boxes["Reply to the patient"].max_chars == queue_service.MAX_NOTE
    assert boxes["Note (staff only)"].max_chars == queue_service.MAX_NOTE


def test_resolving_needs_a_chosen_disposition(clinic: Clinic) -> None:
    """No pre-selected answer: 'contacted patient' must never be recorded by default."""
    at = open_case(clinic.lee, clinic.urgent_item)
    box = next(s for s in at.selectbox if s.label == "Disposition")
    assert box.value is None
    next(b for b in at.button if b.label == "Resolve").click().run()
    assert not at.exception
    assert "Choose how the case was resolved." in texts(at)
    with clinic.db.read() as s:
        item = s.get(ReviewItem, clinic.urgent_item)
        assert item is not None and item.status != "resolved" and item.disposition is None


def test_the_patients_whole_note_is_shown(clinic: Clinic) -> None:
    """The answers table used to cut the note off; the rule says "read it"."""
    note = "It itches along the jaw line and " * 30 + "this is where the note ends."
    with clinic.db.session() as s:
        item = s.get(ReviewItem, clinic.urgent_item)
        assert item is not None
        checkin = s.get(CheckIn, item.checkin_id)
        assert checkin is not None
        checkin.notes = note
    at = open_case(clinic.lee, clinic.urgent_item)
    assert not at.exception
    assert note in [t.value for t in at.text]
    assert "Notes" not in list(at.dataframe[0].value["Question"])
    assert "The patient's note (day 3)" in texts(at)


def test_only_the_owner_sees_reply_and_resolve_and_others_can_take_over(clinic: Clinic) -> None:
    lee = open_case(clinic.lee, clinic.urgent_item)
    next(b for b in lee.button if b.label == "Claim").click().run()
    kim = open_case(clinic.kim, clinic.urgent_item)
    assert not kim.exception
    labels = [b.label for b in kim.button]
    assert "Send reply" not in labels and "Resolve" not in labels and "Claim" not in labels
    assert "only they reply and resolve" in " ".join(i.value for i in kim.info)
    next(b for b in kim.button if b.label == "Take over").click().run()  # no reason given
    assert "Say why you are taking the case over" in texts(kim)
    kim.text_input(key=StateKeys.CASE_TAKE_OVER_REASON).input("Dr Lee went home sick")
    next(b for b in kim.button if b.label == "Take over").click().run()
    assert not kim.exception
    assert "You took the case over." in texts(kim)
    assert "Claimed by **NP Kim**" in texts(kim)
    assert {"Send reply", "Resolve", "Release"} <= {b.label for b in kim.button}
    history = kim.dataframe[-1].value
    took = history[history["What"] == "Took over"]
    assert list(took["Who"]) == ["NP Kim"]
    assert list(took["Detail"]) == ["from Dr Lee: Dr Lee went home sick"]


def test_case_times_are_in_clinic_time_with_the_zone(clinic: Clinic) -> None:
    at = open_case(clinic.lee, clinic.urgent_item)
    next(b for b in at.button if b.label == "Claim").click().run()
    history = at.dataframe[-1].value
    assert history.columns[0] == "When (America/New_York)"
    assert all(str(w).endswith((" EST", " EDT")) for w in history["When (America/New_York)"])
    assert "Times are the clinic's (America/New_York)." in texts(at)
    assert "Sent " in texts(at) and ("EST" in texts(at) or "EDT" in texts(at))


def test_a_patients_several_open_cases_are_linked(clinic: Clinic) -> None:
    with clinic.db.session() as s:
        c = s.scalars(
            select(CheckIn)
            .where(CheckIn.day_since_treatment == 1, CheckIn.is_baseline.is_(False))
            .order_by(CheckIn.id)
        ).first()
        assert c is not None
        other = _queue(s, c, "review", 1, "redness_after_7_days", "Redness after a week")
    at = signed_in(clinic.lee).run()
    patients = list(at.dataframe[0].value["Patient"])
    assert patients.count("Ada Urgent (2 open)") == 2
    assert "Bo Review" in patients
    case = open_case(clinic.lee, clinic.urgent_item)
    assert "Ada Urgent has 1 other open case" in " ".join(w.value for w in case.warning)
    links = [e for e in case.get("page_link") if "day 1" in str(e.proto.label)]
    assert links and f"item={other}" in links[0].proto.query_string


def test_the_chart_export_buttons_are_on_the_case(clinic: Clinic) -> None:
    at = open_case(clinic.lee, clinic.urgent_item)
    labels = [str(b.proto.label) for b in at.get("download_button")]
    assert labels == ["Print or export this case for the chart", "Export for the chart (FHIR R4)"]


def test_the_full_size_dialog_says_which_photo_it_shows(clinic: Clinic) -> None:
    import staff

    from checkins.services import queue as queue_service

    with clinic.db.session() as s:
        case = queue_service.open_case(session=s, actor=clinic.lee, item_id=clinic.urgent_item)
    titles = staff.photo_titles(case, "America/New_York")
    this = titles[case.checkin.photos[0].id]
    assert this.startswith("This check-in, day 3 · photo 1 of 1 · sent ")
    assert this.endswith((" EST", " EDT"))
    assert titles[case.baseline.photos[0].id].startswith("Baseline, before treatment")  # type: ignore[union-attr]


def test_a_small_clinic_sees_its_figures_and_no_empty_chart(clinic: Clinic) -> None:
    from checkins.services import queue as queue_service

    with clinic.db.session() as s:
        queue_service.resolve(
            session=s, actor=clinic.lee, item_id=clinic.urgent_item, disposition="no_action_needed"
        )
    at = signed_in(clinic.manager).run()
    assert not at.exception
    body = texts(at)
    # Two patients: no recovery curve to draw, said in a sentence instead of an empty axis.
    assert "No recovery curve for Mean a* (CIELAB)" in " ".join(i.value for i in at.info)
    charts_drawn = at.get("vega_lite_chart")
    assert len(charts_drawn) == 1  # the queue volume only
    assert "2 cases queued over" in body  # its text alternative
    frames = {tuple(d.value.columns): d.value for d in at.dataframe}
    times = next(f for cols, f in frames.items() if "To review: median (min)" in cols)
    assert "Patients" not in times.columns  # cases, not people
    everything = times.iloc[0]
    assert (everything["Severity"], everything["Cases"], everything["Resolved"]) == (
        "All cases",
        2,
        1,
    )
    assert str(times["To resolve: median (min)"].dtype) == "Int64"  # whole minutes
    rules = next(f for cols, f in frames.items() if "False-alarm rate (%)" in cols)
    assert list(rules["Rule"]) == ["Pus drainage"]
    assert list(rules["Resolved cases"]) == [1] and list(rules["False-alarm rate (%)"]) == [100.0]
    import staff

    csv = staff.csv_bytes(times).decode()
    header, first = csv.splitlines()[:2]
    assert header.startswith("Severity,Cases,Reviewed,To review: median (min)")
    assert first.startswith("All cases,2,1,") and ".0" not in first.split(",")[1]
    cells = first.split(",")
    assert all("." not in c for c in cells[1:]), first  # counts and minutes: integers


def test_another_clinics_provider_sees_nothing_of_this_clinic(clinic: Clinic) -> None:
    """Clinic B's provider: an empty queue, B's name in the sidebar, and A's case (selected by
    a forged id) answered as a missing one."""
    from checkins.services import clinic as clinics

    with clinic.db.session() as s:
        other = clinics.add_clinic(session=s, actor=SETUP, name="Harbor", phone="(555) 010-0242").id
        u = users.add_user(
            session=s, actor=Actor.system(other), username="dr.ortiz", display_name="Dr Ortiz",
            role="provider", password=None,
        )  # fmt: skip
        ortiz = users.actor_for(u)
    at = signed_in(ortiz).run()
    assert not at.exception
    body = texts(at)
    assert "Clinic: **Harbor**" in body
    assert "Ada Urgent" not in body and "Bo Review" not in body
    at = open_case(ortiz, clinic.urgent_item)
    assert not at.exception
    assert "That case is no longer in the queue." in texts(at)
    assert "Ada Urgent" not in texts(at)


def test_a_manager_of_an_organisation_chooses_its_clinics_trends(clinic: Clinic) -> None:
    from sqlalchemy import update

    from checkins.services import clinic as clinics
    from checkins.storage.models import ClinicSettings

    with clinic.db.session() as s:
        other = clinics.add_clinic(
            session=s, actor=SETUP, name="Harbor", organisation="Group",
            time_zone="America/Chicago",
        ).id  # fmt: skip
        s.execute(update(ClinicSettings).where(ClinicSettings.id == 1).values(organisation="Group"))
        manager = users.active_actor(session=s, user_id=clinic.manager.user_id or 0)
    assert manager is not None and manager.organisation_clinics == {1, other}
    at = signed_in(manager).run()
    assert not at.exception
    assert at.multiselect[0].label == "Clinics" and at.multiselect[0].value == [1]
    # The period's dates are on the calendar of the clinics shown, named in its label.
    assert at.date_input[0].label == "Period (America/New_York)"
    at.multiselect[0].set_value([1, other]).run()
    assert at.date_input[0].label == (
        "Period (each clinic's own dates: America/New_York, America/Chicago)"
    )
    at.multiselect[0].set_value([other]).run()
    assert not at.exception and at.title[0].value == "Clinic trends"
    assert at.date_input[0].label == "Period (America/Chicago)"
    at = signed_in(clinic.lee).run()
    at.switch_page("views/trends.py").run()
    assert not at.multiselect  # a provider reads their own clinic's trends only


def test_the_recovery_curves_draw_each_procedure_in_its_own_colour() -> None:
    """Two procedures in two colours anyone can tell apart (Okabe-Ito blue and vermillion),
    not the default palette's two light blues."""
    import charts

    from checkins.domain import PROCEDURE_LABELS, PROCEDURES
    from checkins.services import trends

    points = [
        trends.CurvePoint(p, "mean_a_star", day, 12, 12, 10.0, 11.5, 13.0, False)
        for p in PROCEDURES
        for day in (1, 3)
    ]
    chart = charts.recovery_curves(points, metric="mean_a_star")
    assert chart is not None
    for layer in chart.to_dict()["layer"]:
        scale = layer["encoding"]["color"]["scale"]
        assert scale["domain"] == [PROCEDURE_LABELS[p] for p in PROCEDURES]
        assert scale["range"] == ["#0072B2", "#D55E00"]


def test_the_period_is_labelled_with_the_clinics_zone() -> None:
    import staff

    from checkins.domain import utcnow

    assert staff.period_label(["America/New_York"]) == "Period (America/New_York)"
    assert staff.period_label(["America/New_York", "America/New_York"]) == (
        "Period (America/New_York)"
    )
    assert staff.period_label(["America/New_York", "America/Chicago"]) == (
        "Period (each clinic's own dates: America/New_York, America/Chicago)"
    )
    # 03:30 UTC on 2 December is still 1 December in New York.
    late = utcnow().replace(year=2026, month=12, day=2, hour=3, minute=30)
    assert str(staff.clinic_today("America/New_York", late)) == "2026-12-01"
    assert str(staff.clinic_today("UTC", late)) == "2026-12-02"
