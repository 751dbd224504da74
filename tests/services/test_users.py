"""Local staff accounts: hashing, the generic sentence, lock-out, idle time-out, admin actions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from checkins.demo_accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from checkins.domain import AccessDenied, Conflict, InvalidInput, NotFound, Role
from checkins.services import users
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, User
from tests.services.helpers import ADMIN, LINK_KEY

NOW = datetime(2026, 11, 21, 9, 0, 0)
GOOD = "correct horse battery"


def _add(db: Database, username: str = "dr.test", role: str = "provider") -> None:
    with db.session() as s:
        users.add_user(
            session=s,
            actor=ADMIN,
            username=username,
            display_name="Dr Test",
            role=role,
            password=GOOD,
        )


def _try(db: Database, password: str, *, now: datetime = NOW, username: str = "dr.test") -> str:
    """Sign in the way the dashboard does (catching inside the unit of work); '' on success."""
    with db.session() as s:
        try:
            users.authenticate(
                session=s, signing_key=LINK_KEY, username=username, password=password, now=now
            )
        except AccessDenied as refused:
            return refused.message
    return ""


def test_password_is_stored_as_an_argon2_hash(db: Database) -> None:
    _add(db)
    with db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "dr.test"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert GOOD not in stored


def test_sign_in_returns_the_staff_actor(db: Database) -> None:
    _add(db)
    with db.session() as s:
        actor = users.authenticate(
            session=s, signing_key=LINK_KEY, username=" DR.Test ", password=GOOD, now=NOW
        )
    assert actor.role is Role.PROVIDER and actor.name == "Dr Test" and actor.user_id


def test_unknown_user_and_wrong_password_get_the_same_sentence(db: Database) -> None:
    _add(db)
    assert _try(db, "wrong password!") == users.WRONG_CREDENTIALS
    assert _try(db, GOOD, username="nobody") == users.WRONG_CREDENTIALS


def test_five_wrong_passwords_lock_the_account_for_15_minutes(db: Database) -> None:
    _add(db)
    for _ in range(4):
        assert _try(db, "not the password") == users.WRONG_CREDENTIALS
    fifth = _try(db, "not the password")
    assert "locked" in fifth and "15 minutes" in fifth
    # Even the right password is refused while locked, and the sentence says how long is left.
    later = _try(db, GOOD, now=NOW + timedelta(minutes=10))
    assert "locked" in later and "5 minutes" in later
    assert _try(db, GOOD, now=NOW + timedelta(minutes=15, seconds=1)) == ""


def test_a_success_resets_the_failure_count(db: Database) -> None:
    _add(db)
    for _ in range(4):
        _try(db, "nope nope nope")
    assert _try(db, GOOD) == ""
    for _ in range(4):
        assert _try(db, "nope nope nope") == users.WRONG_CREDENTIALS


def test_attempts_are_audited_without_the_password(db: Database) -> None:
    _add(db)
    _try(db, "wrong password!")
    _try(db, GOOD, username="ghost")
    _try(db, GOOD)
    with db.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.%"))).all()
    outcomes = [(e.actor, e.outcome) for e in events]
    assert ("Dr Test", "denied") in outcomes
    assert any(a.startswith("(unknown user #") and o == "denied" for a, o in outcomes)
    assert ("Dr Test", "ok") in outcomes
    assert all(GOOD not in e.detail and "wrong password!" not in e.detail for e in events)


def test_an_unknown_username_is_audited_as_a_keyed_hash_never_verbatim(db: Database) -> None:
    """A password typed into the username box must not land in the audit log."""
    typed = "Tr0ub4dor&3-my-password"
    _try(db, "x", username=typed)
    _try(db, "y", username=typed)
    _try(db, "z", username="someone else")
    with db.read() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.sign_in").order_by(AuditEvent.id)
        ).all()
    assert len(events) == 3
    for e in events:
        assert e.role == "anonymous" and e.outcome == "denied"
        assert e.actor.startswith("(unknown user #")
        for field in (e.actor, e.detail, e.object_type or ""):
            assert typed.lower() not in field.lower() and "someone" not in field
    assert events[0].actor == events[1].actor != events[2].actor  # repeats can be told apart


@pytest.mark.parametrize(
    ("password", "phrase"),
    [("short", "at least 10"), ("aaaaaaaaaaaa", "too few"), ("dr.test", "at least 10")],
)
def test_weak_passwords_are_refused_with_a_sentence(
    db: Database, password: str, phrase: str
) -> None:
    with db.session() as s, pytest.raises(InvalidInput, match=phrase):
        users.add_user(
            session=s,
            actor=ADMIN,
            username="dr.test",
            display_name="Dr",
            role="provider",
            password=password,
        )


def test_patients_get_no_account_and_usernames_are_unique(db: Database) -> None:
    with db.session() as s, pytest.raises(InvalidInput, match="link"):
        users.add_user(
            session=s, actor=ADMIN, username="p", display_name="P", role="patient", password=GOOD
        )
    _add(db)
    with db.session() as s, pytest.raises(Conflict):
        users.add_user(
            session=s,
            actor=ADMIN,
            username="DR.TEST",
            display_name="X",
            role="admin",
            password=GOOD,
        )


def test_set_password_unlocks_and_deactivation_refuses_sign_in(db: Database) -> None:
    _add(db)
    for _ in range(5):
        _try(db, "wrong wrong wrong")
    with db.session() as s:
        users.set_password(
            session=s, actor=ADMIN, username="dr.test", password="a new long password"
        )
    assert _try(db, "a new long password") == ""
    with db.session() as s:
        users.set_active(session=s, actor=ADMIN, username="dr.test", active=False)
        uid = users.get_user(session=s, actor=ADMIN, username="dr.test").id
    assert _try(db, "a new long password") == users.WRONG_CREDENTIALS
    with db.read() as s:
        assert users.active_actor(session=s, user_id=uid) is None
    with db.session() as s, pytest.raises(NotFound):
        users.set_password(session=s, actor=ADMIN, username="ghost", password="whatever long")


def test_oidc_only_account_cannot_sign_in_with_a_password(db: Database) -> None:
    with db.session() as s:
        users.add_user(
            session=s,
            actor=ADMIN,
            username="a@clinic.example",
            display_name="A",
            role="manager",
            password=None,
        )
    assert _try(db, "", username="a@clinic.example") == users.WRONG_CREDENTIALS
    with db.read() as s:
        actor = users.actor_for_username(session=s, username="A@clinic.example")
    assert actor is not None and actor.role is Role.MANAGER


def test_idle_timeout_is_15_minutes() -> None:
    assert timedelta(minutes=15) == users.IDLE_TIMEOUT
    assert users.session_expired(None, NOW)
    assert not users.session_expired(NOW, NOW + timedelta(minutes=14, seconds=59))
    assert users.session_expired(NOW, NOW + timedelta(minutes=15))


def test_demo_accounts_are_idempotent_and_work(db: Database) -> None:
    with db.session() as s:
        first = ensure_demo_accounts(session=s, actor=ADMIN)
    with db.session() as s:
        again = ensure_demo_accounts(session=s, actor=ADMIN)
    assert first == again == [(u, p, r) for u, _, r, p in DEMO_ACCOUNTS]
    for username, password, role in first:
        with db.session() as s:
            actor = users.authenticate(
                session=s, signing_key=LINK_KEY, username=username, password=password
            )
        assert actor.role.value == role
    with db.read() as s:
        assert len(users.list_users(session=s, actor=ADMIN)) == len(DEMO_ACCOUNTS)


def test_simultaneous_wrong_passwords_cannot_get_past_the_limit(db: Database) -> None:
    """Eight wrong passwords at once: the count is not lost, so the account ends up locked."""
    import threading

    _add(db)
    barrier = threading.Barrier(8)
    said: list[str] = []

    def guess() -> None:
        barrier.wait()
        said.append(_try(db, "a wrong guess!!"))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(said) == 8
    assert sum("locked" in s for s in said) >= 4  # the 5th and every later one are refused
    assert "locked" in _try(db, GOOD)  # even the right password, now


def _answers(db: Database, username: str, start: datetime) -> list[str]:
    """What seven wrong attempts, a minute apart, then one 16 minutes later, are told."""
    said = [
        _try(db, "not the password", username=username, now=start + timedelta(minutes=i))
        for i in range(7)
    ]
    said.append(_try(db, "not the password", username=username, now=start + timedelta(minutes=22)))
    return said


def test_an_unknown_username_locks_exactly_as_a_known_one(db: Database) -> None:
    """Only real names used to lock, which told a guesser which names exist."""
    _add(db)
    known = _answers(db, "dr.test", NOW)
    unknown = _answers(db, "dr.nobody", NOW)
    assert "locked" in known[4] and known[:4] == [users.WRONG_CREDENTIALS] * 4
    assert unknown == known
    with db.read() as s:
        lockouts = s.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "auth.lockout")
        ).all()
    assert len(lockouts) == 2 and "Dr Test" in lockouts  # and the unknown name, as its hash
    assert not any("nobody" in a for a in lockouts)


def test_an_inactive_account_locks_like_an_active_one(db: Database) -> None:
    _add(db, "dr.left")
    with db.session() as s:
        users.set_active(session=s, actor=ADMIN, username="dr.left", active=False)
    _add(db)
    assert _answers(db, "dr.left", NOW) == _answers(db, "dr.test", NOW)
