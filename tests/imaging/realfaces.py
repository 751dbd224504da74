"""Real portraits that ship inside packages, their hand labels, and variants made from them.

The photos: scikit-image's astronaut, matplotlib's Grace Hopper and mahotas' portrait of its
author (dev dependencies, see pyproject.toml). The labels are polygons in
``tests/imaging/labels/portraits.json``. The variants are made here, by code: a face that fills
the frame, coloured backgrounds (a red sofa, a wooden table, an orange wall), EXIF rotation,
deeper skin tones and an inflamed version, plus a cheek close-up.

Truth is always taken on the pixels the pipeline sees: the variant is decoded by
``checkins.imaging.decode`` at full resolution, upright, and the labelled skin's a* is the mean
over its labelled zones (each zone ∩ skin − exclusions), in the same CIELAB as the pipeline.

Used by tests/imaging/test_zones_real.py (asserts the issue's criteria) and
bench/validate_zones.py (prints the figures kept in docs/metrics.md).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from checkins.imaging.color import (
    lab_to_linear,
    linear_to_lab_clipped,
    linear_to_uint8,
    uint8_to_linear,
)
from checkins.imaging.decode import decode
from checkins.imaging.opening import FULL
from checkins.imaging.pipeline import analyze_bytes
from checkins.imaging.results import PhotoAnalysis

LABELS: dict[str, dict[str, object]] = json.loads(
    (Path(__file__).parent / "labels" / "portraits.json").read_text(encoding="utf-8")
)
ZONES = ("forehead", "left_cheek", "right_cheek", "nose", "chin")
Mask = NDArray[np.bool_]
U8 = NDArray[np.uint8]


def _source(name: str) -> Path:
    if name == "astronaut":
        import skimage

        return Path(skimage.__file__).parent / "data" / "astronaut.png"
    if name == "grace_hopper":
        import matplotlib

        return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if name == "luispedro":
        import mahotas

        return Path(mahotas.__file__).parent / "demos" / "data" / "luispedro.jpg"
    raise KeyError(name)


PORTRAITS = ("astronaut", "grace_hopper", "luispedro")


def load(name: str) -> U8:
    """The portrait as upright sRGB uint8 (h, w, 3)."""
    return np.asarray(Image.open(_source(name)).convert("RGB"), dtype=np.uint8)


def _poly(shape: tuple[int, int], pts: object) -> Mask:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.asarray(pts, np.int32)], 1)
    return m.astype(bool)


@dataclass(frozen=True)
class Labels:
    """Label masks on one pixel grid."""

    skin: Mask  # labelled face skin minus the exclusions
    zones: dict[str, Mask]  # each zone ∩ skin
    head: Mask

    @property
    def treated(self) -> Mask:
        out = np.zeros_like(self.skin)
        for m in self.zones.values():
            out |= m
        return out

    def transform(self, fn: Callable[[U8], U8]) -> Labels:
        """The same labels carried through a geometric ``fn`` on uint8 masks."""

        def t(m: Mask) -> Mask:
            return fn(m.astype(np.uint8) * 255) > 127

        return Labels(
            skin=t(self.skin), zones={k: t(v) for k, v in self.zones.items()}, head=t(self.head)
        )


def labels(name: str, shape: tuple[int, int]) -> Labels:
    lab = LABELS[name]
    assert isinstance(lab, dict)
    skin = _poly(shape, lab["skin"])
    for pts in lab["exclude"].values():
        skin &= ~_poly(shape, pts)
    zones = {z: _poly(shape, pts) & skin for z, pts in lab["zones"].items()}
    return Labels(skin=skin, zones=zones, head=_poly(shape, lab["head"]))


def lab_of(rgb: U8) -> NDArray[np.float32]:
    return linear_to_lab_clipped(uint8_to_linear(rgb))


def _png(rgb: U8) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(rgb: U8, *, quality: int = 92, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kw: dict[str, object] = {"quality": quality}
    if exif is not None:
        kw["exif"] = exif
    Image.fromarray(rgb).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _feather(mask: Mask, sigma: float) -> NDArray[np.float32]:
    a = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
    return np.clip(a, 0.0, 1.0)[..., None]


def _smooth_noise(shape: tuple[int, int], cells: int, seed: int) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    h, w = shape
    grid = rng.standard_normal((max(2, cells * h // max(h, w)), max(2, cells * w // max(h, w))))
    return np.asarray(cv2.resize(grid.astype(np.float32), (w, h), cv2.INTER_CUBIC), np.float32)


def background(kind: str, shape: tuple[int, int]) -> U8:
    """A coloured background of ``kind``: red_sofa, wooden_table or orange_wall."""
    h, _ = shape
    n = _smooth_noise(shape, 24, 7)
    if kind == "red_sofa":  # a red fabric: saturated red with soft folds
        base = np.array([150, 28, 32], np.float32)
        img = base * (1.0 + 0.12 * n[..., None])
    elif kind == "wooden_table":  # warm brown with grain along x
        y = np.arange(h, dtype=np.float32)[:, None]
        grain = np.sin(y / 3.0 + 2.0 * _smooth_noise(shape, 6, 3)) * 0.5 + 0.5
        base = np.array([160, 106, 62], np.float32)
        img = base * (0.8 + 0.3 * grain[..., None]) * (1.0 + 0.05 * n[..., None])
    elif kind == "orange_wall":
        img = np.array([222, 130, 60], np.float32) * (1.0 + 0.04 * n[..., None])
    else:
        raise KeyError(kind)
    return np.clip(img, 0, 255).astype(np.uint8)


def recolour(
    rgb: U8, alpha: NDArray[np.float32], shift: Callable[[NDArray[np.float32]], NDArray[np.float32]]
) -> U8:
    """Blend ``rgb`` towards ``shift`` applied to its CIELAB, by ``alpha`` (h, w, 1)."""
    lab = lab_of(rgb)
    new = linear_to_uint8(lab_to_linear(shift(lab.copy())))
    out = rgb.astype(np.float32) * (1.0 - alpha) + new.astype(np.float32) * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _orientation_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


@dataclass(frozen=True)
class Variant:
    portrait: str
    name: str
    data: bytes  # the file as a patient would send it
    labels: Labels  # on the upright full-resolution grid of ``data``
    limit: float  # the a* error limit for this kind of photo
    base: str | None = None  # for the inflamed version: the variant it was made from


def _crop_box(mask: Mask, pad: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    py, px = int((y1 - y0) * pad), int((x1 - x0) * pad)
    return max(0, x0 - px), max(0, y0 - py), min(shape[1], x1 + px), min(shape[0], y1 + py)


def variants(name: str) -> Iterator[Variant]:
    """Every variant of one portrait (see the module docstring)."""
    rgb = load(name)
    shape = rgb.shape[:2]
    lab = labels(name, shape)
    yield Variant(name, "portrait", _png(rgb), lab, 2.0)

    # The face fills the frame: the labelled skin with a margin, scaled up as a phone would.
    x0, y0, x1, y1 = _crop_box(lab.skin, 0.12, shape)

    def crop(m: U8) -> U8:
        return np.ascontiguousarray(
            cv2.resize(
                m[y0:y1, x0:x1], ((x1 - x0) * 3, (y1 - y0) * 3), interpolation=cv2.INTER_CUBIC
            )
        )

    yield Variant(name, "face_fills_frame", _jpeg(crop(rgb)), lab.transform(crop), 1.5)

    # A face on a coloured background: the head pasted on a sofa, a table, an orange wall.
    alpha = _feather(lab.head, 2.0)
    for kind in ("red_sofa", "wooden_table", "orange_wall"):
        bg = background(kind, shape).astype(np.float32)
        out = np.clip(np.rint(rgb * alpha + bg * (1.0 - alpha)), 0, 255).astype(np.uint8)
        yield Variant(name, f"background_{kind}", _png(out), lab, 2.0)

    # EXIF rotation: the sensor's pixels stored sideways, with orientation 6 (turn 90° clockwise).
    sideways = np.ascontiguousarray(np.rot90(rgb, 1))
    yield Variant(name, "exif_rotated", _jpeg(sideways, exif=_orientation_exif(6)), lab, 2.0)

    # Deeper skin tones: L* lowered on the face and neck, chroma kept (ITA falls well below 10°).
    face = _feather(cv2.dilate(lab.skin.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0, 4.0)
    for tone, factor in (("deep", 0.62), ("very_deep", 0.45)):

        def deeper(c: NDArray[np.float32], f: float = factor) -> NDArray[np.float32]:
            c[..., 0] *= f
            c[..., 2] += 4.0
            return c

        yield Variant(name, f"tone_{tone}", _png(recolour(rgb, face, deeper)), lab, 2.0)

    # Inflamed: blotchy erythema over the treated face (a* up to ~+18, L* down a little).
    treated = _feather(cv2.dilate(lab.skin.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0, 3.0)
    blotch = np.clip(1.0 + 0.35 * _smooth_noise(shape, 10, 11), 0.4, 1.6)

    def inflame(c: NDArray[np.float32]) -> NDArray[np.float32]:
        c[..., 1] += 12.0 * blotch
        c[..., 0] -= 4.0 * blotch
        c[..., 2] += 1.0
        return c

    yield Variant(
        name, "inflamed", _png(recolour(rgb, treated, inflame)), lab, 2.0, base="portrait"
    )

    # A cheek close-up: the patient's larger cheek filling the frame (a body-site style photo).
    cheek = max(("left_cheek", "right_cheek"), key=lambda z: int(lab.zones[z].sum()))
    cx0, cy0, cx1, cy1 = _crop_box(lab.zones[cheek], 0.1, shape)

    def crop_cheek(m: U8) -> U8:
        return np.ascontiguousarray(
            cv2.resize(
                m[cy0:cy1, cx0:cx1],
                ((cx1 - cx0) * 8, (cy1 - cy0) * 8),
                interpolation=cv2.INTER_CUBIC,
            )
        )

    close = lab.transform(crop_cheek)
    # In a close-up the whole labelled skin in the frame is the treated area.
    close = Labels(skin=close.skin, zones={"area": close.skin}, head=close.head)
    yield Variant(name, "cheek_closeup", _jpeg(crop_cheek(rgb)), close, 1.5)

    # A patch of skin on a skin-coloured surface (a hand on a table, a neck against a wall): the
    # close-up's labelled skin, feathered, laid on each background with a margin around it. Only
    # the skin patch is the treated area; the surface must never be measured.
    patch = crop_cheek(rgb)
    ph, pw = patch.shape[:2]
    my, mx = ph * 3 // 10, pw * 3 // 10  # the patch covers about 60 % of the frame
    canvas_shape = (ph + 2 * my, pw + 2 * mx)
    skin_alpha = _feather(close.skin, 2.0)

    def place(m: U8) -> U8:
        out = np.zeros((*canvas_shape, *m.shape[2:]), m.dtype)
        out[my : my + ph, mx : mx + pw] = m
        return out

    placed = Labels(
        skin=place(close.skin.astype(np.uint8)) > 0,
        zones={"area": place(close.skin.astype(np.uint8)) > 0},
        head=place(close.skin.astype(np.uint8)) > 0,
    )
    for kind in ("red_sofa", "wooden_table", "orange_wall"):
        bg = background(kind, canvas_shape).astype(np.float32)
        fg = place(np.rint(patch * skin_alpha).astype(np.uint8)).astype(np.float32)
        a = place((skin_alpha * 255).astype(np.uint8)).astype(np.float32) / 255.0
        out = np.clip(np.rint(fg + bg * (1.0 - a)), 0, 255).astype(np.uint8)
        yield Variant(name, f"closeup_on_{kind}", _jpeg(out), placed, 1.5)


@dataclass(frozen=True)
class Measured:
    variant: Variant
    analysis: PhotoAnalysis
    truth_a: float  # labelled treated skin's a*: the mean of the labelled zones' means
    truth_zones: dict[str, float]
    error: float | None  # |measured − truth|, None when nothing was measured
    on_skin: float | None  # share of measured pixels on labelled skin
    zone_errors: dict[str, float]


def measure(v: Variant) -> Measured:
    decoded = decode(v.data, min_edge=FULL)
    full_lab = lab_of(decoded.rgb)
    assert full_lab.shape[:2] == v.labels.skin.shape, (v.name, full_lab.shape, v.labels.skin.shape)
    truth_zones = {
        z: float(full_lab[..., 1][m].mean()) for z, m in v.labels.zones.items() if m.any()
    }
    # The labelled skin's a* by the pipeline's own rule: each zone's mean, zones counted once.
    truth = float(np.mean(list(truth_zones.values())))
    a = analyze_bytes(v.data)
    on_skin = None
    zone_errors: dict[str, float] = {}
    if a.region_labels is not None and a.region_labels.any():
        h, w = v.labels.skin.shape
        up = cv2.resize(a.region_labels, (w, h), interpolation=cv2.INTER_NEAREST) > 0
        on_skin = float(v.labels.skin[up].mean())
    for z in a.zones:
        if z.metrics.mean_a_star is not None and z.name in truth_zones:
            zone_errors[z.name] = abs(z.metrics.mean_a_star - truth_zones[z.name])
    m = a.metrics.mean_a_star
    return Measured(
        variant=v,
        analysis=a,
        truth_a=truth,
        truth_zones=truth_zones,
        error=None if m is None else abs(m - truth),
        on_skin=on_skin,
        zone_errors=zone_errors,
    )


# A warm indoor light (linear R, G, B gains), as in tests/imaging/test_card.py.
WARM_LIGHT = (1.2, 1.0, 0.75)


def card_variants(name: str) -> tuple[Variant, Variant, Variant]:
    """The portrait at phone size (× 3) in its own light; the same under a warm light, with the
    printed reference card held beside the face (in a corner clear of the labelled skin); and
    under the warm light without the card. The first one's labelled a* is the truth for the
    other two: what the skin looks like without the added light."""
    from checkins.imaging.synthetic import place_card

    rgb = load(name)
    h, w = rgb.shape[:2]
    size = (w * 3, h * 3)

    def up(m: U8) -> U8:
        return np.ascontiguousarray(cv2.resize(m, size, interpolation=cv2.INTER_CUBIC))

    lab = labels(name, (h, w)).transform(up)
    big = up(rgb)

    def clear(cx: float, cy: float) -> bool:  # the card (≈ 0.27 w × 0.17 w) misses the skin
        x0, x1 = int((cx - 0.16) * size[0]), int((cx + 0.16) * size[0])
        y0, y1 = int(cy * size[1] - 0.12 * size[0]), int(cy * size[1] + 0.12 * size[0])
        return not lab.skin[max(0, y0) : y1, max(0, x0) : x1].any()

    centre = next(c for c in ((0.18, 0.86), (0.82, 0.86), (0.18, 0.14), (0.82, 0.14)) if clear(*c))
    light = np.array(WARM_LIGHT, np.float32)
    lin = uint8_to_linear(big)
    carded = place_card(lin.copy(), np.random.default_rng(4), centre=centre) * light
    plain = lin * light
    return (
        Variant(name, "phone_size", _png(big), lab, 2.0),
        Variant(name, "card_warm_light", _png(linear_to_uint8(np.clip(carded, 0, 1))), lab, 2.0),
        Variant(name, "warm_light", _png(linear_to_uint8(np.clip(plain, 0, 1))), lab, 2.0),
    )
