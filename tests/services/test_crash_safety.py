"""A process killed between the photo write and the commit leaves nothing reconcile can't fix."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checkins.domain import InvalidInput
from checkins.services.reconcile import reconcile
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Photo
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, make_treatment

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from checkins.domain import Answers, Role
    from checkins.imaging.synthetic import skin_photo, to_jpeg
    from checkins.rules import load_rules
    from checkins.services import intake
    from checkins.services.views import Actor
    from checkins.storage.db import Database
    from checkins.storage.photos import PhotoStore

    db = Database.connect(sys.argv[1])
    store = PhotoStore(sys.argv[2])
    data = to_jpeg(skin_photo(width=480, height=360, tone="medium", redness=0.4, seed=5))
    photo = intake.prepare_photo(data, isolated=False)
    answers = Answers.model_validate(dict(temperature=None, drainage_like_pus=False,
        increased_warmth=False, swelling="none", redness="mild", oozing=False, pain=1,
        picked_or_peeled_skin=False))
    with db.session() as s:
        intake.submit_checkin(session=s, store=store, actor=Actor.system(1, "t"),
            ruleset=load_rules(), treatment_id=int(sys.argv[3]), answers=answers, photos=[photo],
            client_submission_id="killed-before-commit", submitted_at=datetime(2026, 11, 22))
        s.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # dies inside the transaction, before COMMIT
    """
)


def test_kill_between_photo_write_and_commit(
    db: Database, store: PhotoStore, tmp_path: Path
) -> None:
    tid = make_treatment(db)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    url = db.engine.url.render_as_string(hide_password=False)
    proc = subprocess.run(
        [sys.executable, str(script), url, str(store.root), str(tid)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert proc.returncode == -9, proc.stderr
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 0
    orphans = list(store.keys())
    assert len(orphans) == 4  # stored copy, display copy, thumbnail and region, all written first
    with db.session() as s:
        report = reconcile(session=s, actor=ADMIN, store=store, repair=False, grace_seconds=0)
    assert sorted(report.files_without_rows) == sorted(orphans) and not report.rows_without_files
    with db.session() as s:
        reconcile(session=s, actor=ADMIN, store=store, repair=True, grace_seconds=0)
    assert list(store.keys()) == []
    with db.session() as s:
        assert reconcile(session=s, actor=ADMIN, store=store, grace_seconds=0).clean


def test_recent_orphans_are_left_alone_for_an_intake_in_flight(
    store: PhotoStore, db: Database
) -> None:
    key = store.put(b"in flight")
    with db.session() as s:
        report = reconcile(session=s, actor=ADMIN, store=store, repair=True)  # default grace period
    assert report.clean and store.exists(key)


def test_rows_without_files_are_flagged_not_deleted(db: Database, store: PhotoStore) -> None:
    from checkins.imaging.synthetic import skin_photo, to_jpeg
    from checkins.services import intake

    from .helpers import ADMIN, at, calm_answers

    tid = make_treatment(db)
    photo = intake.prepare_photo(to_jpeg(skin_photo(width=480, height=360, seed=9)), isolated=False)
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[photo],
            client_submission_id="lost-disk-1",
            submitted_at=at(30),
        )
    store.delete(res.photos[0].storage_key)
    with db.session() as s:
        report = reconcile(session=s, actor=ADMIN, store=store, repair=True, grace_seconds=0)
    assert report.rows_without_files == [(res.photos[0].id, res.photos[0].storage_key)]
    with db.read() as s:
        row = s.scalar(select(Photo))
        assert row is not None and "file_missing" in row.quality_issues
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1  # the answers are kept


@pytest.mark.parametrize("grace", [math.nan, math.inf, -1.0])
def test_reconcile_refuses_a_grace_that_disables_its_protection(
    grace: float, store: PhotoStore, sqlite_db: Database
) -> None:
    """Whoever calls it (the command line, a script): a NaN grace compares false with every
    age, so a repair would remove an intake's photo in flight. Refused with a sentence, and
    nothing is touched."""
    key = store.put(b"a photo an intake in flight has just written")
    refusal = "grace period is a number of seconds"
    with pytest.raises(InvalidInput, match=refusal) as refused, sqlite_db.session() as s:
        reconcile(session=s, actor=ADMIN, store=store, repair=True, grace_seconds=grace)
    assert refused.value.code == "invalid_grace"
    assert list(store.keys()) == [key]
