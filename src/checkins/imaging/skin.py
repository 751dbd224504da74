"""Where the skin is: a mask from CIELAB hue and chroma, cleaned by shape.

Fixed YCrCb boxes (Cr 133–173 and the like) cut off strongly red skin, which is exactly the skin
that matters after a treatment. Here skin is any pixel whose CIELAB hue angle lies between
``HUE_MIN_DEG`` (red, a little towards magenta) and ``HUE_MAX_DEG`` (orange-yellow) with enough
chroma to be a colour rather than a grey: that holds for every skin tone (tone moves L* and
chroma, far less the hue) and for inflamed skin (hue falls towards 0°, chroma rises). Greys,
whites and blacks (walls, paper, the card, most clothing), blues and greens are left out; speckles
are removed and pores closed over. Which of these regions is measured is decided by
``checkins.imaging.zones``: by colour alone, beige, wooden or orange backgrounds, red clothing
and lips look like skin.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from checkins.imaging.color import F32

Mask = NDArray[np.bool_]

HUE_MIN_DEG = -25.0
HUE_MAX_DEG = 70.0
CHROMA_MIN = 7.0
A_STAR_MIN = 3.0
L_MIN, L_MAX = 8.0, 97.0
_TAN_MIN = math.tan(math.radians(HUE_MIN_DEG))
_TAN_MAX = math.tan(math.radians(HUE_MAX_DEG))


def colour_candidates(lab: F32) -> Mask:
    """Pixels (h, w) whose colour can be skin: hue, chroma and lightness in the skin range."""
    light, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    # With a* > 0, HUE_MIN ≤ atan2(b*, a*) ≤ HUE_MAX is b* between a*·tan(HUE_MIN) and
    # a*·tan(HUE_MAX): no arctangent per pixel.
    out: Mask = (
        (light >= L_MIN)
        & (light <= L_MAX)
        & (a >= A_STAR_MIN)
        & (a * a + b * b >= CHROMA_MIN * CHROMA_MIN)
        & (b >= a * _TAN_MIN)
        & (b <= a * _TAN_MAX)
    )
    return out


def cleaned_candidates(lab: F32, *, exclude: Mask | None = None) -> NDArray[np.uint8]:
    """Skin candidates (0/1 uint8, (h, w)) with speckles opened away and pores and hairs closed
    over; ``exclude`` marks pixels that are never skin (the reference card)."""
    cand = colour_candidates(lab)
    if exclude is not None:
        cand &= ~exclude
    m = cand.astype(np.uint8)
    k3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    k5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    m = np.asarray(cv2.morphologyEx(m, cv2.MORPH_OPEN, k3), dtype=np.uint8)
    m = np.asarray(cv2.morphologyEx(m, cv2.MORPH_CLOSE, k5), dtype=np.uint8)
    if exclude is not None:
        m[exclude] = 0
    return m
