"""Admin → Clinic in a real browser: every save reaches the database (a newcomer saw every second
one lost), the phone is checked and formatted, and its extension is dialled by the patient's
call button. Runs on a server of its own: it changes the clinic's phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from checkins.services import clinic
from checkins.storage.db import Database
from tests.e2e.conftest import Server, start_server, stop_server
from tests.e2e.test_patient_journey import new_patient_link, settle, shot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(Path(tmp_path_factory.mktemp("e2e-admin")) / "home")
    try:
        yield server
    finally:
        stop_server(server)


def stored(server: Server) -> tuple[str, str, int]:
    db = Database.connect(server.db_url)
    try:
        with db.read() as s:
            c = clinic.clinic_settings(session=s, clinic_id=1)
            return c.name, c.phone, c.target_response_minutes
    finally:
        db.dispose()


def retype(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    box.press("Control+a")
    box.press_sequentially(value)


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    settle(page)


def test_every_save_is_kept_and_the_phone_is_checked(
    own_server: Server, desktop_page: Page
) -> None:
    page = desktop_page
    page.goto(own_server.url)
    page.get_by_label("Username").fill("admin")
    page.get_by_role("textbox", name="Password").fill("demo-admin-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("tab", name="Clinic").click()
    settle(page)

    # Four saves in a row, of another field or the same one again: none is lost.
    expected = {"Clinic name": stored(own_server)[0], "Target response (minutes)": "60"}
    for i, (label, value) in enumerate(
        [
            ("Clinic name", "Riverside One"),
            ("Clinic name", "Riverside Two"),
            ("Target response (minutes)", "45"),
            ("Clinic name", "Riverside Three"),
        ]
    ):
        retype(page, label, value)
        save(page)
        expected[label] = value
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
        name, _, minutes = stored(own_server)
        assert (name, str(minutes)) == (
            expected["Clinic name"],
            expected["Target response (minutes)"],
        ), f"save {i + 1} was lost"

    # Not a phone number: a sentence, and nothing stored.
    before = stored(own_server)
    retype(page, "Phone patients call", "call us")
    save(page)
    expect(page.get_by_text("“call us” is not a phone number we can dial")).to_be_visible()
    assert stored(own_server) == before

    # An extension: stored, shown formatted, dialled after the number.
    retype(page, "Phone patients call", "(555) 010-0199 ext. 2")
    save(page)
    assert stored(own_server)[1].endswith("ext. 2")
    shot(page, "admin-clinic-saved-1366")

    _, url = new_patient_link(own_server, "Ext Patient")
    page.goto(url)
    call = page.get_by_role("link", name=re.compile("Call the clinic"))
    expect(call).to_have_attribute("href", "tel:+1-555-010-0199;ext=2")
