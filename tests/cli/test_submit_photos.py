"""`checkins submit`'s photos: the forked batch child and the spawned pool (for a process that
already runs threads) give the same processed photos, and the same refusal, in path order."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checkins.cli.submit import Photos
from checkins.domain import InvalidInput
from checkins.imaging.pipeline import process_photo
from checkins.imaging.synthetic import skin_photo, stored_for_orientation, to_jpeg


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    upright = skin_photo(width=1024, height=768, tone="tan", redness=0.4, seed=5)
    paths = []
    for i, orientation in enumerate((1, 6)):
        p = tmp_path / f"p{i}.jpg"
        p.write_bytes(
            to_jpeg(stored_for_orientation(upright, orientation), exif_orientation=orientation)
        )
        paths.append(p)
    return paths


@pytest.fixture(params=["forked", "spawned"])
def mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """``spawned``: another thread is alive, as in a server, so no fork is made."""
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)
    if request.param == "spawned":
        waiter.start()
    try:
        yield str(request.param)
    finally:
        stop.set()
        if waiter.is_alive():
            waiter.join()


def test_both_ways_store_what_intake_would(photos: list[Path], mode: str) -> None:
    with Photos(photos) as started:
        assert (started._batch is None) == (mode == "spawned")
        done = started.processed(photos)
    for path, processed in zip(photos, done, strict=True):
        alone = process_photo(path.read_bytes())
        assert processed.stored == alone.stored
        assert processed.display_jpeg == alone.display_jpeg
        assert processed.analysis.metrics == alone.analysis.metrics


def test_the_first_refused_photo_is_reported(photos: list[Path], tmp_path: Path, mode: str) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff" + b"\x00" * 5000)
    missing = tmp_path / "missing.jpg"
    paths = [photos[0], broken, missing]
    with Photos(paths) as started, pytest.raises(InvalidInput) as refused:
        started.processed(paths)
    assert refused.value.code in ("corrupt", "unsupported_type")
    assert "broken" not in refused.value.message  # the photo's sentence, not a file error
    folder = started._folder
    assert folder is None or not folder.exists()  # nothing of the photos is left behind
