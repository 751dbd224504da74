"""Synthetic close-up skin photos for tests, benchmarks and the sample data. No real photos.

A scene is built in linear light, like a camera sees it: a textured wall, a cheek-sized region of
skin with shading, pores, micro-texture and a few hairs, clothing along the bottom, optionally the
reference card; then lighting (``exposure``), an illuminant colour cast (``cast``, per-channel gains
in linear light), defocus (``blur``), sRGB encoding and sensor noise. ``redness`` blends the
treated area (an oval on the cheek, blotchy as real erythema is) towards an inflamed colour.

Everything is seeded: the same arguments give the same pixels.
"""

from __future__ import annotations

import io
import math
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from checkins.imaging.card import CARD_W_MM, render_card
from checkins.imaging.color import F32, U8, lab_to_linear, srgb_to_linear

Tone = Literal["very_light", "fair", "light", "medium", "tan", "deep", "very_deep", "inflamed"]
# Typical CIELAB of unaffected facial skin by tone (rounded from published colorimetry ranges);
# "inflamed" is a strongly erythematous skin used as a base colour.
TONES: dict[str, tuple[float, float, float]] = {
    "very_light": (72.0, 9.0, 13.0),
    "fair": (66.0, 11.0, 15.0),
    "light": (61.0, 12.0, 17.0),
    "medium": (54.0, 13.0, 20.0),
    "tan": (47.0, 13.0, 21.0),
    "deep": (38.0, 12.0, 18.0),
    "very_deep": (29.0, 10.0, 13.0),
    "inflamed": (52.0, 32.0, 17.0),
}
# Full redness: L* drops, a* rises by this much (b* barely moves) in the treated area.
RED_SHIFT = (-7.0, 26.0, 2.0)

_WALLS = ((0.33, 0.33, 0.34), (0.24, 0.29, 0.37), (0.29, 0.35, 0.30), (0.62, 0.62, 0.63))
_CLOTHES = ((0.02, 0.03, 0.10), (0.03, 0.08, 0.04), (0.035, 0.035, 0.04), (0.55, 0.56, 0.58))
_HAIR = (0.02, 0.015, 0.012)
_CARD_WHITE = 0.85  # paper reflectance
_CARD_BLACK = 0.03  # toner reflectance


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> F32:
    """Low-frequency noise (h, w) float32 with unit-ish amplitude: a coarse grid upsampled."""
    gh = max(2, round(cells * h / max(h, w)))
    gw = max(2, round(cells * w / max(h, w)))
    grid = rng.standard_normal((gh, gw), dtype=np.float32)
    return np.asarray(cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC), dtype=np.float32)


def _soft_ellipse(h: int, w: int, cx: float, cy: float, rx: float, ry: float, edge: float) -> F32:
    """Alpha (h, w) of an axis-aligned ellipse with a soft edge ``edge`` (fraction of radius)."""
    y = ((np.arange(h, dtype=np.float32) - cy) / ry) ** 2
    x = ((np.arange(w, dtype=np.float32) - cx) / rx) ** 2
    r = np.sqrt(y[:, None] + x[None, :])
    return np.clip((1.0 - r) / edge, 0.0, 1.0).astype(np.float32)


_ENCODE_LUT: U8 = np.rint(
    np.where(
        (v := np.linspace(0.0, 1.0, 65536, dtype=np.float64)) <= 0.0031308,
        v * 12.92,
        1.055 * np.power(v, 1.0 / 2.4) - 0.055,
    )
    * 255.0
).astype(np.uint8)


def _encode(linear: F32) -> U8:
    idx = np.clip(linear * 65535.0 + 0.5, 0.0, 65535.0).astype(np.uint16)
    out: U8 = _ENCODE_LUT[idx]
    return out


