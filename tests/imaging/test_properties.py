"""Random and mutated bytes never crash intake: they are processed or refused, nothing else."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins.imaging import PhotoRejected, ProcessedPhoto, process_photo
from checkins.imaging.synthetic import skin_photo, to_jpeg, to_png

_SMALL = skin_photo(width=96, height=72, seed=7)
SEEDS = [
    to_jpeg(_SMALL, exif_orientation=6, with_gps=True),
    to_jpeg(_SMALL, progressive=True),
    to_png(_SMALL),
]


def outcome(data: bytes) -> ProcessedPhoto | None:
    try:
        result = process_photo(data)
    except PhotoRejected as exc:
        assert exc.code and exc.message
        return None
    assert result.stored and result.display_jpeg and result.thumb_jpeg
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    outcome(data)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10**6),
)
def test_mutated_photos_never_crash(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for pos, value in flips:
        data[pos % len(data)] = value
    data = data[: max(1, cut % (len(data) + 1))]
    result = outcome(bytes(data))
    if result is not None:
        assert np.isfinite(result.analysis.quality.sharpness)
