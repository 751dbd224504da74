"""A read is audited once per visit to a page, not once per rerun (AppTest, real router).

Each test opens a page, reruns it twice (as clicks and the queue's timed refresh do), and counts
the audit rows; then leaves for another page and comes back: a new visit, one more row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from checkins.domain import Role, utcnow
from checkins.services import intake, trends
from checkins.services.views import Actor
from checkins.storage.models import AuditEvent, Treatment
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.dashboard.conftest import Clinic, sign_in
from tests.services.helpers import RULES

PICKED_SKIN = {
    "temperature": None,
    "drainage_like_pus": False,
    "increased_warmth": False,
    "swelling": "mild",
    "redness": "mild",
    "oozing": False,
    "pain": 2,
    "picked_or_peeled_skin": True,
}


def rows(seeded: Clinic, action: str) -> int:
    with seeded.db.read() as s:
        return int(s.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


def queued_case(seeded: Clinic, tmp_path: Path) -> int:
    """Ann sends a check-in through the real intake; a "picked skin" rule queues it."""
    with seeded.db.session() as s:
        t = s.get(Treatment, seeded.treatment_a)
        assert t is not None
        ann = Actor(role=Role.PATIENT, name="Ann Alpha", patient_id=t.patient_id,
                    treatment_id=t.id, clinic_id=1)  # fmt: skip
        sent = intake.submit_checkin(
            session=s,
            ruleset=RULES,
            store=PhotoStore(tmp_path / "photos"),  # no photos: nothing is stored
            actor=ann,
            treatment_id=t.id,
            answers=parse_answers(PICKED_SKIN),
            photos=[],
            client_submission_id="visits-ann-day-1",
            submitted_at=utcnow() - timedelta(minutes=5),
        )
    assert sent.review_item_id is not None
    return sent.review_item_id


def test_the_queue_is_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic, tmp_path: Path
) -> None:
    queued_case(seeded, tmp_path)
    at = sign_in(app(), "dr.lee")
    assert not at.exception and at.title[0].value == "Review queue"
    assert rows(seeded, "view_queue") == 1
    at.run()
    at.run()
    assert rows(seeded, "view_queue") == 1  # two reruns: no new row
    at.switch_page("views/trends.py").run()
    at.switch_page("views/queue.py").run()
    assert not at.exception
    assert rows(seeded, "view_queue") == 2  # a new visit


def test_the_case_is_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic, tmp_path: Path
) -> None:
    item = queued_case(seeded, tmp_path)
    at = sign_in(app(), "dr.lee")
    at.query_params["item"] = str(item)
    at.switch_page("views/case.py").run()
    assert not at.exception and at.title[0].value.startswith("Ann Alpha")
    assert rows(seeded, "view_case") == 1
    at.run()
    at.radio[0].set_value(trends.METRICS[-1]).run()  # a click on the chart's metric
    assert not at.exception
    assert rows(seeded, "view_case") == 1
    at.switch_page("views/queue.py").run()
    at.query_params["item"] = str(item)
    at.switch_page("views/case.py").run()
    assert rows(seeded, "view_case") == 2


def test_the_patient_record_is_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "frontdesk")
    with seeded.db.read() as s:
        pid = s.get(Treatment, seeded.treatment_b).patient_id  # type: ignore[union-attr]
    at.session_state["patients_selected"] = pid
    at.switch_page("views/patient_record.py").run()
    assert not at.exception and at.title[0].value == "Ben Beta"
    assert rows(seeded, "patient.view") == 1
    at.run()
    at.run()
    assert rows(seeded, "patient.view") == 1
    at.switch_page("views/patients.py").run()
    at.switch_page("views/patient_record.py").run()
    assert rows(seeded, "patient.view") == 2


def test_the_patient_history_is_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = app()
    at.query_params["t"] = seeded.token(seeded.treatment_a)
    at.run()
    assert not at.exception
    at.switch_page("views/patient_history.py").run()
    assert not at.exception and at.title[0].value == "My check-ins"
    opened = rows(seeded, "view_patient_home")
    at.run()
    at.run()
    assert rows(seeded, "view_patient_home") == opened  # reruns read without a new row
    at.switch_page("views/patient_checkin.py").run()
    at.switch_page("views/patient_history.py").run()
    # Two new visits, each read once: the check-in page, then the history again.
    assert rows(seeded, "view_patient_home") == opened + 2


def test_the_check_in_page_is_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = app()
    at.query_params["t"] = seeded.token(seeded.treatment_a)
    at.run()
    assert not at.exception
    opened = rows(seeded, "view_patient_home")
    assert opened >= 1
    at.run()
    at.run()
    assert rows(seeded, "view_patient_home") == opened  # the form's reruns: no new row
    at.switch_page("views/patient_history.py").run()
    after_history = rows(seeded, "view_patient_home")
    at.switch_page("views/patient_checkin.py").run()
    assert not at.exception
    assert rows(seeded, "view_patient_home") == after_history + 1  # back again: a new visit


def test_the_admin_pages_link_targets_and_delivery_log_are_audited_once_per_visit(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    # Every tab's body runs on each rerun (Streamlit draws hidden tabs too).
    assert rows(seeded, "link.list_targets") == 1
    assert rows(seeded, "deliveries.view") == 1
    at.run()
    at.run()
    assert rows(seeded, "link.list_targets") == 1
    assert rows(seeded, "deliveries.view") == 1
    at.switch_page("views/queue.py").run()
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert rows(seeded, "link.list_targets") == 2
    assert rows(seeded, "deliveries.view") == 2
