"""Renditions for the dashboard (a display copy and a thumbnail), and the re-encoded copy we
store when the original cannot be kept losslessly (``checkins.imaging.stored`` chooses).

The re-encoded copy is the full-size image, rotated and converted to sRGB, as JPEG quality 95
with 4:4:4 chroma (no chroma subsampling, which would blur exactly the red detail we measure);
PNG is re-encoded as PNG (lossless).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from checkins.imaging.color import U8

DISPLAY_EDGE = 1600
THUMB_EDGE = 320
DISPLAY_QUALITY = 85
THUMB_QUALITY = 80
STORED_QUALITY = 95


def resize_to(rgb: U8, edge: int) -> U8:
    """``rgb`` scaled so its long edge is at most ``edge`` (unchanged if already smaller)."""
    h, w = rgb.shape[:2]
    long_edge = max(h, w)
    if long_edge <= edge:
        return rgb
    f = edge / long_edge
    size = (max(1, round(w * f)), max(1, round(h * f)))
    # Under 2×, bilinear is as good as area averaging and four times faster.
    method = cv2.INTER_LINEAR if f > 0.5 else cv2.INTER_AREA
    return np.asarray(cv2.resize(rgb, size, interpolation=method), dtype=np.uint8)


def encode_jpeg(rgb: U8, *, quality: int, subsampling: int = 2) -> bytes:
    """Baseline JPEG of uint8 sRGB (h, w, 3), no metadata at all."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, subsampling=subsampling)
    return buf.getvalue()


def renditions(rgb: U8) -> tuple[bytes, bytes]:
    """(display JPEG ≤ 1600 px, thumbnail JPEG ≤ 320 px) from an upright sRGB image."""
    display = resize_to(rgb, DISPLAY_EDGE)
    thumb = resize_to(display, THUMB_EDGE)
    return (
        encode_jpeg(display, quality=DISPLAY_QUALITY),
        encode_jpeg(thumb, quality=THUMB_QUALITY),
    )


def reencoded_copy(full: U8, source_format: str) -> tuple[bytes, str]:
    """(bytes, format) of a full-size upright sRGB image: PNG stays PNG, the rest JPEG q95 4:4:4."""
    buf = io.BytesIO()
    if source_format == "PNG":
        Image.fromarray(full).save(buf, "PNG", compress_level=3)
        return buf.getvalue(), "PNG"
    Image.fromarray(full).save(buf, "JPEG", quality=STORED_QUALITY, subsampling=0)
    return buf.getvalue(), "JPEG"
