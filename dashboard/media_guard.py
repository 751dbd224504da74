"""No rendered image by URL: a guard in front of Streamlit's media route (``GET /media/<file>``).

The media route answers anyone who knows a file's address, with no session, and an image stays
there after its tab has closed. The dashboard therefore sends every image inside the page
(``inline.image``: a data: URI over the session's WebSocket) and ``MediaGuard`` refuses, with a
404, any request for an image, audio or video Streamlit may still hold ("media" kind): a
``st.image(photo_bytes)`` added by mistake then shows a broken image instead of handing a
patient's photo to whoever has the link.

Downloads (``st.download_button``, "downloadable" kind: the chart PDF, the FHIR bundle, the
handout, the trends' CSVs) pass only to the browser of a live, signed-in staff session
(``downloads.may_fetch``: its XSRF cookie carries that session's token); anyone else gets a
403 with a sentence. A file the guard cannot look up (another storage) is refused as well: it
fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import downloads
from asgi import ASGIApp, Receive, Scope, Send, answer
from streamlit import config, runtime
from streamlit.runtime.media_file_storage import MediaFileKind

Kind = Callable[[str], MediaFileKind | None]  # a /media/ file name -> its kind (None: unknown)
Browser = Callable[[list[bytes]], bool]  # the request's Cookie headers -> a live staff browser?

NOT_SERVED = b"Not found."
NO_STORE = (b"cache-control", b"no-store")


def media_path(base_url_path: str = "") -> re.Pattern[str]:
    """Streamlit's media route under ``server.baseUrlPath`` (not ``/static/media/``: its fonts)."""
    base = base_url_path.strip("/")
    return re.compile(rf"^{re.escape('/' + base if base else '')}/media/(?P<file>[^/]+)$")


def stored_kind(file_name: str) -> MediaFileKind | None:
    """The kind of the file Streamlit's media store holds under ``file_name`` (``<id>.<ext>``)."""
    if not runtime.exists():
        return None
    mgr = runtime.get_instance().media_file_mgr
    if not mgr.can_read_files:
        return None
    found = mgr.read_file(file_name)
    return found.kind if found is not None else None


class MediaGuard:
    """ASGI middleware: the media route serves downloads only, never a rendered image, and
    only to a signed-in staff browser."""

    def __init__(
        self,
        app: ASGIApp,
        kind: Kind = stored_kind,
        base_url_path: str | None = None,
        browser: Browser = downloads.may_fetch,
    ) -> None:
        self.app = app
        self.kind = kind
        self.browser = browser
        base = config.get_option("server.baseUrlPath") if base_url_path is None else base_url_path
        self.path = media_path(str(base or ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self.path.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if self.kind(match["file"]) is not MediaFileKind.DOWNLOADABLE:
            await answer(send, 404, NOT_SERVED, NO_STORE)
            return
        cookies = [value for name, value in scope.get("headers", []) if name == b"cookie"]
        if not self.browser(cookies):
            await answer(send, 403, downloads.REFUSED, NO_STORE)
            return
        await self.app(scope, receive, send)
