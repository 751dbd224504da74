"""A staff display name is text on every page, never Markdown: no remote image is fetched."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Request, expect

from tests.e2e.conftest import DESKTOP, Server

pytestmark = pytest.mark.e2e

EVIL = "![x](http://evil.invalid/x.png) :red[Dr] $x$"


def test_a_markdown_display_name_is_shown_as_typed(browser: Browser, app_server: Server) -> None:
    app_server.checkins(
        "users", "add", "md.name", "--name", EVIL, "--role", "provider",
        "--password", "a long enough password", "--clinic", "1",
    )  # fmt: skip
    context = browser.new_context(viewport=DESKTOP)
    fetched: list[str] = []

    def watch(request: Request) -> None:
        if "evil.invalid" in request.url:
            fetched.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_server.url)
        page.get_by_role("textbox", name="Username").fill("md.name")
        page.get_by_role("textbox", name="Password").fill("a long enough password")
        page.get_by_role("button", name="Sign in").click()
        sidebar = page.locator("[data-testid='stSidebar']")
        caption = sidebar.get_by_text("Signed in as")
        expect(caption).to_be_visible(timeout=30_000)
        # As typed (an invisible word joiner keeps GFM from turning the URL into a link).
        assert EVIL in caption.inner_text().replace("\u2060", "")
        assert sidebar.locator("img").count() == 0
        assert sidebar.locator("a[href*='evil.invalid']").count() == 0  # not even a link
        assert page.locator("img[src*='evil.invalid']").count() == 0
        assert fetched == []
    finally:
        context.close()
