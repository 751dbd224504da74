"""Random and mutated uploads through the whole intake: refused with nothing stored, or stored
whole. Never a crash, never a half-stored check-in."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from checkins.domain import InvalidInput
from checkins.imaging.synthetic import skin_photo, to_jpeg, to_png
from checkins.services import intake
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Photo, ReviewItem, RuleHit, TriageRecord
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, at, calm_answers, make_treatment

_SMALL = skin_photo(width=640, height=600, seed=11)
SEEDS = [to_jpeg(_SMALL, exif_orientation=3, with_gps=True), to_png(_SMALL)]
COUNTER = iter(range(10**9))


def send(db: Database, tid: int, data: bytes) -> None:
    """One check-in with this upload; on success it is stored whole, on refusal not at all."""
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp))
        try:
            photo = intake.prepare_photo(data, name="upload", isolated=False)
            with db.session() as s:
                res = intake.submit_checkin(
                    ruleset=RULES,
                    session=s,
                    store=store,
                    actor=ADMIN,
                    treatment_id=tid,
                    answers=calm_answers(),
                    photos=[photo],
                    client_submission_id=f"fuzz-{next(COUNTER):08d}",
                    submitted_at=at(30),
                )
        except InvalidInput as refused:
            event(f"refused: {refused.code}")
            assert refused.message and refused.code
            assert list(store.keys()) == [] and list(store.temp_files()) == []
            with db.read() as s:
                assert s.scalar(select(func.count()).select_from(CheckIn)) == 0
            return
        event("stored")
        with db.read() as s:
            row = s.get(Photo, res.photos[0].id)
            assert row is not None
            keys = {row.storage_key, row.display_key, row.thumb_key, row.region_key} - {None}
        assert res.photos[0].has_region == (row.region_key is not None)
        assert keys == set(store.keys())  # every blob the row names, and nothing else
    with db.session() as s:  # leave no check-in for the next example (audit rows stay: 0006)
        for model in (RuleHit, ReviewItem, TriageRecord, Photo, CheckIn):
            s.execute(delete(model))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.binary(max_size=1024),
        st.builds(
            lambda seed, flips, cut: _mutate(seed, flips, cut),
            st.sampled_from(SEEDS),
            st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
            st.integers(0, 10**6),
        ),
    )
)
def test_any_upload_is_stored_whole_or_refused_with_nothing_stored(
    sqlite_db: Database, data: bytes
) -> None:
    tid = _treatment(sqlite_db)
    send(sqlite_db, tid, data)


_TREATMENTS: dict[int, int] = {}


def _treatment(db: Database) -> int:
    key = id(db)
    if key not in _TREATMENTS:
        _TREATMENTS[key] = make_treatment(db)
    return _TREATMENTS[key]


def _mutate(seed: bytes, flips: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for pos, value in flips:
        data[pos % len(data)] = value
    return bytes(data[: max(1, cut % (len(data) + 1))])
