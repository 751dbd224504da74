"""The dashboard sends its own security headers (dashboard/headers.py), with or without a proxy:
on the page, Streamlit's endpoints and its static files, and the browser still runs the app
under them (a patient's page and a signed-in provider, with no policy refusal)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.e2e.conftest import DESKTOP, Server
from tests.e2e.test_patient_journey import new_patient_link
from tests.e2e.test_provider_journey import LEE

pytestmark = pytest.mark.e2e

EXPECTED = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _headers(url: str) -> tuple[int, dict[str, list[str]]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback only
            status, raw = r.status, r.headers
    except urllib.error.HTTPError as refused:
        status, raw = refused.code, refused.headers
    found: dict[str, list[str]] = {}
    for name, value in raw.items():
        found.setdefault(name.lower(), []).append(value)
    return status, found


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),  # the page
        ("/_stcore/health", 200),
        ("/favicon.png", 200),  # a static file
        ("/media/0123456789abcdef.jpg", 404),  # no such file: refused, with the headers too
    ],
)
def test_every_response_has_the_security_headers(
    app_server: Server, path: str, status: int
) -> None:
    got, headers = _headers(app_server.url + path)
    assert got == status
    for name, value in EXPECTED.items():
        assert headers.get(name) == [value], (path, name, headers.get(name))


def test_the_app_runs_in_the_browser_under_them(browser: Browser, app_server: Server) -> None:
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    context = browser.new_context(viewport=DESKTOP)
    context.on("console", console)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        _, link = new_patient_link(app_server, "Hedda Headers")
        page.goto(link)
        expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible()
        response = page.goto(app_server.url)
        assert response is not None and response.headers["x-frame-options"] == "DENY"
        page.get_by_role("textbox", name="Username").fill(LEE[0])
        page.get_by_role("textbox", name="Password").fill(LEE[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
        assert refused == []
    finally:
        context.close()
