"""Who may fetch a download: only the browser of a live, signed-in staff session.

Streamlit serves each ``st.download_button`` file (the case's chart PDF and FHIR bundle, the
patient handout, the trends' CSVs) at ``/media/<id>.<ext>``, a route that checks nothing: whoever
holds the address gets the file while Streamlit keeps it. ``media_guard.MediaGuard`` therefore
asks this module before it lets a download through.

The proof of the session is Streamlit's own XSRF cookie (``_streamlit_xsrf``): 16 random bytes
the server gives each browser, sent with the session's WebSocket handshake (``st.context``) and
with every fetch that browser makes. ``auth.resolve`` records the cookie's token for each staff
session on every run (``admit``) and forgets it at sign-out or when the session stops being
staff (``revoke``); a session that has ended is forgotten as soon as the next fetch is checked.
A fetch is served only if its cookie carries the token of such a live session: a stranger with
the address, a patient's browser, or a staff browser after sign-out gets a sentence, not the file.

It needs ``server.enableXsrfProtection`` (on in ``.streamlit/config.toml``): without the cookie
no download is served at all, which fails closed.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string
from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME

REFUSED = (
    b"This download belongs to a signed-in page. Go back to the clinic's page, sign in if "
    b"asked, and press the download button again."
)

_lock = threading.Lock()
_tokens: dict[str, bytes] = {}  # live staff session id -> its browser's XSRF token bytes


def browser_token(cookie_value: str | None) -> bytes | None:
    """The token bytes inside an XSRF cookie's value (``None`` if absent or malformed)."""
    if not cookie_value:
        return None
    token, _ = decode_xsrf_token_string(cookie_value)
    return token or None


def admit(session_id: str | None = None, cookie_value: str | None = None) -> None:
    """This session is signed in as staff: its browser may fetch downloads. In a script run
    both arguments come from the run (the session, and ``st.context``'s cookie)."""
    sid = session_id or _current_session()
    if sid is None:
        return
    if cookie_value is None:
        cookie_value = st.context.cookies.get(XSRF_COOKIE_NAME)
    token = browser_token(cookie_value)
    with _lock:
        if token is None:
            _tokens.pop(sid, None)
        else:
            _tokens[sid] = token


def revoke(session_id: str | None = None) -> None:
    """Signed out, or not staff: this session's browser fetches no more downloads."""
    sid = session_id or _current_session()
    if sid is None:
        return
    with _lock:
        _tokens.pop(sid, None)


def may_fetch(cookie_header: Iterable[bytes]) -> bool:
    """Whether a request with these ``Cookie`` headers comes from a live staff session's
    browser. Sessions that have ended are forgotten first."""
    token = browser_token(_cookie(cookie_header, XSRF_COOKIE_NAME))
    if token is None:
        return False
    _prune()
    with _lock:
        known = list(_tokens.values())
    return any(hmac.compare_digest(token, k) for k in known)


def _cookie(headers: Iterable[bytes], name: str) -> str | None:
    """One cookie's value from ``Cookie`` headers (``a=1; b=2``), read plainly: a stricter
    parser (``http.cookies``) drops every cookie after one it does not like."""
    for raw in headers:
        for pair in raw.decode("latin-1").split(";"):
            key, eq, value = pair.strip().partition("=")
            if eq and key == name:
                return value.strip()
    return None


def _prune() -> None:
    if not runtime.exists():
        return
    rt = runtime.get_instance()
    with _lock:
        for sid in [s for s in _tokens if not rt.is_active_session(s)]:
            del _tokens[sid]


def _current_session() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None
