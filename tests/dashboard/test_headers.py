"""headers.SecurityHeaders: every HTTP response carries the security headers, once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

from headers import SECURITY_HEADERS, SecurityHeaders  # noqa: E402 - needs the path above


def run_asgi(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    """Run an ASGI app on one request; the messages it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def jpeg_app(reached: list[str]) -> Any:
    """An app that records the path it was asked for and answers with a JPEG's first bytes."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await send(
            {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"image/jpeg"), (b"x-frame-options", b"ALLOWALL")]}
        )  # fmt: skip
        await send({"type": "http.response.body", "body": b"\xff\xd8\xff"})

    return app


def http_scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "headers": []}


def test_every_response_carries_the_security_headers() -> None:
    sent = run_asgi(SecurityHeaders(jpeg_app([])), http_scope("/"))
    headers = sent[0]["headers"]
    names = [k.decode() for k, _ in headers]
    for name, value in SECURITY_HEADERS.items():
        assert names.count(name.lower()) == 1  # replaced, not doubled
        assert (name.lower().encode(), value.encode()) in headers
    assert (b"content-type", b"image/jpeg") in headers  # the app's own headers stay


def test_a_websocket_passes_untouched() -> None:
    reached: list[str] = []
    run_asgi(SecurityHeaders(jpeg_app(reached)), {"type": "websocket", "path": "/_stcore/stream"})
    assert reached == ["/_stcore/stream"]
