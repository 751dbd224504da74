"""A patient's draft: kept per link, photos in the store before the row, gone with the link."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from checkins import links
from checkins.domain import AccessDenied, Role
from checkins.services import drafts, reconcile
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import CheckinDraft
from checkins.storage.photos import PhotoStore, sha256_hex
from tests.services.helpers import ADMIN, LINK_KEY, make_treatment

NOW = datetime(2026, 11, 21, 9, 0, 0)
ALLOWED = frozenset({"temperature", "pain", "swelling", "no_thermometer"})


def _link(db: Database, treatment_id: int, *, ttl_days: int = 30) -> tuple[str, Actor]:
    with db.session() as s:
        url = links.issue_link(
            session=s,
            key=LINK_KEY,
            actor=ADMIN,
            treatment_id=treatment_id,
            ttl_days=ttl_days,
            now=NOW,
        )
    token = parse_qs(urlsplit(url).query)["t"][0]
    with db.session() as s:
        actor = links.verify_token(session=s, key=LINK_KEY, token=token, now=NOW)
    return token, actor


def test_a_draft_comes_back_for_the_same_link(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    token, actor = _link(db, tid)
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={"temperature": "38,7", "pain": "3", "swelling": None, "evil": "x"},
            photos=[("cheek.jpg", b"one"), ("chin.jpg", b"two")],
            allowed=ALLOWED,
            now=NOW,
        )
    with db.session() as s:
        draft = drafts.load(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            allowed=ALLOWED,
            now=NOW,
        )
    assert draft is not None
    assert draft.answers == {"temperature": "38,7", "pain": "3", "swelling": None}
    assert draft.photos == (("cheek.jpg", b"one"), ("chin.jpg", b"two"))
    # A second save replaces the first: one row per link.
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={"pain": "4"},
            photos=[("chin.jpg", b"two")],
            allowed=ALLOWED,
            now=NOW,
        )
    with db.session() as s:
        draft = drafts.load(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            allowed=ALLOWED,
            now=NOW,
        )
        assert s.scalar(select(func.count()).select_from(CheckinDraft)) == 1
    assert draft is not None and draft.answers == {"pain": "4"}
    assert [name for name, _ in draft.photos] == ["chin.jpg"]
    # The photos are in the store, and reconcile keeps them although no check-in names them.
    with db.session() as s:
        report = reconcile.reconcile(
            session=s,
            actor=ADMIN,
            store=store,
            repair=True,
            grace_seconds=0,
            now=NOW.timestamp() + 1e9,
        )
    assert store.exists(sha256_hex(b"two"))  # named by the draft: kept
    assert sha256_hex(b"one") in report.files_without_rows  # dropped from the draft: removed
    assert not store.exists(sha256_hex(b"one"))


def test_photos_are_stored_before_the_row_commits(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    token, actor = _link(db, tid)
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={},
            photos=[("a.jpg", b"blob-a")],
            allowed=ALLOWED,
            now=NOW,
        )
        s.flush()
        # Inside the transaction, before commit: the blob is already durable.
        assert store.exists(sha256_hex(b"blob-a"))


def test_another_link_or_patient_sees_no_draft(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    other = make_treatment(db, name="Other Person")
    token, actor = _link(db, tid)
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={"pain": "2"},
            photos=[],
            allowed=ALLOWED,
            now=NOW,
        )
    newer, _ = _link(db, tid, ttl_days=31)  # a new link starts afresh
    with db.session() as s:
        assert (
            drafts.load(
                session=s,
                signing_key=LINK_KEY,
                store=store,
                actor=actor,
                token=newer,
                allowed=ALLOWED,
                now=NOW,
            )
            is None
        )
    other_token, other_actor = _link(db, other)
    with db.session() as s, pytest.raises(AccessDenied):
        drafts.load(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=other_actor,
            token=token,
            allowed=ALLOWED,
            now=NOW,
        )
    staff = Actor(role=Role.PROVIDER, name="dr", user_id=1, clinic_id=1)
    with db.session() as s, pytest.raises(AccessDenied):
        drafts.load(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=staff,
            token=token,
            allowed=ALLOWED,
            now=NOW,
        )
    assert other_token


def test_a_draft_expires_with_its_link(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    token, actor = _link(db, tid, ttl_days=1)
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={"pain": "2"},
            photos=[],
            allowed=ALLOWED,
            now=NOW,
        )
    later = NOW + timedelta(days=1, seconds=1)
    with db.session() as s:
        assert (
            drafts.load(
                session=s,
                signing_key=LINK_KEY,
                store=store,
                actor=actor,
                token=token,
                allowed=ALLOWED,
                now=later,
            )
            is None
        )
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CheckinDraft)) == 0


def test_sending_discards_the_draft(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db)
    token, actor = _link(db, tid)
    with db.session() as s:
        drafts.save(
            session=s,
            signing_key=LINK_KEY,
            store=store,
            actor=actor,
            token=token,
            answers={"pain": "2"},
            photos=[],
            allowed=ALLOWED,
            now=NOW,
        )
    with db.session() as s:
        drafts.discard(session=s, signing_key=LINK_KEY, actor=actor, token=token)
    with db.session() as s:
        assert (
            drafts.load(
                session=s,
                signing_key=LINK_KEY,
                store=store,
                actor=actor,
                token=token,
                allowed=ALLOWED,
                now=NOW,
            )
            is None
        )
