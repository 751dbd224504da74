"""Local staff accounts: argon2 password hashes, lock-out after repeated failures, idle time-out.

Patients never have an account here: they act through their signed check-in link
(``checkins.links``). Staff sign in with a username and a password, or through the clinic's
OpenID Connect provider where one is configured (the dashboard then matches the provider's
e-mail to a ``username`` here, so the role still comes from this table).

Failed attempts are written to the session passed in. A caller that catches ``AccessDenied``
must do so *inside* its unit of work (``with db.session() as s: try: ... except ...``) so the
failure count and the audit event are committed rather than rolled back with the exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import AccessDenied, Conflict, InvalidInput, NotFound, Role, utcnow
from checkins.services import audit, scope
from checkins.services.views import Actor
from checkins.storage import models

if TYPE_CHECKING:
    from checkins.links import LinkKey

IDLE_TIMEOUT = timedelta(minutes=15)
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing megabytes of "password" is a denial of service
STAFF_ROLES: tuple[Role, ...] = (Role.PROVIDER, Role.MANAGER, Role.ADMIN, Role.FRONT_DESK)

WRONG_CREDENTIALS = "Wrong username or password."

_hasher = PasswordHasher()
# Verifying against this when the username is unknown makes both paths take the same time, so
# response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("checkins-no-such-user-placeholder")


class AccountLocked(AccessDenied):
    """Too many wrong passwords: the account refuses every attempt until ``until``."""

    code = "account_locked"

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: datetime | None
    failed_logins: int
    has_password: bool
    created_at: datetime
    clinic_id: int


def session_expired(last_seen: datetime | None, now: datetime) -> bool:
    """True when a signed-in staff session has been idle for ``IDLE_TIMEOUT`` or longer."""
    if last_seen is None:
        return True
    return now - last_seen >= IDLE_TIMEOUT


def _normalise_username(username: str) -> str:
    return username.strip().lower()


def _check_password_strength(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
            "(a few unrelated words make a strong one)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is too long: use at most {MAX_PASSWORD_LENGTH} characters."
        )
    if password.strip().lower() == username:
        raise InvalidInput("The password must not be the username.")
    if len(set(password)) < 4:
        raise InvalidInput("The password repeats too few characters to be safe; choose another.")


def _role(value: str | Role) -> Role:
    try:
        role = Role(value)
    except ValueError:
        names = ", ".join(r.value for r in STAFF_ROLES)
        raise InvalidInput(f"{value!r} is not a staff role; use one of: {names}.") from None
    if role not in STAFF_ROLES:
        raise InvalidInput(
            "Patients do not get accounts: send them their check-in link instead "
            "(`checkins link PATIENT`)."
        )
    return role


def _view(user: models.User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        active=user.active,
        locked_until=user.locked_until,
        failed_logins=user.failed_logins,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        clinic_id=user.clinic_id,
    )


def actor_for(
    user: UserView | models.User, *, organisation_clinics: frozenset[int] = frozenset()
) -> Actor:
    """The account acting in its own clinic (a manager: with their organisation's clinics)."""
    return Actor(
        role=Role(user.role), name=user.display_name, user_id=user.id, clinic_id=user.clinic_id,
        organisation_clinics=organisation_clinics,
    )  # fmt: skip


def _signed_in(session: Session, user: models.User) -> Actor:
    """``actor_for`` with a manager's organisation read from the clinics table."""
    if Role(user.role) is not Role.MANAGER:
        return actor_for(user)
    from checkins.services.clinic import organisation_clinics

    clinics = organisation_clinics(session=session, clinic_id=user.clinic_id)
    return actor_for(user, organisation_clinics=clinics)


def _audit(
    session: Session,
    *,
    actor: Actor,
    action: str,
    outcome: str = "ok",
    detail: str = "",
    object_id: int | None = None,
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=object_id,
        outcome=outcome,
        detail=detail,
    )


def _get(session: Session, username: str) -> models.User | None:
    """The account with this username, in any clinic (usernames are unique in a deployment):
    for signing in. Administration reads ``_mine``."""
    return session.scalar(select(models.User).where(func.lower(models.User.username) == username))


def _mine(session: Session, actor: Actor, username: str) -> models.User:
    """An account of the actor's clinic; another clinic's is answered as a missing one."""
    user = session.scalar(
        select(models.User).where(
            func.lower(models.User.username) == _normalise_username(username),
            scope.mine(models.User.clinic_id, actor),
        )
    )
    if user is None:
        raise NotFound(f"There is no account named {username!r}.")
    return user


def add_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    role: str | Role,
    password: str | None,
    actor: Actor,
) -> UserView:
    """Create a staff account. ``password=None`` makes an OIDC-only account (no local sign-in)."""
    access.require_admin(actor)
    name = _normalise_username(username)
    if not name or len(name) > 120 or any(c.isspace() for c in name):
        raise InvalidInput("A username is 1 to 120 characters without spaces.")
    if not display_name.strip():
        raise InvalidInput("Give the person's name as patients and colleagues should see it.")
    staff_role = _role(role)
    if password is not None:
        _check_password_strength(password, name)
    if _get(session, name) is not None:
        raise Conflict(f"There is already an account named {name!r}.")
    user = models.User(
        clinic_id=access.clinic_of(actor),
        username=name,
        display_name=display_name.strip(),
        role=staff_role.value,
        password_hash=_hasher.hash(password) if password is not None else None,
        failed_logins=0,
        locked_until=None,
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="user.add",
        object_id=user.id,
        detail=f"{name} as {staff_role.value}",
    )
    return _view(user)


