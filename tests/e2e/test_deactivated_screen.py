"""A deactivated account's open screen is signed out by its next timed refresh, not left live,
and the sign-in page that says so passes axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from checkins.services import users
from checkins.storage.db import Database
from tests.dashboard.conftest import SETUP
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DESKTOP, Server, settle

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"


def test_an_open_queue_signs_out_once_the_account_is_deactivated(
    browser: Browser, app_server: Server
) -> None:
    app_server.checkins(
        "users", "add", "leaving.soon", "--name", "Dr Leaving", "--role", "provider",
        "--password", PASSWORD, "--clinic", "1",
    )  # fmt: skip
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_server.url)
        page.get_by_role("textbox", name="Username").fill("leaving.soon")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible(timeout=30_000)
        db = Database.connect(app_server.db_url)
        try:
            with db.session() as s:
                users.set_active(session=s, actor=SETUP, username="leaving.soon", active=False)
        finally:
            db.dispose()
        # Nobody touches the page: only the timed refresh (every 15 s) can notice.
        expect(page.get_by_text("This account is no longer active.")).to_be_visible(timeout=45_000)
        expect(page.get_by_role("heading", name="Review queue")).to_have_count(0)
        settle(page)
        assert_accessible(page, "the sign-in page saying the account is no longer active")
    finally:
        context.close()
