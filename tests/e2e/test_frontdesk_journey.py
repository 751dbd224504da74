"""The front desk enrols a patient in a real browser, records the treatment, takes the
baseline, prints the handout and hands over the link; the patient opens it on a phone and
checks in. At 1366 px and at 390 px; screenshots in docs/screenshots/frontdesk-*.png."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Patient, ScheduledCheckin, Treatment
from tests.e2e.conftest import PHONE, SCREENSHOTS, Server
from tests.e2e.test_patient_journey import choose, photo, settle, shot
from tests.e2e.test_provider_journey import sign_in

pytestmark = pytest.mark.e2e
FRONT_DESK = ("frontdesk", "demo-frontdesk-1", "Jordan Front Desk")


def fill_date(page: Page, label: str, value: str) -> None:
    """Streamlit's date field is a group of segments (year, month, day): type into them."""
    group = page.get_by_label(label, exact=True)
    group.locator("[role='spinbutton']").first.click()
    page.keyboard.type(value.replace("-", ""))
    page.keyboard.press("Tab")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_front_desk_enrols_and_the_patient_checks_in(
    browser: Browser, app_server: Server, tmp_path: Path, width: str
) -> None:
    name = f"Dana Enrolled {width.title()}"
    page = sign_in(browser, app_server, FRONT_DESK, phone=width == "phone")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_role("tab", name="Enrol a new patient").click()
    page.get_by_label("Full name").fill(name)
    fill_date(page, "Date of birth", "1979-05-06")
    page.get_by_label("Mobile phone").fill("call us")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_text("is not a phone number we can dial")).to_be_visible()
    page.get_by_label("Mobile phone").fill("(555) 010-0777")
    shot(page, f"frontdesk-1-enrol-{width}")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    page.get_by_role("tab", name="Record a treatment").click()
    page.get_by_label("Needle depth (mm)").fill("1.5")
    page.get_by_role("button", name="Record treatment").click()
    expect(page.get_by_text("Treatment recorded")).to_be_visible()
    page.get_by_role("tab", name="Treatments", exact=True).click()
    page.get_by_role("button", name="Show the patient's link and QR code").click()
    code = page.locator("[data-testid='stCode']").filter(has_text="?t=").first
    expect(code).to_be_visible()
    url = re.search(r"https?://\S+\?t=[\w.\-]+", re.sub(r"\s", "", code.text_content() or ""))
    assert url is not None
    expect(page.get_by_role("img", name=re.compile("Scan", re.I)).or_(
        page.locator("[data-testid='stImage']"))).to_be_visible()  # fmt: skip
    shot(page, f"frontdesk-2-link-{width}")

    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Print the handout")).click()
    pdf = tmp_path / "handout.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is installed by tools/ensure-chromium.sh"
    subprocess.run(
        [pdftoppm, "-png", "-r", "70", "-singlefile", str(pdf), str(SCREENSHOTS / "handout")],
        check=True,
        timeout=60,
    )
    assert (SCREENSHOTS / "handout.png").stat().st_size > 10_000

    page.get_by_text("Baseline photo", exact=True).click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").last.set_input_files(
        [photo("baseline.jpg", redness=0.2, seed=31)]  # type: ignore[list-item]
    )
    expect(page.get_by_text(re.compile("baseline.jpg.*good photo"))).to_be_visible()
    page.get_by_role("button", name="Save baseline").click()
    expect(page.get_by_text("Baseline photo saved.")).to_be_visible()
    shot(page, f"frontdesk-3-baseline-{width}")
    page.context.close()

    patient = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True).new_page()  # fmt: skip
    patient.set_default_timeout(60_000)
    patient.goto(url.group(0))
    expect(patient.get_by_role("heading", name=re.compile(r"^Day \d"))).to_be_visible()
    expect(patient.get_by_text(re.compile("next treatment usually"))).to_be_visible()
    patient.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        [photo("cheek.jpg", redness=0.5, seed=32)]  # type: ignore[list-item]
    )
    expect(patient.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
    settle(patient)
    patient.get_by_label("Temperature", exact=True).fill("98.6")
    patient.get_by_label("Temperature", exact=True).press("Tab")
    choose(patient, "drainage that looks like pus", "No")
    choose(patient, "getting warmer", "No")
    choose(patient, "How swollen", "Mild")
    choose(patient, "How red", "Moderate (like a sunburn)")
    choose(patient, "oozing clear fluid", "Yes")
    patient.get_by_label("Pain, from 0 (none) to 10 (worst)").fill("2")
    patient.get_by_label("Pain, from 0 (none) to 10 (worst)").press("Tab")
    choose(patient, "picked, rubbed or peeled", "No")
    patient.get_by_role("button", name=re.compile("Send check-in")).click()
    expect(patient.get_by_text(re.compile("check-in looks as expected|with your provider"))
           ).to_be_visible()  # fmt: skip
    shot(patient, f"frontdesk-4-patient-checked-in-{width}")
    patient.context.close()

    db = Database.connect(app_server.db_url)
    try:
        with db.read() as s:
            p = s.scalars(select(Patient).where(Patient.display_name == name)).one()
            assert p.phone_e164 == "+15550100777"
            t = s.scalars(select(Treatment).where(Treatment.patient_id == p.id)).one()
            assert t.needle_depth_mm == 1.5
            rows = s.scalars(select(CheckIn).where(CheckIn.treatment_id == t.id)).all()
            assert sorted(c.is_baseline for c in rows) == [False, True]
            days = s.scalars(
                select(ScheduledCheckin.day).where(ScheduledCheckin.treatment_id == t.id)
            ).all()
            assert sorted(days) == [1, 3, 7, 14, 28]
    finally:
        db.dispose()
