"""Redness metrics over the skin mask, in the units ``docs/metrics.md`` defines.

- ``mean_a_star``: mean CIELAB a* (D65, true scale) of skin pixels.
- ``erythema_index``: mean over skin of 100·log10(R/G) on linear sRGB (Dawson et al. 1980 form;
  camera RGB version after Yamamoto et al. 2008).
- ``red_area_fraction``: share of skin pixels with a* above ``RED_A_STAR_THRESHOLD``.
- ``ita``: individual typology angle, arctan((L* − 50)/b*)·180/π, of the skin that is not red
  (a* at or below the threshold), so that it describes the patient's tone, not the treatment.

An empty mask gives ``None`` for every metric (never NaN, never zero).
"""

from __future__ import annotations

import math

import numpy as np

from checkins.domain import PhotoMetrics
from checkins.imaging.color import F32
from checkins.imaging.skin import Mask

RED_A_STAR_THRESHOLD = 15.0
# Linear values below this are treated as this (a black pixel has no defined R/G ratio).
_LINEAR_FLOOR = 1.0 / 1024.0


def erythema_index(linear: F32) -> F32:
    """Per-pixel 100·log10(R/G) of linear sRGB (..., 3), float32 (...)."""
    r = np.maximum(linear[..., 0], np.float32(_LINEAR_FLOOR))
    g = np.maximum(linear[..., 1], np.float32(_LINEAR_FLOOR))
    out: F32 = (np.float32(100.0) * np.log10(r / g)).astype(np.float32)
    return out


def ita_degrees(l_star: float, b_star: float) -> float:
    """Individual typology angle in degrees (> 55 very light … < −30 dark)."""
    return math.degrees(math.atan2(l_star - 50.0, b_star))


def redness_metrics(linear: F32, lab: F32, mask: Mask, *, calibrated: bool) -> PhotoMetrics:
    """The four metrics of the skin under ``mask`` (h, w) from linear sRGB and CIELAB (h, w, 3)."""
    if not mask.any():
        return PhotoMetrics(calibrated=calibrated)
    skin_lab = lab[mask]
    a = skin_lab[:, 1]
    red = a > RED_A_STAR_THRESHOLD
    n_red = int(np.count_nonzero(red))
    tone = skin_lab[~red] if a.size - n_red >= max(20, 0.05 * a.size) else skin_lab
    ei = erythema_index(linear[mask])
    return PhotoMetrics(
        mean_a_star=float(a.mean(dtype=np.float64)),
        erythema_index=float(ei.mean(dtype=np.float64)),
        red_area_fraction=n_red / a.size,
        ita=ita_degrees(
            float(tone[:, 0].mean(dtype=np.float64)), float(tone[:, 2].mean(dtype=np.float64))
        ),
        calibrated=calibrated,
    )
