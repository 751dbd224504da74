"""The one place that knows who the user is.

- A patient is whoever holds a valid check-in link: ``?t=TOKEN`` is verified on every rerun, so
  a revoked or expired link stops working at once. Patients have no password and no idle
  time-out (the link is the credential; it stays in the address bar so a reload works).
- Staff sign in with a local account (``checkins.services.users``) or, when ``[auth]`` is
  configured in ``.streamlit/secrets.toml``, through ``st.login`` (OpenID Connect); the
  provider's e-mail must match a local username, which gives the role.
- Staff are signed out after ``users.IDLE_TIMEOUT`` without a full rerun (a click, a form, a
  page change). A small fragment re-checks every minute so an unattended screen is cleared.
- The account is re-read on every rerun, and by every timed fragment (``recheck``) before it
  reads anything, so a deactivated user's open screen is signed out at its next refresh.
- Only a session that ``resolve`` has resolved may upload files (``uploads.allow``); signed
  out, or with a refused link, the upload endpoint refuses it (``uploads.forbid``). Only a
  staff session's browser may fetch a download (``downloads.admit`` / ``revoke``).
- Every sign-in, sign-out and link opening is audited by the service it goes through
  (``users.authenticate``, ``services.sessions``): this module writes no audit rows.

Services raise ``CheckinsError`` with a sentence; this module turns refusals into notices for
the sign-in page and never lets a traceback through.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import downloads
import resources
import streamlit as st
import uploads
from state import StateKeys

from checkins import links
from checkins.domain import AccessDenied, CheckinsError, Role, utcnow
from checkins.i18n import N_
from checkins.services import sessions, users
from checkins.services.views import Actor

log = logging.getLogger("checkins.dashboard.auth")
IDLE_CHECK_SECONDS = 60


@dataclass(frozen=True)
class Notice:
    """A sentence for the sign-in page. ``kind`` is "link" for a refused patient link."""

    kind: str
    message: str
    code: str = ""  # the refusal's code for a link ("link_incomplete": cut off, not forged)


def resolve() -> Actor | None:
    """Who is using this session right now (``None``: show the sign-in page). Run every rerun.

    Only a resolved session may upload files (``uploads``): the sign-in page cannot.
    """
    actor = _resolve()
    if actor is None:
        uploads.forbid()
    else:
        uploads.allow()
    if actor is None or actor.role is Role.PATIENT:
        downloads.revoke()
    else:
        downloads.admit()
    return actor


def _resolve() -> Actor | None:
    now = utcnow()
    token = _query_token()
    if token is None:
        token = st.session_state.get(StateKeys.PATIENT_TOKEN)
    if token is not None:
        return _patient(token, now)

    actor: Actor | None = st.session_state.get(StateKeys.ACTOR)
    if actor is None:
        actor = _from_oidc(now)
        if actor is None:
            _explain_reload()
            return None
    if users.session_expired(st.session_state.get(StateKeys.LAST_SEEN), now):
        sign_out(
            Notice(
                "timeout",
                "You were signed out after 15 minutes without activity. Please sign in again.",
            )
        )
        return None
    if actor.user_id is not None:
        with resources.db().read() as s:
            current = users.active_actor(session=s, user_id=actor.user_id)
        if current is None:
            sign_out(Notice("error", "This account is no longer active."))
            return None
        actor = current
    st.session_state[StateKeys.ACTOR] = actor
    st.session_state[StateKeys.LAST_SEEN] = now
    return actor


def current_actor() -> Actor:
    """The actor the router resolved for this run; pages call this, never ``resolve``."""
    actor: Actor | None = st.session_state.get(StateKeys.ACTOR)
    if actor is None:  # the router only runs a page for a resolved actor
        st.error("Please sign in again.")
        st.stop()
    return actor


LINK_GRACE = timedelta(minutes=30)
NOT_SENT = N_("If you were filling in a check-in, it was not sent: please call the clinic.")


def _in_grace(token: str, now: datetime) -> bool:
    """A link that expired in this session, which has been active all along, may finish.

    Only the same session (same tab, same token) and only while it keeps being used (no pause
    longer than the idle time-out) and for at most 30 minutes after the link expired.
    """
    actor = st.session_state.get(StateKeys.ACTOR)
    last_seen = st.session_state.get(StateKeys.LAST_SEEN)
    stale_since = st.session_state.get(StateKeys.LINK_STALE_SINCE) or now
    return (
        st.session_state.get(StateKeys.PATIENT_TOKEN) == token
        and actor is not None
        and actor.role is Role.PATIENT
        and last_seen is not None
        and not users.session_expired(last_seen, now)
        and now - stale_since <= LINK_GRACE
    )


def _query_token() -> str | None:
    value = st.query_params.get(links.QUERY_PARAM)
    return value or None


def _patient(token: str, now: datetime) -> Actor | None:
    notice: Notice | None = None
    refused_code = ""
    actor: Actor | None = None
    try:
        key = resources.link_key()
        if st.session_state.get(StateKeys.PATIENT_TOKEN) == token:
            # Already opened in this session: re-check without taking the write lock.
            with resources.db().read() as s, contextlib.suppress(AccessDenied):
                actor = sessions.check_link(session=s, key=key, token=token, now=now)
        if actor is None:
            # First open, or now refused: the audited path (refusals are logged too).
            with resources.db().session() as s:
                try:
                    actor = sessions.open_link(session=s, key=key, token=token, now=now)
                except AccessDenied as refused:  # caught inside so the refusal is committed
                    notice = Notice("link", refused.message, refused.code)
                    refused_code = refused.code
    except CheckinsError as exc:
        notice = Notice("link", exc.message)
    except Exception:
        log.exception("verifying a patient link failed")
        notice = Notice(
            "link", N_("We could not open your check-in link just now. Please try again shortly.")
        )
    if actor is None and refused_code == "link_expired" and _in_grace(token, now):
        # The link expired while this patient was filling in the form: let them finish rather
        # than lose what they entered, and say so. A replaced (revoked) link gets no grace:
        # the clinic cut it off on purpose.
        actor = st.session_state[StateKeys.ACTOR]
        st.session_state.setdefault(StateKeys.LINK_STALE_SINCE, now)
        st.session_state[StateKeys.LINK_GRACE_NOTICE] = N_(
            "Your check-in link has just expired. You can still finish and send this check-in "
            "now; for the next one, ask the clinic for a new link."
        )
    if actor is None:
        if notice is not None and st.session_state.get(StateKeys.PATIENT_TOKEN) == token:
            notice = Notice(
                notice.kind,
                f"{notice.message} {NOT_SENT}",
                notice.code,
            )
        _clear()
        st.session_state[StateKeys.AUTH_NOTICE] = notice
        return None
    if st.session_state.get(StateKeys.ACTOR) not in (None, actor):
        _clear()  # a staff session in this tab ends when a patient link is opened in it
    if notice is None:  # the link verifies: no grace period running
        st.session_state.pop(StateKeys.LINK_STALE_SINCE, None)
        st.session_state.pop(StateKeys.LINK_GRACE_NOTICE, None)
    st.session_state[StateKeys.ACTOR] = actor
    st.session_state[StateKeys.PATIENT_TOKEN] = token
    st.session_state[StateKeys.LAST_SEEN] = now
    if st.query_params.get(links.QUERY_PARAM) != token:
        st.query_params[links.QUERY_PARAM] = token  # keep it so a reload still works
    return actor


def sign_in(username: str, password: str) -> str | None:
    """Check a username and password; ``None`` on success, else the sentence to show."""
    now = utcnow()
    error: str | None = None
    actor: Actor | None = None
    try:
        with resources.db().session() as s:
            try:
                actor = users.authenticate(
                    session=s, signing_key=resources.link_key(), username=username,
                    password=password, now=now,
                )  # fmt: skip
            except AccessDenied as refused:  # inside: the failure count must be committed
                error = refused.message
    except Exception:
        log.exception("sign-in failed")
        return "We could not check your password just now. Please try again in a moment."
    if actor is None:
        return error or users.WRONG_CREDENTIALS
    _clear()
    st.session_state[StateKeys.ACTOR] = actor
    st.session_state[StateKeys.LAST_SEEN] = now
    return None


def sign_out(notice: Notice | None = None) -> None:
    via_oidc = bool(st.session_state.get(StateKeys.VIA_OIDC))
    actor: Actor | None = st.session_state.get(StateKeys.ACTOR)
    if actor is not None and actor.role is not Role.PATIENT:
        try:
            with resources.db().session() as s:
                reason = notice.kind if notice else "by user"
                sessions.sign_out(session=s, actor=actor, reason=reason)
        except Exception:
            log.exception("could not audit a sign-out")
    uploads.forbid()
    downloads.revoke()
    _clear()
    st.session_state[StateKeys.AUTH_NOTICE] = notice or Notice("info", "You are signed out.")
    if via_oidc:
        st.logout()  # ends the identity cookie too, or the next rerun would sign in again


def _clear() -> None:
    for key in list(st.session_state.keys()):
        if key != StateKeys.AUTH_NOTICE:
            del st.session_state[key]
    st.session_state.pop(StateKeys.AUTH_NOTICE, None)


def pop_notice() -> Notice | None:
    notice: Notice | None = st.session_state.pop(StateKeys.AUTH_NOTICE, None)
    return notice


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def oidc_provider() -> str | None:
    """``None`` for a single-provider ``[auth]`` section, else the first ``[auth.NAME]``."""
    try:
        section = st.secrets["auth"]
    except Exception:
        return None
    if "client_id" in section:
        return None
    for name, value in section.items():
        if hasattr(value, "keys") and "client_id" in value:
            return str(name)
    return None


def _from_oidc(now: datetime) -> Actor | None:
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return None
    email = str(st.user.get("email") or "")
    actor: Actor | None = None
    try:
        with resources.db().session() as s:
            actor = sessions.sign_in_oidc(session=s, email=email)
    except Exception:
        log.exception("OIDC account lookup failed")
    if actor is None:
        st.session_state[StateKeys.AUTH_NOTICE] = Notice(
            "oidc",
            f"You signed in as {email or 'an unknown user'}, but no clinic account matches "
            "that address. Ask an administrator to add one.",
        )
        return None
    st.session_state[StateKeys.VIA_OIDC] = True
    st.session_state[StateKeys.LAST_SEEN] = now
    return actor


def recheck() -> None:
    """In a timed fragment, before it reads: a deactivated account (or an idle session) reruns
    the whole app, whose ``resolve`` signs it out. A fragment rerun skips the router, so without
    this an open queue would keep refreshing for someone who may no longer see it."""
    actor: Actor | None = st.session_state.get(StateKeys.ACTOR)
    if actor is None or actor.role is Role.PATIENT:
        return
    if users.session_expired(st.session_state.get(StateKeys.LAST_SEEN), utcnow()):
        st.rerun(scope="app")
    if actor.user_id is not None:
        with resources.db().read() as s:
            if users.active_actor(session=s, user_id=actor.user_id) is None:
                st.rerun(scope="app")


@st.fragment(run_every=IDLE_CHECK_SECONDS)
def idle_watch() -> None:
    """Re-check the idle time-out and the account every minute; either reruns the app.

    A fragment rerun does not touch LAST_SEEN, so this timer is not mistaken for activity.
    """
    recheck()


# --- A reload signs staff out: say so ---------------------------------------------------------
# A staff sign-in lives in this tab's server session only (no credential in a cookie or the
# address), so a reload (F5) or a reopened tab starts signed out. A marker cookie, which carries
# nothing but "a staff member was signed in here", lets the sign-in page say why.
STAFF_TAB_COOKIE = "checkins_staff_tab"
RELOAD_NOTICE = (
    "You were signed out because the page was reloaded or reopened: to protect patients' "
    "records, a clinic sign-in lasts only while its tab stays open. Please sign in again."
)


def _set_marker(value: str, max_age: int) -> None:
    st.html(
        f"<script>document.cookie = '{STAFF_TAB_COOKIE}={value}; path=/; max-age={max_age}; "
        "SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def remember_staff_tab() -> None:
    """Mark this browser as holding a staff sign-in (the router calls it in the sidebar)."""
    _set_marker("1", 12 * 3600)


def forget_staff_tab() -> None:
    """The sign-in page clears the marker once it has said why (or on a plain visit)."""
    if st.context.cookies.get(STAFF_TAB_COOKIE):
        _set_marker("", 0)


def _explain_reload() -> None:
    """Once per browser session: a fresh session in a tab that had a staff sign-in says why."""
    if st.session_state.get(StateKeys.RELOAD_CHECKED):
        return
    st.session_state[StateKeys.RELOAD_CHECKED] = True
    if st.context.cookies.get(STAFF_TAB_COOKIE) == "1" and StateKeys.AUTH_NOTICE not in (
        st.session_state
    ):
        st.session_state[StateKeys.AUTH_NOTICE] = Notice("reload", RELOAD_NOTICE)
