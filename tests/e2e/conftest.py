"""A real dashboard server and a real headless Chromium (Debian's /usr/bin/chromium).

``app_server`` prepares a throwaway CHECKINS_HOME (``checkins init`` + ``checkins demo``), serves
``dashboard/serve.py`` (the router behind the upload guard) on a free port and stops it at the
end of the session. Pages are phone-sized (390 × 844) or desktop-sized (1366 × 900).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@dataclass
class Server:
    url: str
    home: Path
    db_url: str
    env: dict[str, str]
    demo: dict[str, object] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def checkins(self, *args: str) -> str:
        """Run the `checkins` command against this server's home; its stdout."""
        done = subprocess.run(
            [str(BIN / "checkins"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=300,
        )
        return done.stdout.decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# Streamlit marks its root element with the script's run state ("initial", "running",
# "rerunRequested", "notRunning", …) and shows the status widget while a run is under way.
# Once the run is over, a widget whose code the browser is still loading (radios, text boxes:
# loaded on first use) is drawn as a grey skeleton bar for a moment: not settled yet either.
APP_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid="stStatusWidget"]')
      && !document.querySelector('[data-testid="stSkeleton"]');
}"""
# Two animation frames: whatever the last run changed has been laid out and painted.
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def settle(page: Page, timeout: float = 60_000) -> None:
    """Wait until the app has finished its reruns and painted them (no fixed wait): call it
    after an action, so what follows sees the page the action led to."""
    page.evaluate(PAINTED)  # let the action's own state change (a rerun requested) land first
    page.wait_for_function(APP_IDLE, timeout=timeout)
    page.evaluate(PAINTED)


def resize(page: Page, width: int, height: int) -> None:
    """Set the viewport and wait until the page has been laid out at that size."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(
        "([w, h]) => window.innerWidth === w && window.innerHeight === h", arg=[width, height]
    )
    settle(page)  # a resize can rerun nothing, but charts and grids redraw at the new width


def stored_draft(db_url: str, treatment_id: int) -> tuple[list[str], dict[str, object]]:
    """What the database holds of a treatment's check-in draft: its photos' names, answers."""
    from sqlalchemy import select

    from checkins.storage.db import Database
    from checkins.storage.models import CheckinDraft

    db = Database.connect(db_url)
    try:
        with db.read() as s:
            row = s.scalar(select(CheckinDraft).where(CheckinDraft.treatment_id == treatment_id))
            if row is None:
                return [], {}
            return [str(p["name"]) for p in row.photos or []], dict(row.answers or {})
    finally:
        db.dispose()


def wait_for_draft(
    db_url: str, treatment_id: int, photos: list[str], answers: dict[str, object],
    timeout: float = 60.0,
) -> None:  # fmt: skip
    """Wait until the draft holds exactly ``photos`` and at least ``answers``. The page keeps
    the draft at the end of the run a change started, a few seconds on under load: a reload
    before then rightly finds the draft as it was, as a patient's pause would not."""
    deadline = time.monotonic() + timeout
    while True:
        names, kept = stored_draft(db_url, treatment_id)
        if names == photos and all(kept.get(k) == v for k, v in answers.items()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the draft holds {names}, {kept}; wanted {photos}, {answers}")
        time.sleep(0.1)  # polling the database for the condition, not a timed wait


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)  # the interval between polls of the health endpoint
    raise RuntimeError(f"streamlit did not become healthy at {url} in {timeout:.0f} s")


def start_server(home: Path, *, extra_env: dict[str, str] | None = None) -> Server:
    """Prepare ``home`` with the demo clinic and serve the dashboard from it."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKINS_")}
    env.update(
        CHECKINS_HOME=str(home),
        CHECKINS_SECRET_KEY="e2e-secret-key-" + "k" * 40,
        PYTHONUNBUFFERED="1",
        **(extra_env or {}),
    )
    server = Server(url=url, home=home, db_url=f"sqlite:///{home / 'checkins.db'}", env=env)
    server.checkins("init")
    server.demo = json.loads(server.checkins("demo", "--json", "--base-url", url))
    # The demo clinic keeps office hours; the journeys must not depend on the hour they run at.
    server.checkins("init", "--office-hours", "always", "--clinic", "1")  # the demo has two
    log = (home / "streamlit.log").open("wb")
    server.process = subprocess.Popen(
        [
            str(BIN / "streamlit"),
            "run",
            "dashboard/serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(url, server.process)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: Server) -> None:
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("e2e") / "home")
    try:
        yield server
    finally:
        stop_server(server)


def launch_chromium(pw: Playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run tools/ensure-chromium.sh (apt-get install chromium)")
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
