"""Decoding untrusted photo bytes into arrays: reduce, orient, convert to sRGB.

``checkins.imaging.opening`` checks, opens and decodes with Pillow alone (the refusals and their
sentences live there); this module turns what it decoded into an upright sRGB uint8 array.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageCms

from checkins.imaging.color import U8
from checkins.imaging.opening import (
    Loaded,
    apply_orientation,
    guarded,
    load_reduced,
    rejected,
)
from checkins.imaging.profiles import _transform, icc_needs_conversion


def to_srgb_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB in sRGB, through the embedded profile when present."""
    if icc and im.mode in ("RGB", "CMYK", "L"):
        transform = _transform(icc, im.mode)
        if transform is not None:
            return ImageCms.applyTransform(im, transform) or im.convert("RGB")
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float32)
        top = 65535.0 if im.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode in ("RGBA", "LA", "PA", "P", "La", "RGBa"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def pow2_factor(long_edge: int, min_edge: int) -> int:
    """The largest power of two ``f`` with ``long_edge / f`` still ≥ ``min_edge`` (at least 1)."""
    f = 1
    while long_edge // (2 * f) >= min_edge:
        f *= 2
    return f


def reduce_pow2(rgb: U8, min_edge: int) -> U8:
    """``rgb`` (h, w, 3) box-reduced by the largest power of two keeping long edge ≥ min_edge."""
    f = pow2_factor(max(rgb.shape[:2]), min_edge)
    if f == 1:
        return rgb
    h, w = rgb.shape[0] // f, rgb.shape[1] // f
    return np.asarray(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)


@dataclass(frozen=True)
class DecodedPhoto:
    """A photo decoded at reduced scale, upright and in sRGB.

    ``rgb`` is uint8 (h, w, 3); ``width``/``height`` are the full-resolution size after
    orientation; ``scale`` is ``rgb``'s width over ``width`` (≤ 1).
    """

    rgb: U8
    width: int
    height: int
    format: str
    orientation: int
    icc_profile: bytes | None
    converted_icc: bool
    source_mode: str = "RGB"

    @property
    def scale(self) -> float:
        return float(self.rgb.shape[1]) / float(self.width)


def decode(data: bytes, *, min_edge: int) -> DecodedPhoto:
    """Decode ``data`` at the smallest scale whose long edge is still ≥ ``min_edge`` pixels,
    upright and in sRGB (``min_edge=FULL`` decodes at full resolution): ``load_reduced`` then
    ``finish``."""
    return finish(load_reduced(data, min_edge=min_edge), min_edge=min_edge)


def finish(loaded: Loaded, *, min_edge: int) -> DecodedPhoto:
    """A photo ``load_reduced`` decoded, as an upright sRGB array of long edge ≥ ``min_edge``.

    Orientation and the ICC profile are applied to the reduced pixels.
    """
    im = loaded.image
    full_w, full_h, orientation = loaded.width, loaded.height, loaded.orientation
    converted = icc_needs_conversion(loaded.icc_profile, im.mode)

    def _finish() -> Image.Image:
        # Formats without DCT scaling (and JPEG beyond 1/8) reduce by whole powers of two with a
        # box filter, which is what the JPEG decoder's scaling amounts to: both paths agree.
        factor = pow2_factor(max(im.size), min_edge)
        small = im if factor == 1 else im.reduce(factor)
        return to_srgb_rgb(apply_orientation(small, orientation), loaded.icc_profile)

    rgb = np.asarray(guarded(_finish), dtype=np.uint8)
    if orientation in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        raise rejected("corrupt")
    return DecodedPhoto(
        rgb=np.ascontiguousarray(rgb),
        width=full_w,
        height=full_h,
        format=loaded.format,
        orientation=orientation,
        icc_profile=loaded.icc_profile,
        converted_icc=converted,
        source_mode=im.mode,
    )
