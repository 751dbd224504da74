"""Patient links: signed, expiring, revocable; every refusal is a sentence and is audited."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from checkins import links
from checkins.domain import AccessDenied, InvalidInput, NotFound, Role
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent
from tests.services.helpers import ADMIN, LINK_KEY, TREATED_AT, make_treatment

NOW = TREATED_AT + timedelta(days=1)


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def _issue(db: Database, treatment_id: int, key: links.LinkKey = LINK_KEY, **kw: object) -> str:
    with db.session() as s:
        return links.issue_link(
            session=s, key=key, actor=ADMIN, treatment_id=treatment_id, now=NOW, **kw
        )  # type: ignore[arg-type]


def _verify(db: Database, token: str, *, now=NOW, key: links.LinkKey = LINK_KEY):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return links.verify_token(session=s, key=key, token=token, now=now)


def test_a_link_opens_its_own_treatment_as_the_patient(db: Database) -> None:
    tid = make_treatment(db)
    url = _issue(db, tid, base_url="https://clinic.example/checkins")
    assert url.startswith("https://clinic.example/checkins?t=")
    actor = _verify(db, _token(url))
    assert actor.role is Role.PATIENT and actor.treatment_id == tid and actor.patient_id
    assert actor.name == "Pat Test"


def test_two_patients_links_open_different_treatments(db: Database) -> None:
    a = make_treatment(db, name="A")
    b = make_treatment(db, name="B")
    assert _verify(db, _token(_issue(db, a))).treatment_id == a
    assert _verify(db, _token(_issue(db, b))).treatment_id == b


def test_an_expired_link_says_so(db: Database) -> None:
    tid = make_treatment(db)
    token = _token(_issue(db, tid, ttl_days=1))
    with pytest.raises(AccessDenied, match="expired") as err:
        _verify(db, token, now=NOW + timedelta(days=1, seconds=1))
    assert err.value.code == "link_expired"


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_an_altered_link_is_refused(db: Database, where: str) -> None:
    tid = make_treatment(db)
    other = make_treatment(db, name="Other")
    token = _token(_issue(db, tid))
    body, sig = token.split(".")
    if where == "payload":
        # Point the same signature at another treatment.
        import base64

        forged = f"v1:{other}:1:{int(1e10)}".encode()
        body = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    else:
        sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(AccessDenied, match="changed") as err:
        _verify(db, f"{body}.{sig}")
    assert err.value.code == "link_altered"


@pytest.mark.parametrize("token", ["", "nodot", "a.b.c", "!!!.???", "x" * 500, "e30.e30"])
def test_a_malformed_link_is_refused(db: Database, token: str) -> None:
    make_treatment(db)
    with pytest.raises(AccessDenied) as err:
        _verify(db, token)
    assert err.value.code in {"link_malformed", "link_altered", "link_incomplete"}
    assert err.value.message.endswith(".")


@pytest.mark.parametrize("keep", [10, 26, 40, 60, -1])
def test_a_link_cut_off_by_a_messaging_app_says_so_calmly(db: Database, keep: int) -> None:
    tid = make_treatment(db)
    token = _token(_issue(db, tid))
    assert len(token) > 60
    with pytest.raises(AccessDenied) as err:
        _verify(db, token[:keep])
    assert err.value.code == "link_incomplete"
    assert "again from the clinic's message" in err.value.message
    assert "changed" not in err.value.message


@pytest.mark.parametrize("tail", [".", ",", ").", "!", "”"])
def test_punctuation_after_a_link_is_tolerated(db: Database, tail: str) -> None:
    tid = make_treatment(db)
    token = _token(_issue(db, tid))
    assert _verify(db, token + tail).treatment_id == tid


def test_revoking_makes_earlier_links_stale(db: Database) -> None:
    tid = make_treatment(db)
    old = _token(_issue(db, tid))
    with db.session() as s:
        assert links.revoke_links(session=s, actor=ADMIN, treatment_id=tid) == 2
    with pytest.raises(AccessDenied, match="replaced") as err:
        _verify(db, old)
    assert err.value.code == "link_revoked"
    assert _verify(db, _token(_issue(db, tid))).treatment_id == tid


def test_refusals_are_audited_without_the_token(db: Database) -> None:
    tid = make_treatment(db)
    token = _token(_issue(db, tid))
    with db.session() as s, pytest.raises(AccessDenied):
        links.verify_token(session=s, key=LINK_KEY, token=token[:-2] + "xx", now=NOW)
    with db.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "link.refused")).all()
    assert len(events) == 1 and events[0].outcome == "denied"
    assert token[:20] not in events[0].detail


def test_a_key_file_is_made_once_with_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(links.SECRET_ENV, raising=False)
    key = links.load_key()
    path = Path(os.environ["CHECKINS_HOME"]) / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert links.load_key() == key and len(key.secret) >= 32
    assert key.secret.decode() not in repr(key)  # safe in a traceback or a log line


def test_the_environment_key_wins_and_changing_it_revokes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = make_treatment(db)
    monkeypatch.setenv(links.SECRET_ENV, "k" * 40)
    first = links.load_key()
    assert first.secret == b"k" * 40
    token = _token(_issue(db, tid, first))
    assert _verify(db, token, key=first).treatment_id == tid
    monkeypatch.setenv(links.SECRET_ENV, "z" * 40)
    with pytest.raises(AccessDenied, match="changed"):
        _verify(db, token, key=links.load_key())
    monkeypatch.setenv(links.SECRET_ENV, "short")
    with pytest.raises(InvalidInput, match="32"):
        links.load_key()


def test_signing_and_verifying_read_no_environment_or_file(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is loaded once and passed in: with the environment's key now unusable and the
    key file gone, a link is still issued and verified with the key in hand."""
    tid = make_treatment(db)
    monkeypatch.setenv(links.SECRET_ENV, "short")  # load_key would refuse this
    monkeypatch.setenv("CHECKINS_HOME", str(Path(os.environ["CHECKINS_HOME"]) / "missing"))
    token = _token(_issue(db, tid))
    assert _verify(db, token).treatment_id == tid
    assert links.link_identity(token, key=LINK_KEY).treatment_id == tid
    assert not (Path(os.environ["CHECKINS_HOME"])).exists()


def test_the_treatment_to_link_by_patient_or_treatment(db: Database) -> None:
    tid = make_treatment(db)
    pid = _verify(db, _token(_issue(db, tid))).patient_id
    with db.session() as s:
        assert links.treatment_to_link(session=s, actor=ADMIN, patient_id=pid) == tid
        assert links.treatment_to_link(session=s, actor=ADMIN, treatment_id=tid) == tid
        assert links.treatment_to_link(session=s, actor=ADMIN, patient_id=pid, treatment_id=tid)
    with db.session() as s, pytest.raises(NotFound):
        links.treatment_to_link(session=s, actor=ADMIN, treatment_id=9999)
    with db.session() as s, pytest.raises(NotFound, match="no patient"):
        links.treatment_to_link(session=s, actor=ADMIN, patient_id=9999)
    with db.session() as s, pytest.raises(InvalidInput, match="another patient"):
        links.treatment_to_link(session=s, actor=ADMIN, patient_id=pid + 1, treatment_id=tid)
    with db.session() as s, pytest.raises(InvalidInput):
        links.treatment_to_link(session=s, actor=ADMIN)
