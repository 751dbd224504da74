"""Security headers on every HTTP response the dashboard sends (installed by ``serve.py``).

- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``: no page,
  not even one of ours, may frame the dashboard (click-jacking); Streamlit's own UI frames
  nothing of the app's origin.
- ``X-Content-Type-Options: nosniff``: a download or an upload's echo is never sniffed into a
  script or a page.
- ``Referrer-Policy: no-referrer``: a patient's link carries its credential (``?t=...``); it
  must not leave in a ``Referer`` header.

The policy holds ``frame-ancestors`` only: the full policy docs/deploy.md gives the proxy has
been checked against Streamlit's scripts in a browser (tests/e2e/test_proxy_headers.py), and a
stricter one added here would be enforced as well as the proxy's. A proxy that adds the same
headers sends them twice with the same values, which browsers read as one.
"""

from __future__ import annotations

from typing import Any

from asgi import ASGIApp, Receive, Scope, Send

SECURITY_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_ENCODED = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_NAMES = {k for k, _ in _ENCODED}


class SecurityHeaders:
    """ASGI middleware: add ``SECURITY_HEADERS`` to every HTTP response (replacing any the app
    set itself under those names, so each is sent once)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": kept + _ENCODED}
            await send(message)

        await self.app(scope, receive, with_headers)
