"""Only a live staff session's browser fetches downloads (``dashboard/downloads.py``): the
browser is known by the token in Streamlit's XSRF cookie, recorded for each staff session."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

import downloads  # noqa: E402 - needs the path above

LEE_BROWSER, KIM_BROWSER = b"L" * 16, b"K" * 16


def header(cookie_value: str, *others: str) -> list[bytes]:
    """A request's Cookie header: other cookies around the XSRF one, as a browser sends them."""
    pairs = [*others, f"_streamlit_xsrf={cookie_value}"]
    return ["; ".join(pairs).encode("latin-1")]


@pytest.fixture(autouse=True)
def no_sessions() -> Iterator[None]:
    yield
    for sid in ("lee-tab", "lee-tab-2", "kim-tab"):
        downloads.revoke(sid)


def test_a_staff_sessions_browser_may_fetch_with_any_mask_of_its_token() -> None:
    downloads.admit("lee-tab", generate_xsrf_token_string(LEE_BROWSER))
    # The server re-masks the cookie on each response: the token inside is what counts.
    again = generate_xsrf_token_string(LEE_BROWSER)
    assert downloads.may_fetch(header(again, 'ui="a b"', "theme=light"))
    assert not downloads.may_fetch(header(generate_xsrf_token_string(KIM_BROWSER)))


@pytest.mark.parametrize(
    "cookies",
    [[], [b"theme=light"], [b"_streamlit_xsrf="], [b"_streamlit_xsrf=2|zz|not-hex|1"],
     [b"_streamlit_xsrf=garbage"]],
    ids=["no cookie", "other cookies", "empty", "malformed", "not a token"],
)  # fmt: skip
def test_no_cookie_or_a_broken_one_fetches_nothing(cookies: list[bytes]) -> None:
    downloads.admit("lee-tab", generate_xsrf_token_string(LEE_BROWSER))
    assert not downloads.may_fetch(cookies)


def test_sign_out_ends_the_browsers_downloads_once_no_staff_tab_is_left() -> None:
    cookie = generate_xsrf_token_string(LEE_BROWSER)
    downloads.admit("lee-tab", cookie)
    downloads.admit("lee-tab-2", cookie)  # a second tab of the same browser
    downloads.revoke("lee-tab")
    assert downloads.may_fetch(header(cookie))
    downloads.revoke("lee-tab-2")
    assert not downloads.may_fetch(header(cookie))


def test_a_session_whose_cookie_is_gone_is_forgotten() -> None:
    cookie = generate_xsrf_token_string(KIM_BROWSER)
    downloads.admit("kim-tab", cookie)
    downloads.admit("kim-tab", "")  # the next run came without the cookie
    assert not downloads.may_fetch(header(cookie))


def test_every_download_button_asks_for_no_rerun() -> None:
    """A click that reruns the page registers each button's callable anew (a new id) and drops
    the one clicked, so the browser's request for the file can find it gone: no download, an
    error under the button (seen in CI on the handout). Every button says ``on_click="ignore"``."""
    found = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "st.download_button":
                given = {k.arg: ast.unparse(k.value) for k in node.keywords}
                found.append((f"{path.name}:{node.lineno}", given.get("on_click")))
    assert len(found) >= 4, found  # the chart PDF, the FHIR bundle, the handout, the CSVs
    assert [where for where, on_click in found if on_click != "'ignore'"] == []
