"""The upload endpoint refuses files before sign-in, and beyond a cap per session.

A probe once filled the server's memory from the sign-in page by PUTting 20 × 24 MB to
``/_stcore/upload_file/<session>/<file>``. Here a real server (``dashboard/serve.py``) and a
real browser session: its session id comes from the server's first message on the websocket,
and the PUTs are made from inside the page, as Streamlit's uploader makes them.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.conftest import DESKTOP, Server, start_server, stop_server

pytestmark = pytest.mark.e2e
MB = 1024 * 1024
CAP_MB, CAP_FILES = 3, 4
PROVIDER = ("dr.lee", "demo-provider-1")

PUT = """async ([url, size]) => {
  const token = (document.cookie.match(/(?:^|; )_streamlit_xsrf=([^;]*)/) || [])[1] || "";
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(size)], {type: "image/jpeg"}), "photo.jpg");
  const r = await fetch(url, {method: "PUT", body: form, headers: {"X-Xsrftoken": token},
                              credentials: "same-origin"});
  return r.status;
}"""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, with small caps so the test stays light."""
    server = start_server(
        tmp_path_factory.mktemp("uploads") / "home",
        extra_env={
            "CHECKINS_UPLOAD_MAX_MB": str(CAP_MB),
            "CHECKINS_UPLOAD_MAX_FILES": str(CAP_FILES),
        },
    )
    try:
        yield server
    finally:
        stop_server(server)


def open_session(browser: Browser, server: Server) -> tuple[Page, str]:
    """A browser tab on the sign-in page, and its Streamlit session id."""
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.set_default_timeout(60_000)
    ids: list[str] = []

    def on_socket(ws: WebSocket) -> None:
        def on_frame(payload: bytes | str) -> None:
            if isinstance(payload, bytes) and not ids:
                msg = ForwardMsg.FromString(payload)
                if msg.WhichOneof("type") == "new_session":
                    ids.append(msg.new_session.initialize.session_id)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
    page.wait_for_function("() => document.cookie.includes('_streamlit_xsrf=')")
    assert ids, "the server sent no new-session message"
    return page, ids[0]


def put(page: Page, server: Server, session_id: str, size: int) -> int:
    url = f"{server.url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}"
    status: int = page.evaluate(PUT, [url, size])
    return status


def rss_bytes(server: Server) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def raw_put_status(server: Server, session_id: str, length: int) -> int:
    """Headers only, announcing ``length`` bytes: the answer comes before any body is sent."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"PUT /_stcore/upload_file/{session_id}/{uuid.uuid4()} HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {length}\r\n\r\n"
            ).encode()
        )
        head = sock.recv(4096).decode("latin-1")
    return int(head.split()[1])


def test_uploads_are_refused_before_sign_in_and_memory_does_not_grow(
    browser: Browser, guarded: Server
) -> None:
    page, sid = open_session(browser, guarded)
    try:
        before = rss_bytes(guarded)
        # 20 announcements of 24 MB each: every one refused before its body is read.
        assert {raw_put_status(guarded, sid, 24 * MB) for _ in range(20)} == {403}
        assert put(page, guarded, sid, 200_000) == 403  # a real small upload too
        assert rss_bytes(guarded) - before < 24 * MB  # not even one file's worth was kept
    finally:
        page.context.close()


def test_after_sign_in_uploads_are_accepted_up_to_the_cap(
    browser: Browser, guarded: Server
) -> None:
    page, sid = open_session(browser, guarded)
    try:
        assert put(page, guarded, sid, 100_000) == 403
        page.get_by_role("textbox", name="Username").fill(PROVIDER[0])
        page.get_by_role("textbox", name="Password").fill(PROVIDER[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
        assert put(page, guarded, sid, 1 * MB) == 204
        assert put(page, guarded, sid, 1 * MB) == 204
        assert put(page, guarded, sid, 1 * MB + MB // 2) == 413  # 3.5 MB > the 3 MB cap
        assert raw_put_status(guarded, sid, 24 * MB) == 413  # refused on its announced size
        assert put(page, guarded, sid, 10_000) == 204  # small ones still fit: 3 files
        assert put(page, guarded, sid, 10_000) == 204  # 4 files, the count cap
        assert put(page, guarded, sid, 10_000) == 413
        # Signed out, the session may upload nothing at all.
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Clinic sign-in")).to_be_visible()
        assert raw_put_status(guarded, sid, 1000) == 403
    finally:
        page.context.close()
