"""Photos and the link's QR code are sent inside the page (data: URIs), never at a /media/ URL
that would answer without the session; the media route refuses rendered images."""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.testing.v1 import AppTest

from checkins.imaging.synthetic import skin_photo, to_jpeg
from tests.dashboard.conftest import Clinic, sign_in
from tests.dashboard.test_headers import http_scope, jpeg_app, run_asgi
from tests.dashboard.test_patient_pages import answer, good_jpeg, open_link, send
from tests.dashboard.test_staff_pages import Clinic as StaffClinic
from tests.dashboard.test_staff_pages import clinic, open_case

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

import inline  # noqa: E402 - needs the path above
from media_guard import MediaGuard  # noqa: E402

__all__ = ["clinic"]  # the staff pages' fixture, used here


def _decoded(uri: str) -> tuple[str, bytes]:
    head, _, body = uri.partition(",")
    assert head.startswith("data:image/") and head.endswith(";base64"), head
    return head[5:-7], base64.b64decode(body)


def _image_urls(at: AppTest) -> list[str]:
    return [url for img in at.get("image") for url in img.value]  # type: ignore[attr-defined]


def _all_inline(urls: list[str]) -> None:
    assert urls, "no image on the page"
    assert all(u.startswith("data:image/") for u in urls), [u[:40] for u in urls]


# ---- inline.data_uri ----------------------------------------------------------------------------


def test_a_display_copy_is_sent_as_it_is() -> None:
    jpeg = to_jpeg(skin_photo(width=640, height=480, seed=3))
    assert _decoded(inline.data_uri(jpeg)) == ("image/jpeg", jpeg)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 110)).save(png, format="PNG")
    assert _decoded(inline.data_uri(png.getvalue())) == ("image/png", png.getvalue())


def test_an_original_is_scaled_to_the_page_width() -> None:
    big = to_jpeg(skin_photo(width=3000, height=2000, seed=4))
    mime, data = _decoded(inline.data_uri(big, max_width=inline.PAGE_WIDTH))
    assert mime == "image/jpeg"
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (inline.PAGE_WIDTH, round(2000 * inline.PAGE_WIDTH / 3000))
    assert len(data) < len(big)


def test_another_format_is_reencoded() -> None:
    webp = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 110)).save(webp, format="WEBP")
    mime, data = _decoded(inline.data_uri(webp.getvalue()))
    assert mime == "image/jpeg" and data.startswith(b"\xff\xd8\xff")


# ---- the pages ----------------------------------------------------------------------------------


def test_the_case_photos_and_the_full_size_photo_are_in_the_page(clinic: StaffClinic) -> None:
    at = open_case(clinic.lee, clinic.urgent_item)
    assert not at.exception
    grid = _image_urls(at)
    assert len(grid) == 3  # baseline, previous, this one
    _all_inline(grid)
    full = next(b for b in at.button if b.label == "Full size")
    full.click().run()
    assert not at.exception
    shown = _image_urls(at)
    assert len(shown) == 4  # the dialog's photo, over the page
    _all_inline(shown)
    alts = [i.alt for img in at.get("image") for i in img.proto.imgs]  # type: ignore[attr-defined]
    assert all(a.startswith("Photo: ") for a in alts), alts


def test_the_patients_thumbnails_and_history_are_in_the_page(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    ann = open_link(app, seeded.token(seeded.treatment_a))
    ann.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    assert not ann.exception
    _all_inline(_image_urls(ann))  # the verdict's thumbnail
    answer(ann)
    send(ann)
    ann.switch_page("views/patient_history.py").run()
    assert not ann.exception
    _all_inline(_image_urls(ann))


def test_the_qr_code_of_the_link_is_in_the_page(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = sign_in(app(), "frontdesk")
    next(t for t in at.text_input if t.label == "Full name").input("Quinn Code")
    at.date_input[0].set_value(date(1980, 1, 2))
    next(t for t in at.text_input if t.label == "Mobile phone").input("(555) 010-0778")
    at.form_submit_button[0].click().run()
    next(b for b in at.form_submit_button if b.label == "Record treatment").click().run()
    next(b for b in at.button if b.label == "Show the patient's link and QR code").click().run()
    assert not at.exception
    urls = _image_urls(at)
    _all_inline(urls)
    assert _decoded(urls[0])[0] == "image/png"
    (qr,) = [i for img in at.get("image") for i in img.proto.imgs]  # type: ignore[attr-defined]
    assert qr.alt == "QR code of the patient's personal check-in link"


# ---- the middleware -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "staff_browser", "status"),
    [
        (MediaFileKind.MEDIA, True, 404),  # a rendered image: never, whoever asks
        (None, True, 404),  # a file the guard cannot look up: fails closed
        (MediaFileKind.DOWNLOADABLE, False, 403),  # a download, but not a staff browser's
        (MediaFileKind.DOWNLOADABLE, True, 200),
    ],
)
def test_the_media_route_serves_downloads_to_staff_browsers_only(
    kind: MediaFileKind | None, staff_browser: bool, status: int
) -> None:
    reached: list[str] = []
    asked: list[list[bytes]] = []

    def browser(cookies: list[bytes]) -> bool:
        asked.append(cookies)
        return staff_browser

    guard = MediaGuard(jpeg_app(reached), kind=lambda name: kind, browser=browser)
    for method in ("GET", "HEAD"):
        scope = http_scope("/media/0123abcd.jpg", method)
        scope["headers"] = [(b"cookie", b"_streamlit_xsrf=2|aa|bb|1")]
        sent = run_asgi(guard, scope)
        assert sent[0]["status"] == status
        assert (b"\xff\xd8\xff" in sent[-1]["body"]) is (status == 200)
    assert reached == (["/media/0123abcd.jpg"] * 2 if status == 200 else [])
    if kind is MediaFileKind.DOWNLOADABLE:  # the request's own cookies were asked about
        assert asked == [[b"_streamlit_xsrf=2|aa|bb|1"]] * 2
    for other in ("/_stcore/health", "/static/media/SourceSansVF-Upright.woff2"):
        run_asgi(
            guard, http_scope(other)
        )  # any other route passes untouched, Streamlit's fonts too
        assert reached[-1] == other


def test_the_guard_follows_the_base_url_path() -> None:
    reached: list[str] = []
    guard = MediaGuard(jpeg_app(reached), kind=lambda name: None, base_url_path="/clinic/")
    assert run_asgi(guard, http_scope("/clinic/media/0123abcd.jpg"))[0]["status"] == 404
    assert run_asgi(guard, http_scope("/media/0123abcd.jpg"))[0]["status"] == 200  # not this route
