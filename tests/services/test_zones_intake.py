"""Zone by zone: what intake stores of the measured region, and how check-ins are compared."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.measures import like_for_like, zone_delta, zone_figures
from checkins.services import intake, queue
from checkins.services.reconcile import reconcile
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Photo
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, at, calm_answers, make_treatment


def _send(db: Database, store: PhotoStore, tid: int, redness: float, sub: str, **kw: object) -> int:
    data = to_jpeg(skin_photo(width=800, height=600, tone="light", redness=redness, seed=3))
    photo = intake.prepare_photo(data, name="cheek.jpg", isolated=False)
    with db.session() as s:
        res = intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, photos=[photo],
            client_submission_id=sub, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
    return res.checkin_id


def test_intake_stores_zones_and_region_and_compares_zone_by_zone(
    db: Database, store: PhotoStore
) -> None:
    tid = make_treatment(db)
    _send(db, store, tid, 0.0, "zones-base", is_baseline=True, answers=None, submitted_at=at(-1))
    cid = _send(db, store, tid, 1.0, "zones-day-2", answers=calm_answers(), submitted_at=at(30))
    with db.read() as s:
        base, day2 = s.scalars(select(CheckIn).order_by(CheckIn.id)).all()
        photo = s.scalars(select(Photo).where(Photo.checkin_id == cid)).one()
    assert base.zones and day2.zones and set(day2.zones) == {"area"}
    assert photo.region_kind == "body" and photo.zones and photo.zones[0]["zone"] == "area"
    # The change is the zones' change, and the redder photo reads redder.
    expected = zone_delta(day2.zones, base.zones)
    assert expected is not None and expected > 3.0
    assert day2.delta_a_star_baseline == pytest.approx(expected)
    # The region's image was stored before the row, and reconcile counts it as referenced.
    assert photo.region_key is not None and store.exists(photo.region_key)
    with db.session() as s:
        report = reconcile(session=s, actor=ADMIN, store=store, repair=True, grace_seconds=0)
    assert photo.region_key not in report.files_without_rows
    assert store.exists(photo.region_key)


def test_the_measured_rendition_draws_the_region_over_the_display_copy(
    db: Database, store: PhotoStore
) -> None:
    tid = make_treatment(db)
    cid = _send(db, store, tid, 0.5, "zones-overlay", answers=calm_answers(), submitted_at=at(30))
    with db.session() as s:
        pid = s.scalars(select(Photo.id).where(Photo.checkin_id == cid)).one()
        display = queue.photo_bytes(session=s, store=store, actor=ADMIN, photo_id=pid)
        measured = queue.photo_bytes(
            session=s, store=store, actor=ADMIN, photo_id=pid, rendition="measured"
        )
    a, b = Image.open(io.BytesIO(display)), Image.open(io.BytesIO(measured))
    assert a.size == b.size and b.format == "JPEG"
    assert a.tobytes() != b.tobytes()


def test_zone_figures_keep_zones_with_enough_pixels_and_average_photos() -> None:
    photos = [
        [
            {"zone": "forehead", "pixels": 400, "mean_a_star": 10.0, "erythema_index": 5.0},
            {"zone": "chin", "pixels": 5, "mean_a_star": 30.0, "erythema_index": 9.0},
        ],
        [{"zone": "forehead", "pixels": 300, "mean_a_star": 12.0, "erythema_index": 7.0}],
    ]
    assert zone_figures(photos) == {"forehead": {"a": 11.0, "ei": 6.0}}


def test_changes_are_taken_over_shared_zones_each_counting_once() -> None:
    base = {"forehead": {"a": 10.0}, "left_cheek": {"a": 12.0}}
    now = {"forehead": {"a": 13.0}, "left_cheek": {"a": 13.0}, "chin": {"a": 40.0}}
    # The chin was not in the baseline: it does not make the check-in "redder".
    assert zone_delta(now, base) == pytest.approx(2.0)
    assert like_for_like(now, base) == pytest.approx(13.0)
    assert zone_delta({"area": {"a": 20.0}}, base) is None  # a body site against a face
    assert zone_delta(now, {}) is None


def test_the_patients_photo_feedback_outlines_what_was_measured() -> None:
    from checkins.services.patient_form import check_photo

    skin = to_jpeg(skin_photo(width=800, height=600, tone="deep", redness=0.4, seed=5))
    checked = check_photo(skin, name="cheek.jpg")
    assert checked.ok and checked.thumb is not None
    outlined = checked.measured_thumb
    assert outlined is not None and outlined != checked.thumb
    assert Image.open(io.BytesIO(outlined)).size == Image.open(io.BytesIO(checked.thumb)).size
    # A photo of a grey wall has no treated skin: nothing is outlined, and it is refused.
    wall = Image.new("RGB", (800, 600), (128, 128, 130))
    buf = io.BytesIO()
    wall.save(buf, "JPEG")
    grey = check_photo(buf.getvalue(), name="wall.jpg")
    assert not grey.ok and grey.measured_thumb is None
