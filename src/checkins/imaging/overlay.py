"""The measured region drawn over a photo: each zone tinted and outlined in its own colour.

Pure functions: the case view and the patient's feedback call them through the services with
the display copy and the region's label image stored at intake (``zones.region_png``).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from checkins.imaging.color import U8
from checkins.imaging.zones import ZONE_CODES

# Okabe–Ito colours (told apart with the common colour-vision deficiencies), as sRGB.
ZONE_COLOURS: dict[str, tuple[int, int, int]] = {
    "forehead": (230, 159, 0),
    "left_cheek": (86, 180, 233),
    "right_cheek": (0, 158, 115),
    "nose": (240, 228, 66),
    "chin": (204, 121, 167),
    "area": (0, 114, 178),
}
ZONE_LABELS = {
    "forehead": "forehead",
    "left_cheek": "left cheek",
    "right_cheek": "right cheek",
    "nose": "nose",
    "chin": "chin",
    "area": "treated area",
}
_TINT = 0.38


def draw_region(rgb: U8, labels: NDArray[np.uint8]) -> U8:
    """``rgb`` (h, w, 3) with each zone of ``labels`` (any size) tinted and outlined."""
    h, w = rgb.shape[:2]
    big = np.asarray(cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST), np.uint8)
    out = rgb.astype(np.float32)
    thick = max(2, round(max(h, w) / 400))
    edges: list[tuple[NDArray[np.int32], tuple[int, int, int]]] = []  # (contour, colour)
    for name, code in ZONE_CODES.items():
        m = big == code
        if not m.any():
            continue
        colour = np.array(ZONE_COLOURS[name], np.float32)
        out[m] = out[m] * (1.0 - _TINT) + colour * _TINT
        contours, _ = cv2.findContours(
            m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
        )
        edges.extend((np.asarray(c, np.int32), ZONE_COLOURS[name]) for c in contours)
    drawn = np.clip(out, 0, 255).astype(np.uint8)
    for contour, rgb_colour in edges:  # a dark rim under each line keeps it visible on any skin
        cv2.drawContours(drawn, [contour], -1, (20, 20, 20), thick + 2)
        cv2.drawContours(drawn, [contour], -1, rgb_colour, thick)
    return drawn


def zones_present(labels: NDArray[np.uint8]) -> list[str]:
    """The zones drawn, in the legend's order."""
    codes = set(np.unique(labels).tolist())
    return [name for name, code in ZONE_CODES.items() if code in codes]


def overlay_jpeg(photo: bytes, region: bytes) -> bytes:
    """A JPEG of ``photo`` (JPEG/PNG bytes) with the region PNG ``region`` drawn over it."""
    rgb = np.asarray(Image.open(io.BytesIO(photo)).convert("RGB"), dtype=np.uint8)
    labels = np.asarray(Image.open(io.BytesIO(region)).convert("L"), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(draw_region(rgb, labels)).save(buf, "JPEG", quality=85)
    return buf.getvalue()
