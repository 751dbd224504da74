"""Providers and the manager in a real browser, on the demo clinic.

Dr Lee signs in, finds an urgent case at the top of the queue, opens it and sees the photos
beside the baseline; NP Kim opens the same case; Dr Lee claims it, and when Kim tries to claim
it too she is told who has it; Dr Lee replies and resolves; the manager's trends count one more
resolved case and one fewer open; axe-core checks the manager's clinic picker. Each step is
saved to docs/screenshots/provider-*.png and manager-*.png, at desktop width and, for the main
pages, at phone width.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from checkins.demo_accounts import DEMO_ACCOUNTS
from checkins.domain import Disposition, utcnow
from checkins.services import clinic, intake, queue, users
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, resize, settle
from tests.services.helpers import ADMIN as SETUP
from tests.services.helpers import RULES

pytestmark = pytest.mark.e2e

ACCOUNTS = {username: (username, password, name) for username, name, _, password in DEMO_ACCOUNTS}
LEE, KIM, MANAGER = ACCOUNTS["dr.lee"], ACCOUNTS["np.kim"], ACCOUNTS["manager"]
HEADER_PX, ROW_PX = 36, 35  # the data grid's header and row heights


def top_up_resolved_cases(server: Server, n: int = 12) -> None:
    """Add ``n`` patients whose check-in (picked skin, a "review" rule) was queued two days ago
    and resolved by Dr Lee, through the services: more cases for the manager's figures."""
    db = Database.connect(server.db_url)
    store = PhotoStore(server.home / "photos")
    answers = parse_answers(
        {
            "temperature": None,
            "drainage_like_pus": False,
            "increased_warmth": False,
            "swelling": "mild",
            "redness": "mild",
            "oozing": False,
            "pain": 2,
            "picked_or_peeled_skin": True,
        }
    )
    try:
        with db.session() as s:
            lee = users.actor_for_username(session=s, username=LEE[0])
        assert lee is not None
        for i in range(n):
            with db.session() as s:
                pid = clinic.create_patient(
                    session=s, actor=SETUP, display_name=f"Topup Patient {i:02d}"
                )
                tid = clinic.create_treatment(
                    session=s,
                    actor=SETUP,
                    patient_id=pid,
                    procedure="microneedling",
                    treated_at=utcnow() - timedelta(days=4),
                ).id
                done = intake.submit_checkin(
                    ruleset=RULES,
                    session=s,
                    store=store,
                    actor=Actor.system(1, "e2e"),
                    treatment_id=tid,
                    answers=answers,
                    photos=[],
                    client_submission_id=f"e2e-topup-{i:02d}",
                    submitted_at=utcnow() - timedelta(days=2),
                )
                assert done.review_item_id is not None
                queue.resolve(
                    session=s,
                    actor=lee,
                    item_id=done.review_item_id,
                    disposition=Disposition.NO_ACTION_NEEDED,
                    note="",
                )
    finally:
        db.dispose()


TALLEST = """() => Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
        .map(e => e.scrollHeight))"""


def shot(page: Page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main container, so a full-page screenshot
    of the document shows one screen only; grow the viewport to the content, then restore it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)  # the last rerun has finished and painted
    size = page.viewport_size
    assert size is not None
    height = min(int(page.evaluate(TALLEST)), 6000)
    resize(page, size["width"], max(height, size["height"]))
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    resize(page, size["width"], size["height"])


def sign_in(
    browser: Browser, server: Server, who: tuple[str, str, str], *, phone: bool = False
) -> Page:
    if phone:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url)
    page.get_by_role("textbox", name="Username").fill(who[0])
    page.get_by_role("textbox", name="Password").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {who[2]}")).to_be_attached(timeout=30_000)
    return page


def queue_cells(page: Page) -> list[str]:
    page.get_by_text("select a row to open the case").wait_for()
    cells = page.locator('[data-testid="stDataFrame"] [role="gridcell"]')
    cells.first.wait_for(state="attached")
    return [cells.nth(i).inner_text() for i in range(min(cells.count(), 8))]


