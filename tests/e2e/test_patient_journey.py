"""A patient on a 390-px phone opens their link, has a blurred photo sent back for a retake,
answers with a 102 °F fever, sends, and sees the urgent guidance; the check-in, its photos and
their metrics are in the database. Each step is saved to docs/screenshots/patient-*.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from checkins.domain import utcnow
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import clinic
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Photo
from tests.e2e.conftest import SCREENSHOTS, Server, resize, settle
from tests.services.helpers import ADMIN as SETUP

pytestmark = pytest.mark.e2e


def new_patient_link(server: Server, name: str, *, days_ago: float = 1.3) -> tuple[int, str]:
    """A fresh patient treated ``days_ago`` days ago, and their link on this server."""
    db = Database.connect(server.db_url)
    try:
        with db.session() as s:
            pid = clinic.create_patient(session=s, actor=SETUP, display_name=name)
            tid = clinic.create_treatment(
                session=s,
                actor=SETUP,
                patient_id=pid,
                procedure="microneedling",
                treated_at=utcnow() - timedelta(days=days_ago),
            ).id
    finally:
        db.dispose()
    url = (
        server.checkins("link", "--treatment", str(tid), "--base-url", server.url, "--clinic", "1")
        .strip()
        .splitlines()[-1]
    )
    return tid, url


def shot(page: Page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to fit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)  # the last rerun has finished and painted
    size = page.viewport_size or {"width": 390, "height": 844}
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stAppViewContainer]')].map(e => e.scrollHeight), window.innerHeight)"
    )
    resize(page, size["width"], min(int(height), 6000))
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    resize(page, size["width"], size["height"])


def photo(name: str, **kw: object) -> dict[str, object]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": to_jpeg(skin_photo(**kw))}


def upload(page: Page, *files: dict[str, object]) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        list(files)  # type: ignore[arg-type]
    )


def choose(page: Page, question: str, option: str) -> None:
    """Answer one question by its radio group's accessible name. Each answer is saved to the
    draft with a rerun, during which the old and the new group can both be on the page: wait
    for the app to settle, then pick the group by its role and name."""
    settle(page)
    group = page.get_by_role("radiogroup", name=re.compile(re.escape(question)))
    group.get_by_text(option, exact=True).click()


def test_urgent_checkin_on_a_phone(app_server: Server, phone_page: Page) -> None:
    page = phone_page
    tid, url = new_patient_link(app_server, "Jordan Phone")
    page.goto(url)
    expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()
    # The whole form is drawn (not grey placeholder bars) before the picture is taken.
    expect(page.get_by_role("radiogroup", name=re.compile("getting warmer"))).to_be_visible()
    shot(page, "patient-1-today")  # shot() settles: no skeleton bar is left (conftest.settle)

    upload(
        page,
        photo("blurry.jpg", redness=0.5, blur=12.0, seed=5),
        photo("cheek.jpg", redness=0.6, seed=6),
    )
    expect(page.get_by_text("please retake")).to_be_visible()
    expect(page.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
    shot(page, "patient-2-retake")

    # Remove the blurred photo and take it again.
    chip = page.locator("[data-testid='stFileChip']").filter(has_text="blurry.jpg")
    chip.locator("[data-testid='stFileChipDeleteBtn']").click()
    expect(page.get_by_text("please retake")).to_have_count(0)
    upload(page, photo("retake.jpg", redness=0.6, seed=7))
    expect(page.get_by_text(re.compile("retake.jpg.*good photo"))).to_be_visible()
    settle(page)

    page.get_by_label("Temperature", exact=True).fill("102")
    page.get_by_label("Temperature", exact=True).press("Tab")
    settle(page)  # the answer is saved to the draft: wait for that rerun to finish
    choose(page, "drainage that looks like pus", "No")
    choose(page, "getting warmer", "No")
    choose(page, "How swollen", "Mild")
    choose(page, "How red", "Moderate (like a sunburn)")
    choose(page, "oozing clear fluid", "No")
    page.get_by_label("Pain, from 0 (none) to 10 (worst)").fill("4")
    page.get_by_label("Pain, from 0 (none) to 10 (worst)").press("Tab")
    choose(page, "picked, rubbed or peeled", "No")
    expect(page.get_by_label("Temperature", exact=True)).to_have_value(re.compile(r"^102(\.0)?$"))
    shot(page, "patient-3-answers")

    page.get_by_role("button", name=re.compile("Send check-in")).click()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("Contact the office now")
    call = page.get_by_role("link", name=re.compile("Call the office"))
    expect(call).to_have_attribute("href", re.compile(r"^tel:\+[\d-]+$"))
    shot(page, "patient-4-urgent")

    db = Database.connect(app_server.db_url)
    try:
        with db.read() as s:
            checkins = s.scalars(select(CheckIn).where(CheckIn.treatment_id == tid)).all()
            assert len(checkins) == 1
            c = checkins[0]
            assert c.temperature_f == 102.0 and c.triage is not None
            assert c.triage.severity == "urgent"
            photos = s.scalars(select(Photo).where(Photo.checkin_id == c.id)).all()
            assert sorted(p.original_name for p in photos) == ["cheek.jpg", "retake.jpg"]
            assert all(p.quality_acceptable and p.mean_a_star is not None for p in photos)
            assert c.mean_a_star is not None
    finally:
        db.dispose()

    page.goto(url)  # the result stays on screen until the patient starts a new check-in
    page.get_by_role("link", name="My check-ins and replies").click()
    expect(page.get_by_role("heading", name="My check-ins")).to_be_visible()
    expect(page.locator("[data-testid='stImage']")).to_have_count(2)
    shot(page, "patient-5-history")


def test_the_same_page_on_a_desktop(app_server: Server, desktop_page: Page) -> None:
    _, url = new_patient_link(app_server, "Riley Desktop", days_ago=3.2)
    desktop_page.goto(url)
    expect(desktop_page.get_by_role("heading", name="Day 3 after your treatment")).to_be_visible()
    shot(desktop_page, "patient-desktop")


def test_a_tampered_link_on_a_phone(app_server: Server, phone_page: Page) -> None:
    _, url = new_patient_link(app_server, "Casey Tamper")
    phone_page.goto(url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB"))
    expect(phone_page.get_by_role("heading", name="This link can't be opened")).to_be_visible()
    expect(phone_page.get_by_text("Casey Tamper")).to_have_count(0)
    shot(phone_page, "patient-link-refused")