def list_users(*, session: Session, actor: Actor) -> list[UserView]:
    access.require_admin(actor)
    users = session.scalars(
        select(models.User)
        .where(scope.mine(models.User.clinic_id, actor))
        .order_by(models.User.username)
    )
    return [_view(u) for u in users]


def get_user(*, session: Session, actor: Actor, username: str) -> UserView:
    access.require_admin(actor)
    user = _mine(session, actor, username)
    return _view(user)


def set_password(*, session: Session, actor: Actor, username: str, password: str) -> UserView:
    """Replace a password; also lifts a lock-out (an administrator's reset)."""
    access.require_admin(actor)
    user = _mine(session, actor, username)
    _check_password_strength(password, user.username)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    _audit(session, actor=actor, action="user.set_password", object_id=user.id)
    return _view(user)


def set_active(*, session: Session, actor: Actor, username: str, active: bool) -> UserView:
    """Deactivate (or re-activate) an account; a deactivated user is signed out at once."""
    access.require_admin(actor)
    user = _mine(session, actor, username)
    if actor.user_id is not None and actor.user_id == user.id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    user.active = active
    _audit(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_id=user.id,
    )
    return _view(user)


def unlock(*, session: Session, actor: Actor, username: str) -> UserView:
    access.require_admin(actor)
    user = _mine(session, actor, username)
    user.failed_logins = 0
    user.locked_until = None
    _audit(session, actor=actor, action="user.unlock", object_id=user.id)
    return _view(user)


def _minutes(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))


