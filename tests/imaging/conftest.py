"""Synthetic photos shared by the imaging tests, built once per session (they cost ~0.1 s each)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from checkins.imaging import shutdown_pool
from checkins.imaging.synthetic import skin_photo, to_jpeg

W, H = 800, 600  # the smallest size the quality gate accepts; keeps the suite fast


@pytest.fixture(scope="session")
def good_array() -> NDArray[np.uint8]:
    return skin_photo(width=W, height=H, tone="medium", redness=0.4, seed=1)


@pytest.fixture(scope="session")
def good_jpeg(good_array: NDArray[np.uint8]) -> bytes:
    return to_jpeg(good_array)


@pytest.fixture(scope="session", autouse=True)
def _stop_workers() -> Iterator[None]:
    yield
    shutdown_pool()
