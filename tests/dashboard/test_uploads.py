"""The upload guard in front of Streamlit's upload endpoint, as an ASGI middleware (no server;
tests/e2e/test_upload_guard.py PUTs to a real one)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

import uploads  # noqa: E402 - needs the path above

MB = 1024 * 1024


class Upstream:
    """Streamlit's side: records whether it was reached, and reads the body if it is."""

    def __init__(self) -> None:
        self.reached = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.reached += 1
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def put(guard: uploads.UploadGuard, session: str, length: int | None) -> tuple[int, bool]:
    """One PUT through the guard: its status, and whether the body was read at all."""
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    scope = {
        "type": "http",
        "method": "PUT",
        "path": f"/_stcore/upload_file/{session}/file-1",
        "headers": headers,
    }
    sent: list[dict[str, Any]] = []
    read = False

    async def receive() -> dict[str, Any]:
        nonlocal read
        read = True
        return {"type": "http.request", "body": b"x", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    return int(sent[0]["status"]), read


@pytest.fixture
def held() -> dict[str, tuple[int, int]]:
    """What Streamlit holds per session (files, bytes), as the guard's usage function sees it."""
    return {}


def test_a_session_that_has_not_signed_in_is_refused_before_its_body_is_read(
    held: dict[str, tuple[int, int]],
) -> None:
    upstream = Upstream()
    guard = uploads.UploadGuard(upstream, usage=lambda sid: held.get(sid, (0, 0)))
    assert put(guard, "anonymous", 24 * MB) == (403, False)
    assert upstream.reached == 0


def test_after_allow_uploads_pass_up_to_the_caps_and_forbid_ends_them(
    held: dict[str, tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "MAX_SESSION_BYTES", 3 * MB)
    monkeypatch.setattr(uploads, "MAX_SESSION_FILES", 2)
    upstream = Upstream()
    guard = uploads.UploadGuard(upstream, usage=lambda sid: held.get(sid, (0, 0)))
    uploads.allow("s1")
    try:
        assert put(guard, "s1", None) == (411, False)  # the size must be known first
        assert put(guard, "s1", 2 * MB) == (204, True)
        held["s1"] = (1, 2 * MB)
        assert put(guard, "s1", 2 * MB) == (413, False)  # 4 MB > 3 MB
        assert put(guard, "s1", MB // 2) == (204, True)
        held["s1"] = (2, 2 * MB + MB // 2)
        assert put(guard, "s1", 10) == (413, False)  # a third file
        held["s1"] = (0, 0)  # the patient removed their photos
        assert put(guard, "s1", MB) == (204, True)
    finally:
        uploads.forbid("s1")
    assert put(guard, "s1", 10) == (403, False)
    assert upstream.reached == 3


def test_uploads_still_in_flight_count_toward_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty parallel PUTs must not all pass the check before any of them is stored."""
    monkeypatch.setattr(uploads, "MAX_SESSION_BYTES", 50 * MB)
    uploads.allow("s2")
    try:
        admitted = [uploads.admit("s2", 24 * MB, lambda sid: (0, 0)) for _ in range(20)]
        assert admitted[:2] == [None, None] and set(admitted[2:]) == {413}
        uploads.release("s2", 24 * MB)
        assert uploads.admit("s2", 24 * MB, lambda sid: (0, 0)) is None
    finally:
        for _ in range(2):
            uploads.release("s2", 24 * MB)
        uploads.forbid("s2")


def test_other_requests_pass_untouched() -> None:
    upstream = Upstream()
    guard = uploads.UploadGuard(upstream)
    scope = {"type": "http", "method": "GET", "path": "/_stcore/health", "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    asyncio.run(guard(scope, receive, send))
    assert upstream.reached == 1