def skin_photo(
    *,
    width: int = 1600,
    height: int = 1200,
    tone: Tone | tuple[float, float, float] = "fair",
    redness: float = 0.3,
    blur: float = 0.0,
    exposure: float = 1.0,
    card: bool = False,
    cast: tuple[float, float, float] | None = None,
    seed: int = 0,
    noise: float = 1.5,
) -> U8:
    """A synthetic skin close-up as sRGB uint8 (height, width, 3).

    ``tone`` is a name from ``TONES`` or a CIELAB triple; ``redness`` in 0–1 reddens the treated
    area (0 = as the tone, 1 = a* raised by 26); ``blur`` is the Gaussian defocus σ in pixels of a
    1600-px-wide frame (scaled with ``width``); ``exposure`` scales the light; ``cast`` multiplies
    linear R, G, B (e.g. ``(1.2, 1.0, 0.75)`` for warm indoor light); ``noise`` is the sensor noise
    σ in 8-bit code values.
    """
    if width < 16 or height < 16:
        raise ValueError("a synthetic photo needs at least 16 × 16 pixels")
    rng = np.random.default_rng(seed)
    h, w = height, width
    scale = w / 1600.0
    base_lab = TONES[tone] if isinstance(tone, str) else tone
    red_lab = tuple(b + d for b, d in zip(base_lab, RED_SHIFT, strict=True))
    base_lin = np.clip(lab_to_linear(np.array(base_lab, dtype=np.float32)), 0, 1)
    red_lin = np.clip(lab_to_linear(np.array(red_lab, dtype=np.float32)), 0, 1)

    # Wall: a flat paint colour with broad blotches, fine grain and a shelf edge.
    wall = np.array(_WALLS[seed % len(_WALLS)], dtype=np.float32)
    shade = 1.0 + 0.08 * _smooth_noise(rng, h, w, 6)
    grain = rng.standard_normal((h, w), dtype=np.float32)
    shade += 0.03 * grain
    img = shade[:, :, None] * wall[None, None, :]
    shelf_y = int(h * (0.12 + 0.06 * rng.random()))
    cv2.line(
        img, (0, shelf_y), (w, shelf_y + int(0.02 * h)), (0.08, 0.07, 0.06), max(2, int(6 * scale))
    )

    # Skin: a cheek-sized oval with shading, micro-texture and pores, reddened where treated.
    cx = w * (0.48 + 0.04 * (rng.random() - 0.5))
    cy = h * (0.47 + 0.04 * (rng.random() - 0.5))
    rx, ry = 0.36 * w, 0.50 * h
    skin_a = _soft_ellipse(h, w, cx, cy, rx, ry, 0.01)
    r2y = ((np.arange(h, dtype=np.float32) - cy) / ry) ** 2
    r2x = ((np.arange(w, dtype=np.float32) - cx) / rx) ** 2
    shading = np.clip(1.04 - 0.3 * (r2y[:, None] + r2x[None, :]), 0.6, 1.1)
    treated = _soft_ellipse(h, w, cx - 0.05 * w, cy + 0.05 * h, 0.22 * w, 0.27 * h, 0.35)
    blotch = np.clip(1.0 + 0.45 * _smooth_noise(rng, h, w, 14), 0.2, 1.8)
    weight = np.clip(redness * treated * blotch, 0.0, 1.0)[:, :, None]
    skin = base_lin[None, None, :] * (1.0 - weight) + red_lin[None, None, :] * weight
    texture = 1.0 + 0.05 * cv2.GaussianBlur(grain, (0, 0), max(0.6, 0.8 * scale))
    pores = np.ones((h, w), dtype=np.float32)
    spacing = w / 190.0
    n_pores = int(0.6 * math.pi * rx * ry / (spacing * spacing))
    px = rng.normal(cx, rx * 0.55, n_pores).astype(np.int32)
    py = rng.normal(cy, ry * 0.55, n_pores).astype(np.int32)
    radius = max(1, round(1.6 * scale))
    for x, y in zip(px.tolist(), py.tolist(), strict=True):
        cv2.circle(pores, (x, y), radius, 0.72, -1)
    pores = np.asarray(cv2.GaussianBlur(pores, (0, 0), max(0.5, 0.7 * scale)), dtype=np.float32)
    skin *= (shading * texture * pores)[:, :, None]
    img = img * (1.0 - skin_a[:, :, None]) + skin * skin_a[:, :, None]
    del skin, texture, pores, weight, blotch, treated, shading
    # A few hairs near the top of the skin.
    for _ in range(12):
        x0 = int(cx + rx * (rng.random() - 0.5) * 1.2)
        y0 = int(cy - ry * (0.55 + 0.3 * rng.random()))
        x1 = x0 + int(w * 0.12 * (rng.random() - 0.3))
        y1 = y0 + int(h * 0.05 * (rng.random() - 0.5))
        cv2.line(img, (x0, y0), (x1, y1), _HAIR, max(1, round(2 * scale)), cv2.LINE_AA)

    # Clothing along the bottom edge.
    cloth = np.array(_CLOTHES[(seed // len(_WALLS)) % len(_CLOTHES)], dtype=np.float32)
    xs = np.arange(w, dtype=np.float32)
    edge = h * (0.88 + 0.025 * np.sin(xs / w * 2.0 * math.pi))
    rows = np.arange(h, dtype=np.float32)[:, None]
    cloth_a = np.clip((rows - edge[None, :]) / 2.0, 0.0, 1.0)
    folds = 1.0 + 0.15 * _smooth_noise(rng, h, w, 10)
    img = img * (1.0 - cloth_a[:, :, None]) + (folds[:, :, None] * cloth) * cloth_a[:, :, None]

    if card:
        img = place_card(img, rng)

    # Light: broad fall-off from the upper left, the exposure, and the illuminant's cast.
    light = exposure * (0.92 + 0.12 * _smooth_noise(rng, h, w, 2) * 0.5)
    img *= light[:, :, None]
    if cast is not None:
        img *= np.array(cast, dtype=np.float32)[None, None, :]
    if blur > 0:
        sigma = blur * scale
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), dtype=np.float32)
    out = _encode(np.asarray(img, dtype=np.float32))
    if noise > 0:
        n = rng.standard_normal((h, w, 3), dtype=np.float32) * noise
        out = np.clip(out.astype(np.float32) + n, 0, 255).astype(np.uint8)
    return out


def place_card(
    img: F32, rng: np.random.Generator, *, centre: tuple[float, float] = (0.76, 0.74)
) -> F32:
    """Composite the printed card (as reflectances) into the linear scene ``img`` (h, w, 3),
    its centre at ``centre`` (shares of the width and height; the lower right by default)."""
    h, w = img.shape[:2]
    card_w_px = 0.27 * w
    ppm = card_w_px / CARD_W_MM
    card = render_card(px_per_mm=ppm * 1.0)
    lin = srgb_to_linear(card.astype(np.float32) / 255.0)
    refl = _CARD_BLACK + (_CARD_WHITE - _CARD_BLACK) * lin
    ch, cw = card.shape
    angle = float(rng.uniform(-12.0, 12.0))
    centre = (centre[0] * w, centre[1] * h)
    rot = cv2.getRotationMatrix2D((cw / 2.0, ch / 2.0), angle, 1.0)
    rot[0, 2] += centre[0] - cw / 2.0
    rot[1, 2] += centre[1] - ch / 2.0
    warped = cv2.warpAffine(refl, rot, (w, h), flags=cv2.INTER_AREA)
    alpha = cv2.warpAffine(np.ones_like(refl), rot, (w, h), flags=cv2.INTER_LINEAR)
    a = alpha[:, :, None]
    out: F32 = (img * (1.0 - a) + warped[:, :, None] * a).astype(np.float32)
    return out


# EXIF orientation → the Pillow transpose that undoes it when applied to upright pixels.
_INVERSE_ORIENTATION: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored_for_orientation(upright: U8, orientation: int) -> U8:
    """The pixels a camera stores for ``upright`` when it tags them with EXIF ``orientation``."""
    if orientation == 1:
        return upright
    im = Image.fromarray(upright).transpose(_INVERSE_ORIENTATION[orientation])
    return np.asarray(im, dtype=np.uint8)


def _exif(orientation: int | None, with_gps: bool) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SyntheticCam"  # Make
    exif[0x0110] = "Model S"  # Model
    exif[0x0131] = "checkins synthetic"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    if with_gps:
        exif[0x8825] = {
            1: "N",
            2: (52.0, 22.0, 5.5),
            3: "E",
            4: (4.0, 53.0, 41.2),
        }
    return exif


def to_jpeg(
    arr: U8,
    *,
    quality: int = 90,
    exif_orientation: int | None = None,
    with_gps: bool = False,
    progressive: bool = False,
    comment: bytes | None = None,
) -> bytes:
    """Encode (h, w, 3) uint8 sRGB as JPEG bytes, optionally with EXIF orientation, GPS and a COM.

    The pixels are stored as given; to simulate a rotated phone photo pass
    ``stored_for_orientation(upright, o)`` with ``exif_orientation=o``.
    """
    buf = io.BytesIO()
    params: dict[str, object] = {"quality": quality, "progressive": progressive}
    if exif_orientation is not None or with_gps:
        params["exif"] = _exif(exif_orientation, with_gps).tobytes()
    if comment is not None:
        params["comment"] = comment
    Image.fromarray(arr).save(buf, "JPEG", **params)
    return buf.getvalue()


def to_png(arr: NDArray[np.uint8]) -> bytes:
    """Encode (h, w, 3) uint8 sRGB as PNG bytes (lossless: exact pixels for golden tests)."""
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", compress_level=1)
    return buf.getvalue()
