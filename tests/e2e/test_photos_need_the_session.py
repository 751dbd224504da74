"""A patient's photo (or the QR code of their link) cannot be fetched without their session,
nor a download without a signed-in staff browser.

Streamlit serves ``st.image(bytes)`` at ``/media/<hash>.jpg`` to anyone holding the address, for
as long as its media store keeps the file. Dr Lee opens a case with photos and its full-size
photo, and the patient opens their history and checks a new photo; every image the page shows
or loaded is then asked for by a fresh client with no cookie and no session: none answers with
an image. The photos themselves are in the page (data: URIs), drawn, with their alt text.
"""

from __future__ import annotations

import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PHONE, Server, settle
from tests.e2e.test_measured_area import NAME, face_case, patient_link
from tests.e2e.test_patient_journey import photo, upload
from tests.e2e.test_provider_journey import LEE, MANAGER, open_top_case, queue_cells, sign_in

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

import downloads  # noqa: E402 - needs the path above

pytestmark = pytest.mark.e2e
__all__ = ["face_case"]  # the measured-area test's server: one open case, two real photos

# Every image address the page holds or has fetched: <img> sources, CSS backgrounds, and the
# browser's own record of image requests (an image already replaced still shows there).
IMAGE_URLS = """() => {
  const urls = new Set();
  for (const img of document.images) { const u = img.currentSrc || img.src; if (u) urls.add(u); }
  for (const el of document.querySelectorAll('*')) {
    const bg = getComputedStyle(el).backgroundImage;
    for (const m of bg.matchAll(/url\\(["']?([^"')]+)["']?\\)/g)) urls.add(m[1]);
  }
  for (const e of performance.getEntriesByType('resource')) {
    const image = e.initiatorType === 'img' || e.initiatorType === 'css';
    if (image || /\\/media\\//.test(e.name)) urls.add(e.name);
  }
  return [...urls];
}"""
DRAWN = "imgs => imgs.every(img => img.complete && img.naturalWidth > 0)"


def _photos_drawn(page: Page, alt: re.Pattern[str], at_least: int) -> list[str]:
    """Wait until at least ``at_least`` images named ``alt`` are drawn; their sources."""
    images = page.get_by_role("img", name=alt)
    expect(images.nth(at_least - 1)).to_be_visible()
    settle(page)
    page.wait_for_function(DRAWN, arg=images.element_handles())
    return [str(images.nth(i).get_attribute("src")) for i in range(images.count())]


def _inline(sources: list[str]) -> None:
    assert all(s.startswith("data:image/") for s in sources), [s[:60] for s in sources]


def _nothing_without_the_session(page: Page, server: Server) -> list[str]:
    """Ask for every image address of the page as a stranger would; return the ones tried."""
    tried = []
    for url in page.evaluate(IMAGE_URLS):
        if url.startswith("data:"):
            continue
        absolute = urljoin(server.url + "/", url)
        if not absolute.startswith(server.url):
            continue  # another origin: nothing of ours (and nothing is loaded from one)
        tried.append(absolute)
        try:
            with urllib.request.urlopen(absolute, timeout=10) as r:  # noqa: S310 - loopback
                kind, status = r.headers.get("Content-Type", ""), r.status
        except urllib.error.HTTPError as refused:
            kind, status = refused.headers.get("Content-Type", ""), refused.code
        assert not (status == 200 and kind.startswith("image/")), (absolute, status, kind)
    return tried


def test_a_cases_photos_need_the_providers_session(browser: Browser, face_case: Server) -> None:
    lee = sign_in(browser, face_case, LEE)
    queue_cells(lee)
    assert NAME in open_top_case(lee)
    grid = _photos_drawn(lee, re.compile(r"^Photo: "), at_least=2)  # baseline, this check-in
    lee.get_by_role("button", name="Full size").first.click()
    dialog = lee.get_by_role("dialog")
    expect(dialog.get_by_role("img", name=re.compile(r"^Photo: Baseline"))).to_be_visible()
    full = _photos_drawn(lee, re.compile(r"^Photo: Baseline"), at_least=2)  # grid and dialog
    tried = _nothing_without_the_session(lee, face_case)
    _inline(grid + full)
    assert not [u for u in tried if urlsplit(u).path.startswith("/media/")], tried  # none at all
    lee.context.close()


def test_a_patients_photos_need_the_patients_session(browser: Browser, face_case: Server) -> None:
    link = patient_link(face_case)
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(link)
        expect(page.get_by_role("heading", name=re.compile("after your treatment"))).to_be_visible()
        upload(page, photo("cheek.jpg", redness=0.5, seed=61))
        expect(page.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
        checked = _photos_drawn(page, re.compile(r"^Your photo cheek\.jpg"), at_least=1)
        _nothing_without_the_session(page, face_case)
        _inline(checked)
        page.get_by_role("link", name="My check-ins and replies").click()
        expect(page.get_by_role("heading", name="My check-ins")).to_be_visible()
        history = _photos_drawn(page, re.compile(r": photo 1$"), at_least=2)  # baseline, day 2
        tried = _nothing_without_the_session(page, face_case)
        _inline(history)
        assert not [u for u in tried if urlsplit(u).path.startswith("/media/")], tried
    finally:
        context.close()


def _fetch(url: str) -> tuple[int, bytes]:
    """Ask for ``url`` as a stranger: no cookie, no session."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback
            return r.status, r.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_a_download_needs_a_signed_in_staff_browser(browser: Browser, face_case: Server) -> None:
    """The trends' CSV is served at a /media/ address; only the manager's own browser, signed
    in, gets it. A stranger with the address and a patient's browser get the sentence."""
    manager = sign_in(browser, face_case, MANAGER)
    button = manager.get_by_role("button", name="Download rule false alarms (CSV)")
    with manager.expect_download() as got:
        button.click()
    url = got.value.url
    assert urlsplit(url).path.startswith("/media/"), url
    assert got.value.path().read_bytes().startswith(b"Rule,"), "the download itself worked"

    mine = manager.context.request.get(url)  # the same browser, its cookies: served
    assert mine.status == 200 and mine.body().startswith(b"Rule,"), mine.status
    status, body = _fetch(url)
    assert (status, body) == (403, downloads.REFUSED)

    patient = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = patient.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(patient_link(face_case))
        expect(page.get_by_role("heading", name=re.compile("after your treatment"))).to_be_visible()
        theirs = patient.request.get(url)  # a patient's signed-in browser is not staff
        assert (theirs.status, theirs.body()) == (403, downloads.REFUSED)
    finally:
        patient.close()

    manager.get_by_role("button", name="Sign out").click()
    expect(manager.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    after = manager.context.request.get(url)
    assert after.status in (403, 404), after.status  # refused, or already dropped
    assert not after.body().startswith(b"Rule,")
    manager.context.close()
