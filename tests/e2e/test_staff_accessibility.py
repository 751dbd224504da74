"""The staff pages in a real browser, checked by axe-core (WCAG 2.1 A/AA), at 1366 and 390 px.

An admin sees every staff page: the queue (with one patient's two open cases counted), a case,
its full-size photo dialog, the trends, the admin page and each of its tabs, the patients page
and its enrolment tab, a patient's record and each of its tabs, and a case a colleague holds
(with the take-over form). Axe skips what is hidden, so each tab is opened before it is
checked. Each must have no serious or critical violation; the dialog says which photo it shows;
the charts carry a text alternative. Screenshots go to docs/screenshots/staff-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from checkins.domain import utcnow
from checkins.services import intake, queue, users
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import ReviewItem, Treatment
from checkins.storage.photos import PhotoStore
from checkins.validation import parse_answers
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import SCREENSHOTS, Server, settle
from tests.e2e.test_provider_journey import (
    ACCOUNTS,
    HEADER_PX,
    LEE,
    ROW_PX,
    open_top_case,
    queue_cells,
    shot,
    sign_in,
)
from tests.services.helpers import RULES

pytestmark = pytest.mark.e2e

ADMIN = ACCOUNTS["admin"]
CLINIC_TIME = re.compile(r"sent \w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [AP]M [A-Z]{3,4}")


def second_open_case_for_the_top_patient(server: Server) -> str:
    """Queue a second (review) case for the patient of the oldest urgent case; their name."""
    db = Database.connect(server.db_url)
    try:
        with db.session() as s:
            item = s.scalars(
                select(ReviewItem)
                .where(ReviewItem.status == "new", ReviewItem.severity == "urgent")
                .order_by(ReviewItem.created_at, ReviewItem.id)
            ).first()
            assert item is not None
            treatment = s.get(Treatment, item.treatment_id)
            assert treatment is not None
            name = treatment.patient.display_name
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
                    "notes": "I picked at a flake on my chin this morning, sorry.",
                }
            )
            done = intake.submit_checkin(
                ruleset=RULES,
                session=s,
                store=PhotoStore(server.home / "photos"),
                actor=Actor.system(1, "e2e"),
                treatment_id=treatment.id,
                answers=answers,
                photos=[],
                client_submission_id=f"e2e-second-case-{treatment.id}",
                submitted_at=utcnow(),
            )
            assert done.review_item_id is not None
        return name
    finally:
        db.dispose()


def go_to(page: Page, title: str, heading: str, *, phone: bool) -> None:
    """Open a staff page from the navigation (the sidebar on a phone), as a person would."""
    link = page.get_by_role("link", name=title, exact=True).first
    expand = page.get_by_role("button", name="Expand sidebar")
    if phone and expand.is_visible():  # the collapsed sidebar keeps its links off screen
        expand.click()
    link.click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_attached()
    collapse = page.get_by_role("button", name="Collapse sidebar")
    if phone and collapse.is_visible():  # as a person would, to read the page
        collapse.click()
        expect(page.get_by_role("button", name="Expand sidebar")).to_be_visible()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_staff_pages_pass_axe_and_say_what_they_show(
    browser: Browser, app_server: Server, size: str
) -> None:
    phone = size == "phone"
    name = second_open_case_for_the_top_patient(app_server) if not phone else None
    page = sign_in(browser, app_server, ADMIN, phone=phone)
    queue_cells(page)
    if name is not None:
        expect(page.get_by_text("select a row to open the case")).to_be_visible()
        grid = page.locator('[data-testid="stDataFrame"]').first
        cell = grid.locator('[role="gridcell"]', has_text=f"{name} (2 open)")
        expect(cell.first).to_be_attached()
    assert_accessible(page, f"the queue ({size})")
    shot(page, f"staff-{size}-1-queue")

    open_top_case(page)
    expect(page.locator('[data-testid="stImage"]').first).to_be_visible()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_attached()
    expect(page.get_by_text(re.compile(r"Red: this patient\. .*this patient: "))).to_be_visible()
    export = page.get_by_role("button", name="Print or export this case for the chart")
    expect(export).to_be_visible()
    if name is not None:
        expect(page.get_by_text(re.compile(r"has 1 other open case"))).to_be_visible()
    assert_accessible(page, f"a case ({size})")
    shot(page, f"staff-{size}-2-case")

    page.get_by_role("button", name=re.compile(r"^Full size")).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(re.compile(r"Full size: \w[\w ,]* · photo 1 of \d+"))
    expect(dialog).to_contain_text(CLINIC_TIME)
    expect(dialog.locator("img")).to_have_attribute("alt", re.compile(r"^Photo: .* photo 1 of"))
    assert_accessible(page, f"the full-size photo ({size})")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-{size}-3-photo.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    go_to(page, "Trends", "Clinic trends", phone=phone)
    page.get_by_role("button", name="Download rule false alarms (CSV)").wait_for()
    expect(page.get_by_text(re.compile(r"cases queued over \d+ weeks"))).to_be_visible()
    assert_accessible(page, f"the trends ({size})")
    shot(page, f"staff-{size}-4-trends")

    go_to(page, "Admin", "Administration", phone=phone)
    assert_accessible(page, f"the admin page ({size})")
    shot(page, f"staff-{size}-5-admin")
    for name, shows in ADMIN_TABS.items():
        open_tab(page, name, shows(page))
        assert_accessible(page, f"the admin page's {name} tab ({size})")
    open_tab(page, "Patient links", page.get_by_role("button", name="Create link"))
    page.get_by_role("button", name="Create link").click()
    expect(page.locator("[data-testid='stCode']").filter(has_text="?t=")).to_be_visible()
    assert_accessible(page, f"the admin page's Patient links tab with a link ({size})")

    go_to(page, "Patients", "Patients", phone=phone)
    assert_accessible(page, f"the patients page ({size})")
    shot(page, f"staff-{size}-6-patients")
    open_tab(page, "Enrol a new patient", page.get_by_label("Full name"))
    assert_accessible(page, f"the patients page's Enrol tab ({size})")

    open_tab(page, "Find a patient", page.get_by_text("select a row to open it"))
    open_first_row(page)
    expect(page.get_by_role("tab", name="Record a treatment")).to_be_visible()
    for name, shows in RECORD_TABS.items():
        open_tab(page, name, shows(page))
        assert_accessible(page, f"the patient's record, {name} tab ({size})")
    expect(page.get_by_text("DeltaGenerator")).to_have_count(0)  # Streamlit's "magic"
    shot(page, f"staff-{size}-7-record-history")

    go_to(page, "Queue", "Review queue", phone=phone)
    queue_cells(page)
    with a_colleague_holding_the_top_case(app_server):
        open_top_case(page)
        expect(page.get_by_text(re.compile(rf"{LEE[2]} has this case"))).to_be_visible()
        expect(page.get_by_label("Why you are taking it over")).to_be_visible()
        expect(page.get_by_role("button", name="Take over")).to_be_visible()
        assert_accessible(page, f"a case claimed by a colleague, with the take-over form ({size})")
        shot(page, f"staff-{size}-8-take-over")
    page.context.close()


@contextmanager
def a_colleague_holding_the_top_case(server: Server) -> Iterator[None]:
    """Dr Lee claims the queue's top case (through the service) and lets it go afterwards, so
    the journeys that follow find the queue as it was."""
    db = Database.connect(server.db_url)
    try:
        with db.session() as s:
            admin = users.actor_for_username(session=s, username=ADMIN[0])
            lee = users.actor_for_username(session=s, username=LEE[0])
            assert admin is not None and lee is not None
            top = queue.list_queue(session=s, actor=admin, audit_read=False).rows[0].item_id
            queue.claim(session=s, actor=lee, item_id=top)
        yield
        with db.session() as s:
            queue.release(session=s, actor=lee, item_id=top)
    finally:
        db.dispose()


ADMIN_TABS: dict[str, Callable[[Page], Locator]] = {
    "Patient links": lambda p: p.get_by_role("button", name="Create link"),
    "Clinic": lambda p: p.get_by_label("Clinic name", exact=True),
    "On-call alerts": lambda p: p.get_by_role("button", name="Save contacts"),
}
RECORD_TABS: dict[str, Callable[[Page], Locator]] = {
    "Treatments": lambda p: p.get_by_role("button", name="Show the patient's link and QR code"),
    "Record a treatment": lambda p: p.get_by_role("button", name="Record treatment"),
    "Details": lambda p: p.get_by_role("button", name="End follow-up"),
    "History": lambda p: p.get_by_text("Check-ins", exact=True),
}


def open_tab(page: Page, name: str, shows: Locator | None = None) -> None:
    """Click a tab and wait until its panel is shown: axe skips what is hidden, so each tab is
    checked only once it is the one open."""
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    if shows is not None:
        expect(shows.first).to_be_visible()
    settle(page)


def open_first_row(page: Page) -> None:
    """Select the first row of the first table (its row marker), as a person would."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX / 2)
