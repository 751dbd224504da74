"""Who may upload, and how much: a guard in front of Streamlit's upload endpoint.

Streamlit keeps every uploaded file in memory, per browser session, until the session ends, and
its endpoint (``PUT /_stcore/upload_file/<session>/<file>``) accepts a file from any open
session, signed in or not. ``UploadGuard`` is an ASGI middleware (installed by ``serve.py``
through ``st.App``) that refuses an upload before its body is read:

- 403 unless this session has signed in or opened a valid patient link (``auth`` calls
  ``allow`` then, and ``forbid`` on sign-out or a refused link);
- 411 without a Content-Length (the cap must be known before the body arrives);
- 413 once the session would hold more than ``MAX_SESSION_FILES`` files or
  ``MAX_SESSION_BYTES`` bytes, counting what Streamlit already holds for it and the uploads
  still in flight.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from asgi import ASGIApp, Receive, Scope, Send, answer
from streamlit import runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

# A check-in holds at most 8 photos, each under server.maxUploadSize (25 MB): room for one full
# check-in and a second attempt, far below what a probe could pile up before. Read once, at
# start-up; CHECKINS_UPLOAD_MAX_FILES / CHECKINS_UPLOAD_MAX_MB change them (the tests do).
MAX_SESSION_FILES = int(os.environ.get("CHECKINS_UPLOAD_MAX_FILES") or 16)
MAX_SESSION_BYTES = int(float(os.environ.get("CHECKINS_UPLOAD_MAX_MB") or 160) * 1024 * 1024)
UPLOAD_PATH = re.compile(r"/_stcore/upload_file/(?P<session>[^/]+)/(?P<file>[^/]+)/?$")

Usage = Callable[[str], tuple[int, int]]  # session id -> (files held, bytes held)


@dataclass
class _Ledger:
    """Sessions allowed to upload, and the bytes of their uploads still being received."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    allowed: set[str] = field(default_factory=set)
    in_flight: dict[str, list[int]] = field(default_factory=dict)


_ledger = _Ledger()


def current_session() -> str | None:
    """This script run's browser session id (``None`` outside a script run)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def allow(session_id: str | None = None) -> None:
    """This session signed in or opened a valid link: it may upload (within the caps)."""
    sid = session_id or current_session()
    if sid is None:
        return
    with _ledger.lock:
        _ledger.allowed.add(sid)
    _prune()


def forbid(session_id: str | None = None) -> None:
    """Signed out, or the link was refused: no more uploads from this session."""
    sid = session_id or current_session()
    if sid is None:
        return
    with _ledger.lock:
        _ledger.allowed.discard(sid)


def allowed(session_id: str) -> bool:
    with _ledger.lock:
        return session_id in _ledger.allowed


def _prune() -> None:
    """Forget sessions that have ended (the set only ever holds live, signed-in sessions)."""
    if not runtime.exists():
        return
    rt = runtime.get_instance()
    with _ledger.lock:
        gone = [sid for sid in _ledger.allowed if not rt.is_active_session(sid)]
        for sid in gone:
            _ledger.allowed.discard(sid)


def held(session_id: str) -> tuple[int, int]:
    """(files, bytes) that Streamlit holds in memory for one session."""
    if not runtime.exists():
        return 0, 0
    mgr = runtime.get_instance().uploaded_file_mgr
    if not isinstance(mgr, MemoryUploadedFileManager):
        return 0, 0
    files: Sequence[UploadedFileRec] = list(mgr.file_storage.get(session_id, {}).values())
    return len(files), sum(len(f.data) for f in files)


def admit(session_id: str, length: int | None, usage: Usage = held) -> int | None:
    """Reserve room for one upload of ``length`` bytes; ``None`` if admitted, else the status.

    An admitted upload must be ended with ``release(session_id, length)``.
    """
    if not allowed(session_id):
        return 403
    if length is None:
        return 411
    files, size = usage(session_id)
    with _ledger.lock:
        pending = _ledger.in_flight.setdefault(session_id, [])
        if files + len(pending) + 1 > MAX_SESSION_FILES:
            return 413
        if size + sum(pending) + length > MAX_SESSION_BYTES:
            return 413
        pending.append(length)
    return None


def release(session_id: str, length: int) -> None:
    with _ledger.lock:
        pending = _ledger.in_flight.get(session_id, [])
        if length in pending:
            pending.remove(length)
        if not pending:
            _ledger.in_flight.pop(session_id, None)


REASONS = {
    403: b"Sign in, or open your check-in link, before sending photos.",
    411: b"An upload needs a Content-Length.",
    413: b"Too many photos in this session: send the check-in, or remove some, first.",
}


class UploadGuard:
    """ASGI middleware: refuse uploads before sign-in, and beyond the per-session caps."""

    def __init__(self, app: ASGIApp, usage: Usage = held) -> None:
        self.app = app
        self.usage = usage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = UPLOAD_PATH.search(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") != "PUT":
            await self.app(scope, receive, send)
            return
        session_id = match["session"]
        length = _content_length(scope)
        refused = admit(session_id, length, self.usage)
        if refused is not None:
            await _refuse(send, refused)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            release(session_id, length or 0)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
            return length if length >= 0 else None
    return None


async def _refuse(send: Send, status: int) -> None:
    await answer(send, status, REASONS[status], (b"connection", b"close"))
