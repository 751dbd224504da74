"""The headers docs/deploy.md tells the proxy to add do not break the dashboard.

Playwright stands in for the proxy: it adds the documented headers to every page it serves, and
the browser enforces them. The manager's trends (charts) and a provider's case (photos, a
chart) must render with no Content-Security-Policy violation.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Route, expect

from checkins.demo_accounts import DEMO_ACCOUNTS
from tests.e2e.conftest import CHROMIUM, DESKTOP, Server

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# A page Playwright fulfils loses Chromium's record that it came from this machine, and Local
# Network Access then blocks its WebSocket to 127.0.0.1; a real proxy has no such problem.
NO_LNA = "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessChecks"
# Streamlit points the favicon of a :material/...: page icon at fonts.gstatic.com; the policy
# blocks it (no request leaves for Google) and the tab shows no icon. Nothing else may be refused.
FAVICON = "fonts.gstatic.com"


def documented_headers() -> dict[str, str]:
    """The `add_header NAME "VALUE" always;` lines of the nginx example in docs/deploy.md."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    found = dict(re.findall(r'add_header ([A-Za-z-]+) "([^"]+)" always;', text))
    assert {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} <= set(found)
    return found


@pytest.mark.parametrize("who", ["manager", "dr.lee"])
def test_the_documented_csp_lets_every_page_work(
    browser: Browser, app_server: Server, who: str
) -> None:
    headers = documented_headers()
    password = {u: p for u, _, _, p in DEMO_ACCOUNTS}[who]
    proxied = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", NO_LNA],
    )
    context = proxied.new_context(viewport=DESKTOP)
    violations: list[str] = []

    def proxy(route: Route) -> None:
        if route.request.resource_type != "document":  # the policy comes with the page
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, **headers})

    def console(message: ConsoleMessage) -> None:
        text = message.text
        if ("Content Security Policy" in text or "Refused to" in text) and FAVICON not in text:
            violations.append(text)

    context.route("**/*", proxy)
    page = context.new_page()
    page.on("console", console)
    page.set_default_timeout(60_000)
    try:
        page.goto(app_server.url)
        page.get_by_role("textbox", name="Username").fill(who)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        if who == "manager":
            expect(page.get_by_role("heading", name="Clinic trends")).to_be_visible()
            chart = page.locator("[data-testid='stVegaLiteChart'] canvas, "
                                 "[data-testid='stVegaLiteChart'] svg").first  # fmt: skip
            expect(chart).to_be_visible()
        else:
            expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
            expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
        expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
        assert violations == []
    finally:
        context.close()
        proxied.close()


def test_streamlit_reads_the_projects_security_settings() -> None:
    """Through Streamlit's own config loader, from the repository root as `make run` does."""
    script = (
        "import json; from streamlit import config; config.get_config_options(force_reparse=True);"
        "print(json.dumps({k: config.get_option(k) for k in ("
        "'server.address', 'server.enableXsrfProtection', 'server.maxUploadSize',"
        "'client.showErrorDetails', 'client.disableDataExport', 'client.allowedOrigins')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    import json

    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "server.address": "127.0.0.1",
        "server.enableXsrfProtection": True,
        "server.maxUploadSize": 25,
        "client.showErrorDetails": "none",
        "client.disableDataExport": True,
        "client.allowedOrigins": [],
    }
