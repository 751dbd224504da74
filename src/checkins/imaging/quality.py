"""The quality gate: is this photo good enough to measure and to show a provider?

Measured on the analysis image (long edge ``ANALYSIS_EDGE`` px), so thresholds do not depend on
the camera's resolution. Thresholds were set on the synthetic photos of
``checkins.imaging.synthetic`` (see docs/metrics.md for the table they came from).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from checkins.i18n import N_
from checkins.imaging.color import F32, U8
from checkins.imaging.results import QualityIssue, QualityReport
from checkins.imaging.skin import Mask
from checkins.imaging.zones import MIN_BODY_FRACTION, MIN_FACE_FRACTION, Region

# Below this relative detail (100·std(Laplacian)/mean grey over skin) a photo is blurry.
SHARPNESS_MIN = 2.2
# How much of the estimated noise variance to take out of the Laplacian's (see ``sharpness``).
NOISE_WEIGHT = 1.3
# Too dark: the brightest 1 % of the frame is below this L* (nothing in the frame is well lit).
DARK_P99_L_MAX = 45.0
# Overexposed: more than this share of skin pixels has a channel at 250 or more.
CLIPPED_SKIN_MAX = 0.05
CLIPPED_FRAME_MAX = 0.30
# Too small: the full-resolution photo's short edge is under this many pixels.
MIN_SHORT_EDGE = 600
# No skin: the mask covers less than this share of the frame.
MIN_SKIN_FRACTION = 0.05

HINTS = {
    "blurry": N_(
        "The photo is blurry. Hold the phone still about 20–30 cm from the skin and tap the "
        "screen on the treated area to focus before you take it."
    ),
    "too_dark": N_(
        "The photo is too dark. Move to daylight near a window, and do not use the flash."
    ),
    "overexposed": N_(
        "The photo is too bright and the skin colour is washed out. Step out of direct sunlight "
        "and turn the flash off."
    ),
    "too_small": N_(
        "The photo is too small to measure. Send the original photo from the camera, not a "
        "screenshot or a reduced copy."
    ),
    "no_skin": N_(
        "We could not find skin in the photo. Fill most of the picture with the treated area, "
        "against a plain background."
    ),
    "framing": N_(
        "The treated area is too small in the picture to measure. Move closer so that it fills "
        "most of the photo, against a plain background."
    ),
    "background": N_(
        "Something next to the treated area has a colour like skin, so we cannot be sure what "
        "we measured. Take the photo again against a plain, light background, such as a white "
        "towel or wall."
    ),
}


# Immerkær's noise-estimation kernel: it cancels image structure up to second order, so what it
# responds to is mostly sensor noise (J. Immerkær, "Fast Noise Variance Estimation", CVIU 1996).
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def sharpness(rgb: U8, region: Mask) -> float:
    """Relative detail inside ``region`` (h, w): 100·σ_signal(Laplacian(grey)) / mean(grey).

    The Laplacian's variance is corrected for sensor noise (estimated with Immerkær's kernel;
    white noise adds 20·σ² to the 3×3 Laplacian's variance; resampled noise and JPEG blocking add
    more, hence ``NOISE_WEIGHT``), so a dark, noisy photo does not pass for a sharp one. Dividing
    by the mean grey level makes the number the same for light and dark skin with the same
    texture (pores and hairs are relative changes in reflectance).
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    inner = cv2.erode(region.astype(np.uint8), np.ones((11, 11), np.uint8)).astype(bool)
    if inner.sum() < 100:
        inner = np.ones_like(region)
    mean = float(grey[inner].mean())
    if mean < 1.0:
        return 0.0
    lap = cv2.Laplacian(grey, cv2.CV_32F, ksize=1)[inner].astype(np.float64)
    noise = (
        math.sqrt(math.pi / 2.0)
        / 6.0
        * float(np.abs(cv2.filter2D(grey, cv2.CV_32F, _NOISE_KERNEL)[inner]).mean())
    )
    signal_var = max(float(lap.var()) - NOISE_WEIGHT * 20.0 * noise * noise, 0.0)
    return 100.0 * math.sqrt(signal_var) / mean


def percentiles(values: F32, *quantiles: float) -> tuple[float, ...]:
    """``np.percentile(values, 100 * q)`` for each q (its linear interpolation), from one
    partial sort instead of the full machinery (half the time on an analysis image)."""
    flat = np.asarray(values, dtype=np.float32).ravel()
    last = flat.size - 1
    spots = [q * last for q in quantiles]
    ranks = sorted({min(int(s) + d, last) for s in spots for d in (0, 1)})
    part = np.partition(flat, ranks)
    out = []
    for s in spots:
        lo = int(s)
        hi = min(lo + 1, last)
        out.append(float(part[lo]) + (s - lo) * (float(part[hi]) - float(part[lo])))
    return tuple(out)


def framing_ok(region: Region) -> bool:
    """Framing check: the treated area was found and covers enough of the frame."""
    if not region.found:
        return False
    if region.kind == "face":
        return region.treated_fraction >= MIN_FACE_FRACTION
    return region.treated_fraction >= MIN_BODY_FRACTION


def assess(
    rgb: U8,
    colour: U8,
    lab: F32,
    mask: Mask,
    *,
    full_width: int,
    full_height: int,
    region: Region | None = None,
) -> QualityReport:
    """Grade a photo from its analysis image ``rgb`` (h, w, 3) and the half-scale ``colour``
    image (h/2, w/2, 3) with its CIELAB ``lab`` and measured ``mask`` (h/2, w/2).

    With ``region`` (the measured region, see ``checkins.imaging.zones``) the framing check
    replaces the bare skin-share test: a region not found is ``no_skin``, one too small a part
    of the frame is ``framing``, and a body site whose skin touched a skin-coloured surface is
    ``background`` (measured without the surface, but asked again on a plain one).
    """
    skin_fraction = float(mask.mean())
    framed = skin_fraction >= MIN_SKIN_FRACTION if region is None else framing_ok(region)
    if framed and mask.sum() >= 100:
        size = (rgb.shape[1], rgb.shape[0])
        where = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    else:
        where = np.ones(rgb.shape[:2], dtype=bool)
    sharp = sharpness(rgb, where)
    brightness, p99 = percentiles(lab[..., 0], 0.50, 0.99)
    # The brightest channel of each pixel (``max(axis=2)`` takes 30× as long on 3 channels).
    clipped = np.maximum(np.maximum(colour[..., 0], colour[..., 1]), colour[..., 2]) >= 250
    clipped_skin = float(clipped[mask].mean()) if mask.any() else 0.0
    codes: list[str] = []
    if min(full_width, full_height) < MIN_SHORT_EDGE:
        codes.append("too_small")
    if p99 < DARK_P99_L_MAX:
        codes.append("too_dark")
    found = bool(mask.any()) if region is None else region.found
    washed_out = not framed and float(clipped.mean()) > CLIPPED_FRAME_MAX
    if clipped_skin > CLIPPED_SKIN_MAX or washed_out:
        codes.append("overexposed")
    if not framed and (region is None or not found):
        codes.append("no_skin")
    elif not framed:
        codes.append("framing")
    elif region is not None and region.surface:
        codes.append("background")
    elif sharp < SHARPNESS_MIN:
        codes.append("blurry")
    issues = tuple(QualityIssue(code=c, hint=HINTS[c]) for c in codes)
    return QualityReport(
        acceptable=not issues,
        issues=issues,
        sharpness=sharp,
        brightness=brightness,
        skin_fraction=skin_fraction,
    )
