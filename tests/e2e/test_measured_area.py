"""The measured area in a real browser: a provider overlays the zones on a real face.

A patient's baseline and an urgent check-in are real portraits (matplotlib's Grace Hopper, the
face filling the frame, and its inflamed version, tests/imaging/realfaces.py). Dr Lee opens the
case, turns on "Show the measured area", and each photo is redrawn with the zones outlined.
Screenshots: docs/screenshots/provider-measured-area-{desktop,phone}.png. The case's "Export for
the chart (FHIR R4)" download is validated with fhir.resources' R4B models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from checkins.domain import utcnow
from checkins.services import clinic, intake
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import Patient, ReviewItem, Treatment
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.e2e.conftest import PHONE, Server, start_server, stop_server
from tests.e2e.test_provider_journey import LEE, open_top_case, queue_cells, shot, sign_in
from tests.imaging.realfaces import variants
from tests.services.helpers import RULES

pytestmark = pytest.mark.e2e
NAME = "Grace Measured"


@pytest.fixture(scope="module")
def face_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own whose only open case is the real-face check-in."""
    server = start_server(tmp_path_factory.mktemp("measured") / "home")
    db = Database.connect(server.db_url)
    store = PhotoStore(Path(server.home) / "photos")
    by_name = {v.name: v.data for v in variants("grace_hopper")}
    system = Actor.system(1, "e2e")
    try:
        with db.session() as s:
            s.execute(update(ReviewItem).values(status="resolved"))  # the demo's cases
            pid = clinic.create_patient(session=s, actor=system, display_name=NAME)
            treated = utcnow() - timedelta(days=2)
            tid = clinic.create_treatment(
                session=s,
                actor=system,
                patient_id=pid,
                procedure="microneedling",
                treated_at=treated,
            ).id
        for sub, data, baseline in (
            ("e2e-face-base", by_name["face_fills_frame"], True),
            ("e2e-face-day2", by_name["inflamed"], False),
        ):
            photo = intake.prepare_photo(data, name="face.jpg", isolated=False)
            answers = None
            if not baseline:
                answers = parse_answers(
                    {"temperature": {"value": 102.0, "unit": "F"}, "drainage_like_pus": False,
                     "increased_warmth": False, "swelling": "mild", "redness": "moderate",
                     "oozing": False, "pain": 3, "picked_or_peeled_skin": False}
                )  # fmt: skip
            with db.session() as s:
                intake.submit_checkin(ruleset=RULES,
                    session=s, store=store, actor=system, treatment_id=tid, answers=answers,
                    photos=[photo], client_submission_id=sub, is_baseline=baseline,
                    submitted_at=treated - timedelta(hours=1) if baseline else utcnow(),
                )  # fmt: skip
        yield server
    finally:
        db.dispose()
        stop_server(server)


def _first_photo_src(page: Page) -> str:
    img = page.locator('[data-testid="stImage"] img').first
    expect(img).to_be_visible()
    return str(img.get_attribute("src"))


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_provider_overlays_the_measured_zones(
    browser: Browser, face_case: Server, phone: bool
) -> None:
    lee = sign_in(browser, face_case, LEE, phone=phone)
    queue_cells(lee)
    assert NAME in open_top_case(lee)
    before = _first_photo_src(lee)
    lee.get_by_text("Show the measured area").click()
    expect(lee.get_by_text("Redness is measured only inside the outlined zones")).to_be_visible()
    # Both photos (baseline and this check-in) are redrawn with their zones.
    expect(lee.locator('[data-testid="stImage"] img').first).not_to_have_attribute("src", before)
    expect(lee.locator('[data-testid="stImage"] img').nth(1)).to_be_visible()
    shot(lee, f"provider-measured-area-{'phone' if phone else 'desktop'}")
    if not phone:
        # "Export for the chart": the case as a FHIR R4 Bundle that validates.
        with lee.expect_download() as got:
            lee.get_by_role("button", name="Export for the chart (FHIR R4)").click()
        path = got.value.path()
        bundle = json.loads(Path(path).read_text(encoding="utf-8"))
        Bundle.model_validate(bundle)
        kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert {"Patient", "Procedure", "QuestionnaireResponse", "Media", "Flag", "Task"} <= kinds
    lee.context.close()


def patient_link(server: Server) -> str:
    """The personal link of the real-face case's patient."""
    db = Database.connect(server.db_url)
    try:
        with db.read() as s:
            tid = s.scalar(select(Treatment.id).join(Patient).where(Patient.display_name == NAME))
    finally:
        db.dispose()
    return server.checkins("link", "--treatment", str(tid), "--base-url", server.url,
                           "--clinic", "1").strip().splitlines()[-1]  # fmt: skip


def test_a_cheek_on_a_wooden_table_is_asked_for_again(browser: Browser, face_case: Server) -> None:
    """A real cheek close-up laid on a skin-coloured surface: the patient is told, in the slot
    of the photo's verdict, to take it again on a plain background."""
    closeup = next(v for v in variants("grace_hopper") if v.name == "closeup_on_wooden_table")
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(patient_link(face_case))
        expect(page.get_by_role("heading", name=re.compile("after your treatment"))).to_be_visible()
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            [{"name": "cheek.jpg", "mimeType": "image/jpeg", "buffer": closeup.data}]
        )
        expect(page.get_by_text(re.compile("has a colour like skin"))).to_be_visible()
        expect(page.get_by_text(re.compile("against a plain, light background"))).to_be_visible()
        shot(page, "patient-photo-background-phone")
    finally:
        context.close()
