"""The patient pages and the sign-in page in a real browser: axe-core finds no serious or
critical WCAG 2.1 A/AA problem, a patient checks in with the keyboard alone (reloading half
way, and finding their photo and answers again), the first screen of a phone holds what matters,
a link cut short by an SMS app gets a calm sentence, and a staff reload says why it signed out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, FileChooser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

from checkins.services.patient_form import NO
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, CheckinDraft, Photo
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DESKTOP, PHONE, Server, wait_for_draft
from tests.e2e.test_patient_journey import new_patient_link, photo, settle, shot, upload

# dashboard/auth.py's marker (the app's modules are not an importable package)
STAFF_TAB_COOKIE = "checkins_staff_tab"

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["phone", "desktop"])
def any_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def width(page: Page) -> int:
    return (page.viewport_size or PHONE)["width"]


def test_the_sign_in_page_is_accessible(app_server: Server, any_page: Page) -> None:
    any_page.goto(app_server.url)
    expect(any_page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    settle(any_page)
    assert_accessible(any_page, "the sign-in page")
    shot(any_page, f"sign-in-{width(any_page)}")


def test_above_the_fold_on_a_phone(app_server: Server, phone_page: Page) -> None:
    """Title, call button and the first step on the first 390 × 844 screen."""
    page = phone_page
    _, url = new_patient_link(app_server, "Fold Person")
    page.goto(url)
    title = page.get_by_role("heading", name="Day 1 after your treatment")
    call = page.get_by_role("link", name=re.compile(r"Call the clinic: \(555\) 010-0199"))
    step = page.get_by_role("heading", name=re.compile("1 · Photos"))
    uploader = page.locator("[data-testid='stFileUploaderDropzone'] button")
    for what in (title, call, step, uploader):
        expect(what).to_be_in_viewport()
        box = what.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    expect(call).to_have_attribute("href", "tel:+1-555-010-0199")
    settle(page)
    assert_accessible(page, "the check-in page")  # includes the phone number's contrast


def _focused(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(sel) => !!document.activeElement && document.activeElement.matches(sel)", selector
        )
    )


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (what a keyboard user does)."""
    for _ in range(limit):
        if _focused(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def open_file_chooser(page: Page) -> FileChooser:
    """Enter on the focused "Upload" button; pressed again if the first press came while the
    page was still wiring its handlers (Space is the other key a button answers to)."""
    for key in ("Enter", "Space", "Enter"):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
            return chooser.value
        except PlaywrightTimeoutError:
            settle(page)
    raise AssertionError("the keyboard could not open the file chooser")


def field(name: str, inner: str) -> str:
    return f".st-key-field-{name} {inner}"


def answer_first_radio(page: Page, name: str) -> None:
    tab_to(page, field(name, "input[type=radio]"))
    page.keyboard.press("Space")
    settle(page)
    expect(page.locator(field(name, "input[type=radio]")).first).to_be_checked()


def type_into(page: Page, name: str, text: str) -> None:
    tab_to(page, field(name, "input[type=text]"))
    page.keyboard.type(text)
    page.keyboard.press("Tab")  # leaving the box sends it
    settle(page)


def test_a_keyboard_only_check_in_survives_a_reload(app_server: Server, desktop_page: Page) -> None:
    page = desktop_page
    tid, url = new_patient_link(app_server, "Kim Keyboard", days_ago=1.3)
    page.goto(url)
    expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()
    settle(page)

    # The photo: Tab to the uploader's button, Enter opens the file chooser.
    tab_to(page, "[data-testid='stFileUploaderDropzone'] button")
    open_file_chooser(page).set_files(
        [photo("cheek.jpg", redness=0.4, seed=21)]  # type: ignore[list-item]
    )
    expect(page.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
    settle(page)
    type_into(page, "temperature", "37,1")
    answer_first_radio(page, "drainage_like_pus")  # "No"
    # Kept at the end of the run the answer started: wait for it, as a patient's pause would.
    wait_for_draft(
        app_server.db_url, tid, ["cheek.jpg"], {"temperature": "37,1", "drainage_like_pus": NO}
    )

    # A reload half way: the photo and the answers are still there.
    page.reload()
    expect(page.get_by_text("what you entered before is still here, with 1 photo")).to_be_visible()
    expect(page.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
    expect(page.get_by_label("Temperature", exact=True)).to_have_value("37,1")
    expect(page.locator(field("drainage_like_pus", "input[type=radio]")).first).to_be_checked()
    settle(page)
    assert_accessible(page, "the check-in page after a reload")
    shot(page, "patient-keyboard-1-restored-1366")

    # °C for the temperature: Tab to the unit, arrow right moves the choice.
    tab_to(page, field("temperature", "input[type=radio]:checked"))
    page.keyboard.press("ArrowRight")
    settle(page)
    for name in ("increased_warmth", "swelling", "redness", "oozing"):
        answer_first_radio(page, name)
    type_into(page, "pain", "2")
    answer_first_radio(page, "picked_or_peeled_skin")
    tab_to(page, "button[data-testid='stBaseButton-primary']")  # Send check-in
    page.keyboard.press("Enter")

    result = page.locator(".st-key-checkin-result")
    expect(result).to_contain_text("normal for this stage of healing")
    expect(result).to_be_in_viewport()  # scrolled into view, not left below the fold
    expect(result).to_be_focused()
    settle(page)
    assert_accessible(page, "the result")
    shot(page, "patient-keyboard-2-result-1366")

    db = Database.connect(app_server.db_url)
    try:
        with db.read() as s:
            checkin = s.scalars(select(CheckIn).where(CheckIn.treatment_id == tid)).one()
            assert (checkin.temperature_value, checkin.temperature_unit) == (37.1, "C")
            assert checkin.swelling == "none" and checkin.pain == 2
            assert len(s.scalars(select(Photo).where(Photo.checkin_id == checkin.id)).all()) == 1
            assert not s.scalars(
                select(CheckinDraft).where(CheckinDraft.treatment_id == tid)
            ).all()  # sent: the draft is gone
    finally:
        db.dispose()

    tab_to(page, "a[href*='patient_history']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My check-ins")).to_be_visible()
    settle(page)
    assert_accessible(page, "the history")


def test_the_history_on_a_phone_labels_the_baseline(app_server: Server, phone_page: Page) -> None:
    page = phone_page
    _, url = new_patient_link(app_server, "Bea Baseline", days_ago=-2)
    page.goto(url)
    expect(page.get_by_role("heading", name="2 days before your treatment")).to_be_visible()
    upload(page, photo("before.jpg", redness=0.2, seed=31))
    expect(page.get_by_text(re.compile("before.jpg.*good photo"))).to_be_visible()
    settle(page)
    page.get_by_role("button", name=re.compile("Send baseline photo")).click()
    expect(page.get_by_text("baseline photo is saved")).to_be_visible()
    settle(page)  # during a rerun the old link and the new one are both in the page
    page.get_by_role("link", name="My check-ins and replies").click()
    expect(page.get_by_text("Baseline: the photo later ones are compared with")).to_be_visible()
    expect(page.get_by_text("Normal for this stage of healing")).to_have_count(0)
    settle(page)
    assert_accessible(page, "the history with a baseline")
    shot(page, "patient-history-baseline-390")


def test_errors_all_at_once_on_a_phone(app_server: Server, phone_page: Page) -> None:
    page = phone_page
    _, url = new_patient_link(app_server, "Eli Errors")
    page.goto(url)
    expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()
    upload(page, *[photo(f"p{i}.jpg", redness=0.4, seed=50 + i) for i in range(9)])
    expect(page.get_by_text("at most 8 photos, so “p8.jpg” was not added")).to_be_visible()
    settle(page)
    page.get_by_label("Pain, from 0 (none) to 10 (worst)").fill("3.5")
    page.get_by_label("Pain, from 0 (none) to 10 (worst)").press("Tab")
    settle(page)
    page.get_by_role("button", name=re.compile("Send check-in")).click()
    errors = page.locator(".st-key-checkin-errors")
    expect(errors).to_contain_text("Please fix these 8 things")
    expect(errors).to_contain_text("3.5 is between two")
    expect(errors).to_be_in_viewport()
    settle(page)
    assert_accessible(page, "the form's errors")
    shot(page, "patient-errors-390")
    errors.get_by_role("link", name=re.compile("how red is the treated area")).click()
    expect(page.locator(field("redness", "input[type=radio]")).first).to_be_focused()


def test_a_link_cut_short_gets_a_calm_sentence(app_server: Server, any_page: Page) -> None:
    _, url = new_patient_link(app_server, "Sam Sms")
    any_page.goto(url[:-12])  # an SMS app cut the end off
    expect(any_page.get_by_role("heading", name="Please open your link again")).to_be_visible()
    expect(any_page.get_by_text("again from the clinic's message")).to_be_visible()
    expect(any_page.get_by_text("has been changed")).to_have_count(0)
    settle(any_page)
    assert_accessible(any_page, "the cut-link page")
    shot(any_page, f"patient-link-cut-{width(any_page)}")
    any_page.goto(url + ".")  # "open it here: LINK."
    expect(any_page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()


def test_a_staff_reload_says_why_it_signed_out(app_server: Server, desktop_page: Page) -> None:
    page = desktop_page
    page.goto(app_server.url)
    page.get_by_label("Username").fill("admin")
    page.get_by_role("textbox", name="Password").fill("demo-admin-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    settle(page)
    # The marker is written by a script the sidebar runs once painted: a reload before that
    # script ran would be one the page cannot explain, so wait for the marker, as a user would
    # (their reload comes seconds later, not in the same millisecond).
    page.wait_for_function(f"document.cookie.includes('{STAFF_TAB_COOKIE}=1')")
    page.reload()
    expect(page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    # The sentence comes with the rerun that reads the reload marker: wait for it, not 5 s.
    reason = page.get_by_text("signed out because the page was reloaded")
    expect(reason).to_be_visible(timeout=30_000)
    settle(page)
    assert_accessible(page, "the sign-in page explaining the reload")
    # Said once: the page clears the marker, and a plain visit later does not repeat it.
    page.wait_for_function(f"!document.cookie.includes('{STAFF_TAB_COOKIE}=1')")
    page.reload()
    expect(page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    settle(page)
    expect(page.get_by_text("signed out because the page was reloaded")).to_have_count(0)


def test_a_phone_camera_photo_is_accepted(app_server: Server, phone_page: Page) -> None:
    """What the uploader's "Camera" choice gives on a phone: 4032 × 3024, full resolution."""
    page = phone_page
    _, url = new_patient_link(app_server, "Cam Person")
    page.goto(url)
    expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()
    expect(page.get_by_text("Use this device's camera")).to_have_count(0)  # the 358 × 269 widget
    upload(page, photo("IMG_4032.jpg", width=4032, height=3024, redness=0.4, seed=61))
    expect(page.get_by_text(re.compile("IMG_4032.jpg.*good photo"))).to_be_visible()
    expect(page.get_by_text("too small")).to_have_count(0)
