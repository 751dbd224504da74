"""ui.plain: a name is shown as typed wherever Streamlit would read it as Markdown."""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from checkins.domain import Role, utcnow
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import intake, patients
from checkins.services.views import Actor
from checkins.storage.models import AlertContact, Patient, Treatment
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.dashboard.conftest import SETUP, Clinic, sign_in
from tests.dashboard.test_staff_pages import PICKED_SKIN
from tests.services.helpers import RULES

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "dashboard") not in sys.path:
    sys.path.insert(0, str(ROOT / "dashboard"))

import ui  # noqa: E402 - needs the path above


def _unescape(text: str) -> str:
    """What CommonMark shows for numeric character references (the inverse of ui.plain)."""
    return html.unescape(text).replace(ui.WORD_JOINER, "")


def test_every_markdown_mark_is_escaped_and_reads_back_as_typed() -> None:
    for name in [
        "![x](http://evil/x.png)",
        "**Dr** _Lee_",
        ":red[big]",
        "$x^2$",
        "<b>",
        "Dr. O'Neil",
        "www.x.com a@b.org",
    ]:
        escaped = ui.plain(name)
        assert _unescape(escaped) == name
        assert not re.search(r"[!\[\]()*_:$<`/@.]", escaped)  # no mark is left as itself


def test_urls_and_addresses_are_broken_up_so_no_autolink_can_form() -> None:
    shown = html.unescape(ui.plain("see http://evil/x www.evil.com me@evil.com"))
    assert "http://" not in shown and "www." not in shown and "e@e" not in shown
    assert shown.replace(ui.WORD_JOINER, "") == "see http://evil/x www.evil.com me@evil.com"


def test_line_breaks_cannot_start_a_heading_or_a_list() -> None:
    assert ui.plain("Dr Lee\n# Admin\n- x") == "Dr Lee &#35; Admin &#45; x"


def test_sign_in_caption_and_case_status_use_it() -> None:
    app = (ROOT / "dashboard" / "app.py").read_text()
    assert "ui.plain(actor.name)" in app
    case = (ROOT / "dashboard" / "case_ui.py").read_text()  # the case page's parts
    assert "ui.plain(item.claimed_by_name" in case


# ---- On each page: what a person typed (a name, a reason, a file name) is shown as typed -------

EVIL = "![x](http://127.0.0.1:1/x.png) **bold**"


def _shown_as_typed(values: list[str], what: str = EVIL) -> None:
    """Some element shows ``what``, and no element carries its Markdown as Markdown."""
    assert any(what in _unescape(v) for v in values), f"{what!r} is not shown"
    for v in values:
        assert "![x]" not in v and "**bold**" not in v and "http://" not in v, v


def _page_texts(at: Any) -> list[str]:
    found = [str(e.value) for kind in ("title", "markdown", "caption", "success", "warning")
             for e in getattr(at, kind)]  # fmt: skip
    return found + [str(e.proto.label) for e in at.get("page_link")]


@pytest.fixture
def evil(seeded: Clinic) -> Clinic:
    """Ann Alpha (treatment A) is renamed to the Markdown name."""
    with seeded.db.session() as s:
        t = s.get(Treatment, seeded.treatment_a)
        assert t is not None
        s.execute(update(Patient).where(Patient.id == t.patient_id).values(display_name=EVIL))
    return seeded


def _two_cases(clinic: Clinic) -> int:
    """Two check-ins from the renamed patient in the queue; the newest one's item."""
    with clinic.db.session() as s:
        t = s.get(Treatment, clinic.treatment_a)
        assert t is not None
        patient = Actor(role=Role.PATIENT, name=EVIL, patient_id=t.patient_id,
                        treatment_id=t.id, clinic_id=1)  # fmt: skip
        items = []
        for n in (1, 2):
            sent = intake.submit_checkin(
                session=s, ruleset=RULES, store=PhotoStore(Path(os.environ["CHECKINS_HOME"])),
                actor=patient, treatment_id=t.id, answers=parse_answers(PICKED_SKIN),
                photos=[], client_submission_id=f"evil-name-{n}",
                submitted_at=utcnow() - timedelta(hours=3 - n),
            )  # fmt: skip
            items.append(sent.review_item_id)
    assert all(items)
    return int(items[-1])  # type: ignore[arg-type]


def test_the_case_title_and_other_cases_show_the_name_as_typed(
    app: Callable[[], AppTest], evil: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKINS_HOME", str(tmp_path / "home"))
    item = _two_cases(evil)
    at = sign_in(app(), "dr.lee")
    at.query_params["item"] = str(item)
    at.switch_page("views/case.py").run()
    assert not at.exception
    _shown_as_typed([t.value for t in at.title])
    _shown_as_typed([w.value for w in at.warning])
    _shown_as_typed(_page_texts(at))


def test_enrolment_flash_record_title_and_discharge_reason_show_as_typed(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "frontdesk")
    next(t for t in at.text_input if t.label == "Full name").input(EVIL)
    at.date_input[0].set_value(date(1979, 5, 6))
    next(t for t in at.text_input if t.label == "Mobile phone").input("(555) 010-0777")
    at.form_submit_button[0].click().run()
    assert not at.exception
    _shown_as_typed([s.value for s in at.success])  # "Enrolled …"
    _shown_as_typed([t.value for t in at.title])
    with seeded.db.session() as s:
        pid = s.scalar(select(Patient.id).where(Patient.display_name == EVIL))
        assert pid is not None
        patients.discharge(session=s, actor=SETUP, patient_id=pid, reason="moved " + EVIL)
    at.run()
    assert not at.exception
    _shown_as_typed([w.value for w in at.warning], "moved " + EVIL)
    _shown_as_typed(_page_texts(at))


def test_the_admins_link_caption_and_a_failed_contact_show_as_typed(
    app: Callable[[], AppTest], evil: Clinic
) -> None:
    with evil.db.session() as s:
        s.add(AlertContact(clinic_id=1, position=1, channel="email", address="oncall@x.example",
                           failed_at=utcnow(), failure_reason=EVIL))  # fmt: skip
    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    _shown_as_typed([w.value for w in at.warning])  # the delivery failure
    targets = next(b for b in at.selectbox if b.label == "Treatment")
    mine = next(i for i, o in enumerate(targets.options) if o.startswith(EVIL))
    targets.select_index(mine).run()
    next(b for b in at.button if b.label == "Create link").click().run()
    assert not at.exception
    _shown_as_typed([c.value for c in at.caption])  # "For … only"


def test_an_uploaded_file_name_shows_as_typed(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = app()
    at.query_params["t"] = seeded.token(seeded.treatment_a)
    at.run()
    name = "![x](x.png) **bold**.jpg"  # a file name keeps no folder: no "/" in it
    jpeg = to_jpeg(skin_photo(redness=0.4, seed=1))
    at.file_uploader[0].set_value([(name, jpeg, "image/jpeg")]).run()
    assert not at.exception
    _shown_as_typed([m.value for m in at.markdown], name)