def authenticate(
    *,
    session: Session,
    signing_key: LinkKey,
    username: str,
    password: str,
    now: datetime | None = None,
) -> Actor:
    """The signed-in staff member, or ``AccessDenied`` with a sentence to show.

    Unknown usernames and wrong passwords get the same sentence. After ``MAX_FAILED_LOGINS``
    wrong passwords in a row the account is locked for ``LOCKOUT``, and says so (with the time
    left) even to the right password. A username without a usable account locks in the same
    words at the same attempt (``_refuse_unusable``), counted by a tag of the name keyed with
    ``signing_key`` (the link key, loaded at the entry point). Catch the error inside the unit
    of work: see the module docstring.
    """
    now = now or utcnow()
    name = _normalise_username(username)
    # Lock the row for this attempt (PostgreSQL; SQLite's write transaction already
    # serializes), so simultaneous wrong passwords cannot lose count and get past the limit.
    user = (
        session.scalar(
            select(models.User).where(func.lower(models.User.username) == name).with_for_update()
        )
        if name
        else None
    )
    if user is None or user.password_hash is None or not user.active:
        # Same work, same sentence, same lock-out: nothing tells a guesser whether the
        # account exists.
        _verify(_DUMMY_HASH, password)
        reason = "unknown user" if user is None else "no local password or inactive"
        _refuse_unusable(session, signing_key, name, user, reason, now)

    who = _signed_in(session, user)
    if user.locked_until is not None and user.locked_until > now:
        _audit(session, actor=who, action="auth.sign_in", outcome="denied", detail="locked")
        raise _locked(user.locked_until, now)

    if not _verify(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + LOCKOUT
            _audit(
                session,
                actor=who,
                action="auth.lockout",
                outcome="denied",
                object_id=user.id,
                detail=f"{MAX_FAILED_LOGINS} wrong passwords",
            )
            raise _locked(user.locked_until, now)
        _audit(
            session,
            actor=who,
            action="auth.sign_in",
            outcome="denied",
            object_id=user.id,
            detail="wrong password",
        )
        raise AccessDenied(WRONG_CREDENTIALS)

    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    _audit(session, actor=who, action="auth.sign_in", object_id=user.id)
    return who


UNKNOWN_MEMORY = timedelta(hours=24)
"""How far back wrong attempts at a name without a usable account are counted."""


def _refuse_unusable(
    session: Session,
    signing_key: LinkKey,
    name: str,
    user: models.User | None,
    reason: str,
    now: datetime,
) -> NoReturn:
    """Refuse a name that has no usable account exactly as a real account is refused.

    A real account locks after ``MAX_FAILED_LOGINS`` wrong passwords and then says so for
    ``LOCKOUT``. Such a name has no row to count in, so its attempts are counted from the audit
    log (the last ``UNKNOWN_MEMORY``, since its last lock-out), and it "locks" in the same
    words at the same attempt.
    """
    # A username nobody has may be a password typed into the wrong box: only a keyed hash of
    # it is stored, which still lets its repeats be counted.
    tag = _attempt_tag(name, signing_key)
    user_id = user.id if user is not None else None
    clinic_id = user.clinic_id if user is not None else None  # an unknown name has no clinic
    who = name[:120] if user_id is not None else f"(unknown user #{tag})"

    def attempt(action: str, detail: str) -> None:
        # Nobody is signed in yet, so this row names the attempt, not an actor with a role.
        audit.record(
            session=session,
            actor=Actor(role=Role.PATIENT, name=who, user_id=user_id, clinic_id=clinic_id),
            as_role="anonymous",
            action=action,
            object_type="user",
            outcome="denied",
            detail=detail,
            at=now,
        )

    mine = (
        models.AuditEvent.role == "anonymous",
        models.AuditEvent.actor == who,
        models.AuditEvent.at > now - UNKNOWN_MEMORY,
    )
    last_lock = session.scalar(
        select(func.max(models.AuditEvent.at)).where(
            *mine, models.AuditEvent.action == "auth.lockout"
        )
    )
    if last_lock is not None and last_lock + LOCKOUT > now:
        attempt("auth.sign_in", "locked")
        raise _locked(last_lock + LOCKOUT, now)
    since = [models.AuditEvent.at > last_lock] if last_lock is not None else []
    failures = session.scalar(
        select(func.count(models.AuditEvent.id)).where(
            *mine,
            *since,
            models.AuditEvent.action == "auth.sign_in",
            models.AuditEvent.detail != "locked",
        )
    )
    if int(failures or 0) + 1 >= MAX_FAILED_LOGINS:
        attempt("auth.lockout", f"{MAX_FAILED_LOGINS} wrong passwords ({reason})")
        raise _locked(now + LOCKOUT, now)
    attempt("auth.sign_in", reason)
    raise AccessDenied(WRONG_CREDENTIALS)


def actor_for_username(*, session: Session, username: str) -> Actor | None:
    """The active account with this username (an OIDC e-mail, say), or ``None``."""
    user = _get(session, _normalise_username(username))
    if user is None or not user.active:
        return None
    return _signed_in(session, user)


def active_actor(*, session: Session, user_id: int) -> Actor | None:
    """The account behind a signed-in session, re-read so a deactivation takes effect at once."""
    user = session.get(models.User, user_id)
    if user is None or not user.active:
        return None
    return _signed_in(session, user)


def _attempt_tag(name: str, signing_key: LinkKey) -> str:
    """A short keyed hash of a typed username: repeats can be told apart, the text cannot be
    read back (it may be a password typed into the wrong field)."""
    if not name:
        return "blank"
    return signing_key.tag(b"checkins/sign-in-name/v1\x00", name.encode()).hex()[:12]


def _locked(until: datetime, now: datetime) -> AccountLocked:
    minutes = _minutes(until - now)
    unit = "minute" if minutes == 1 else "minutes"
    return AccountLocked(
        f"This account is locked after {MAX_FAILED_LOGINS} wrong passwords. "
        f"Try again in {minutes} {unit}, or ask an administrator to unlock it.",
        until=until,
    )


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