def open_top_case(page: Page) -> str:
    """Select the first row of the queue (its row marker); return the case page's title."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX / 2)
    title = page.locator("h1").filter(has_text=re.compile(r" · day \d+"))
    title.wait_for()
    return title.inner_text()


OVERVIEW = """() => Object.fromEntries(
    [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')].map(m => [
        m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
        m.querySelector('[data-testid="stMetricValue"]').innerText.trim(),
    ]))"""


def overview(page: Page) -> dict[str, str]:
    """The trends page's headline figures, label to value. Only the main area's metrics (the
    sidebar's urgent count is a fragment rerun on a timer), read in one pass once the page has
    settled: reading each label and value by index in separate calls paired a label with
    another metric's value when the sidebar redrew in between (a CI failure: "5" resolved)."""
    page.get_by_role("button", name="Download rule false alarms (CSV)").wait_for()
    settle(page)
    figures: dict[str, str] = page.evaluate(OVERVIEW)
    assert set(figures) == {"Patients who checked in", "Check-ins", "Open cases",
                            "Resolved cases"}, figures  # fmt: skip
    return figures


def clinic_picker_is_accessible(page: Page, size: str) -> None:
    """The manager of two clinics picks whose trends to read: axe on the page, then on the
    picker's open list (each option a labelled choice), which Escape closes again."""
    picker = page.get_by_role("combobox", name=re.compile("Clinics"))
    expect(picker).to_be_visible()
    assert_accessible(page, f"the manager's trends with the clinic picker ({size})")
    picker.click()
    expect(page.get_by_role("option", name=re.compile("Harbor Skin Clinic"))).to_be_visible()
    settle(page)
    assert_accessible(page, f"the manager's clinic picker, open ({size})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)


def test_provider_claims_replies_resolves_and_manager_sees_it(
    browser: Browser, app_server: Server
) -> None:
    top_up_resolved_cases(app_server)
    manager = sign_in(browser, app_server, MANAGER)
    before = overview(manager)
    assert before["Resolved cases"].replace(",", "").isdigit(), before  # demo: not suppressed
    clinic_picker_is_accessible(manager, "desktop")
    shot(manager, "manager-1-trends")
    manager.context.close()

    lee = sign_in(browser, app_server, LEE)
    top = queue_cells(lee)
    assert top[0] == "Urgent", top
    expect(lee.locator('[data-testid="stSidebar"]')).to_contain_text("Urgent cases waiting")
    shot(lee, "provider-1-queue")
    title = open_top_case(lee)
    images = lee.locator('[data-testid="stImage"]')
    expect(images.first).to_be_visible()
    # This check-in's photo beside the baseline (and previous): wait for the second to draw.
    expect(images.nth(1)).to_be_visible()
    expect(lee.get_by_text(re.compile(r"^Baseline, before treatment"))).to_be_attached()
    expect(lee.locator('[data-testid="stVegaLiteChart"]').first).to_be_attached()
    shot(lee, "provider-2-case")

    kim = sign_in(browser, app_server, KIM)
    queue_cells(kim)
    assert open_top_case(kim) == title  # the same case, open on Kim's screen too

    lee.get_by_role("button", name="Claim", exact=True).click()
    expect(lee.get_by_text("You claimed it.")).to_be_visible()
    expect(lee.get_by_text(f"Claimed by {LEE[2]}")).to_be_visible()
    shot(lee, "provider-3-claimed")

    kim.get_by_role("button", name="Claim", exact=True).click()
    expect(kim.get_by_text(re.compile(rf"{re.escape(LEE[2])} claimed this case"))).to_be_visible()
    # Only the owner replies and resolves; Kim may take the case over, with a reason.
    expect(kim.get_by_role("button", name="Take over")).to_be_visible()
    expect(kim.get_by_role("button", name="Send reply")).to_have_count(0)
    shot(kim, "provider-4-someone-else-claimed")
    kim.context.close()

    lee.get_by_label("Reply to the patient").fill(
        "Thank you for the photos. Please call us today so we can see you."
    )
    lee.get_by_role("button", name="Send reply").click()
    expect(lee.get_by_text("Reply sent.")).to_be_visible()
    expect(lee.get_by_text("Please call us today so we can see you.").last).to_be_attached()
    lee.get_by_label("Note (staff only)").fill("Called the patient; visit booked for today.")
    lee.get_by_role("button", name="Resolve", exact=True).click()  # no disposition chosen yet
    expect(lee.get_by_text("Choose how the case was resolved.")).to_be_visible()
    lee.get_by_role("combobox", name="Disposition").click()
    lee.get_by_role("option", name="Contacted patient").click()
    lee.get_by_role("button", name="Resolve", exact=True).click()
    expect(lee.get_by_text("Resolved: Contacted patient.")).to_be_visible()
    shot(lee, "provider-5-resolved")
    lee.context.close()

    manager = sign_in(browser, app_server, MANAGER)
    after = overview(manager)
    shot(manager, "manager-2-trends-after")
    manager.context.close()

    def number(text: str) -> int:
        return int(text.replace(",", ""))

    assert number(after["Resolved cases"]) == number(before["Resolved cases"]) + 1
    assert number(after["Open cases"]) == number(before["Open cases"]) - 1


def test_staff_pages_on_a_phone(browser: Browser, app_server: Server) -> None:
    lee = sign_in(browser, app_server, LEE, phone=True)
    queue_cells(lee)
    shot(lee, "provider-phone-1-queue")
    open_top_case(lee)
    expect(lee.locator('[data-testid="stImage"]').first).to_be_visible()
    shot(lee, "provider-phone-2-case")
    lee.context.close()
    manager = sign_in(browser, app_server, MANAGER, phone=True)
    overview(manager)
    clinic_picker_is_accessible(manager, "phone")
    shot(manager, "manager-phone-trends")
    manager.context.close()


def test_a_signed_out_staff_address_shows_the_sign_in_page(
    app_server: Server, desktop_page: Page
) -> None:
    """A reload or a shared /case address, signed out: the sign-in page, no 'page not found'.

    Streamlit raises its dialog once the run has finished, so the check waits for that; and the
    same check on an address that does not exist must see the dialog, or it proves nothing.
    """
    desktop_page.goto(f"{app_server.url}/no-such-page")
    settle(desktop_page)
    expect(desktop_page.get_by_text("Page not found")).to_be_visible()
    desktop_page.goto(f"{app_server.url}/case?item=1")
    expect(desktop_page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    settle(desktop_page)
    expect(desktop_page.get_by_text("Page not found")).to_have_count(0)
    assert desktop_page.url.startswith(f"{app_server.url}/case")  # the address was kept
