"""How a browser session starts and ends: opening a patient link, an OpenID Connect sign-in and
signing out, each audited here (a password sign-in is ``users.authenticate``).

The dashboard calls these and writes no audit rows of its own. Like ``users.authenticate``,
``open_link`` raises ``AccessDenied`` after auditing the refusal: catch it inside the unit of
work so the refusal is committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from checkins import access, links
from checkins.domain import Role, utcnow
from checkins.services import audit, users
from checkins.services.views import Actor


def open_link(
    *, session: Session, key: links.LinkKey, token: str, now: datetime | None = None
) -> Actor:
    """The patient a check-in link speaks for, audited as opened (``link.opened``).

    A refused link raises ``AccessDenied`` with its sentence, audited as ``link.refused``.
    """
    now = now or utcnow()
    actor = links.verify_token(session=session, key=key, token=token, now=now)
    audit.record(
        session=session,
        actor=actor,
        action="link.opened",
        object_type="treatment",
        object_id=actor.treatment_id,
        at=now,
    )
    return actor


def check_link(
    *, session: Session, key: links.LinkKey, token: str, now: datetime | None = None
) -> Actor:
    """Re-check a link this browser session has already opened (each rerun): nothing audited,
    so a read-only session will do. A refusal raises ``AccessDenied``; open it again with
    ``open_link`` in a unit of work to have the refusal recorded."""
    return links.verify_token(session=session, key=key, token=token, now=now or utcnow())


def sign_in_oidc(*, session: Session, email: str) -> Actor | None:
    """The active account whose username is this OpenID Connect e-mail, audited as a sign-in;
    ``None`` (and nothing recorded) when no account matches."""
    actor = users.actor_for_username(session=session, username=email) if email else None
    if actor is not None:
        audit.record(
            session=session,
            actor=actor,
            action="auth.sign_in",
            object_type="user",
            object_id=actor.user_id,
            detail="oidc",
        )
    return actor


def sign_out(*, session: Session, actor: Actor, reason: str = "by user") -> None:
    """A staff member's session ended (``reason``: "by user", "timeout", "error"…). Patients
    hold a link rather than a sign-in, so their sessions leave nothing to record."""
    access.clinic_of(actor)  # an actor outside any clinic was never signed in to one
    if actor.role is Role.PATIENT:
        return
    audit.record(session=session, actor=actor, action="auth.sign_out", detail=reason)
