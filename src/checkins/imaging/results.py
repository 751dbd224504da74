"""What photo analysis returns: frozen dataclasses, and their JSON for ``checkins analyze``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from checkins.domain import PhotoMetrics

# Bump when any threshold, mask rule or formula changes: stored metrics carry the version that
# produced them so that trends never mix incomparable numbers.
ALGORITHM_VERSION = "imaging-2.0"


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class QualityIssue:
    """One reason a photo is not good enough: a code for programs, a hint for the patient."""

    code: str
    hint: str


@dataclass(frozen=True)
class QualityReport:
    """The quality gate's verdict.

    ``sharpness`` is 100·std(Laplacian)/mean(grey) over the skin at analysis scale (relative
    detail, comparable across skin tones); ``brightness`` is the median L* (0–100) of the frame;
    ``skin_fraction`` is the share of the frame (0–1) the skin mask covers.
    """

    acceptable: bool
    issues: tuple[QualityIssue, ...]
    sharpness: float
    brightness: float
    skin_fraction: float

    def to_json(self) -> dict[str, object]:
        return {
            "acceptable": self.acceptable,
            "issues": [i.code for i in self.issues],
            "hints": {i.code: i.hint for i in self.issues},
            "sharpness": round(self.sharpness, 2),
            "brightness": round(self.brightness, 2),
            "skin_fraction": round(self.skin_fraction, 4),
        }


@dataclass(frozen=True)
class Calibration:
    """What the reference card gave: scale and white balance, or nothing when it was not found.

    ``mm_per_pixel`` is at the photo's full resolution; ``white_balance_gains`` are the linear
    (R, G, B) gains applied before measuring; ``markers`` is how many of the four were found.
    """

    card_detected: bool = False
    mm_per_pixel: float | None = None
    white_balance_gains: tuple[float, float, float] | None = None
    markers: int = 0

    def to_json(self) -> dict[str, object]:
        gains = self.white_balance_gains
        return {
            "card_detected": self.card_detected,
            "mm_per_pixel": _r(self.mm_per_pixel, 5),
            "white_balance_gains": None if gains is None else [round(g, 4) for g in gains],
            "markers": self.markers,
        }


@dataclass(frozen=True)
class ZoneMeasure:
    """One zone of the measured region (forehead, left_cheek, …, or ``area`` on a body site)."""

    name: str
    pixels: int
    metrics: PhotoMetrics

    def to_json(self) -> dict[str, object]:
        return {
            "zone": self.name,
            "pixels": self.pixels,
            "mean_a_star": _r(self.metrics.mean_a_star),
            "erythema_index": _r(self.metrics.erythema_index),
        }


@dataclass(frozen=True)
class PhotoAnalysis:
    """Everything measured on one photo. ``width``/``height``: full resolution, upright."""

    width: int
    height: int
    format: str
    quality: QualityReport
    metrics: PhotoMetrics
    calibration: Calibration = field(default_factory=Calibration)
    algorithm_version: str = ALGORITHM_VERSION
    # The measured region: "face", "body" or "none", its zones, and its label image on the
    # colour grid (0 outside, ``zones.ZONE_CODES`` inside): ``--mask-out`` and the overlays.
    region_kind: str = "none"
    zones: tuple[ZoneMeasure, ...] = ()
    region_labels: NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, object]:
        m = self.metrics
        return {
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "quality": self.quality.to_json(),
            "redness": {
                "mean_a_star": _r(m.mean_a_star),
                "erythema_index": _r(m.erythema_index),
                "red_area_fraction": _r(m.red_area_fraction, 4),
                "ita": _r(m.ita, 2),
                "calibrated": m.calibrated,
            },
            "calibration": self.calibration.to_json(),
            "region": self.region_kind,
            "zones": [z.to_json() for z in self.zones],
            "algorithm_version": self.algorithm_version,
        }


@dataclass(frozen=True)
class ProcessedPhoto:
    """An accepted photo ready for storage.

    ``stored`` is the full-resolution copy to keep (upright, sRGB, no metadata, nothing after the
    image), in ``stored_format`` ("JPEG" or "PNG"); ``display_jpeg`` is ≤ 1600 px on its long
    edge and ``thumb_jpeg`` ≤ 320 px.
    """

    analysis: PhotoAnalysis
    stored: bytes
    stored_format: str
    display_jpeg: bytes
    thumb_jpeg: bytes
