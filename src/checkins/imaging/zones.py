"""The measured region: the skin of the treated area only, zone by zone.

Method (all offline, nothing downloaded at run time):

1. **Face.** OpenCV's Haar cascade ``haarcascade_frontalface_default.xml`` (Viola–Jones, shipped
   inside the ``opencv-python-headless`` 4.x wheel under OpenCV's BSD-3 licence; OpenCV 5 wheels
   no longer carry it, hence the ``< 5`` pin) finds the largest frontal face on the analysis
   image. Five zones are laid out as boxes relative to the face box (forehead, left and right
   cheek, nose, chin; "left"/"right" are the patient's, i.e. mirrored in the photo), placed
   between the features so that eyes, brows, lips and nostrils fall outside them.
2. **Adaptive skin model.** A seed of the cheek and nose boxes gives the patient's own skin
   colour: a robust centre and spread (median, MAD) of L* and b* and a lower bound on a*. Inside
   each zone only pixels close to that model are kept (hair, glasses, shadows, background that
   enters a zone fall out). a* is bounded only from below, so an inflamed patch is kept.
3. **Body sites and close-ups** (no face found): the one connected skin-coloured region nearest
   the centre of the frame, refined by the same adaptive model seeded from its core; one zone,
   ``area``.

When nothing is found, or the treated area is too small a share of the frame, the quality gate
asks the patient to move closer or use a plain background (``framing``). See docs/metrics.md for
the validation figures and where it fails.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from checkins.imaging.color import F32, U8
from checkins.imaging.skin import Mask, colour_candidates

FACE_ZONES = ("forehead", "left_cheek", "right_cheek", "nose", "chin")
BODY_ZONE = "area"
# Zone boxes as (x0, x1, y0, y1) fractions of the Haar face box, in photo coordinates. Set on
# the labelled portraits in tests/imaging/labels/ (see docs/metrics.md).
_BOXES: dict[str, tuple[float, float, float, float]] = {
    "forehead": (0.28, 0.72, 0.12, 0.26),
    # The patient's left cheek is on the photo's right.
    "left_cheek": (0.64, 0.85, 0.55, 0.74),
    "right_cheek": (0.15, 0.36, 0.55, 0.74),
    "nose": (0.42, 0.58, 0.46, 0.66),
    "chin": (0.37, 0.63, 0.88, 0.99),
}
# A face whose box covers less than this share of the frame is too far away to measure well.
MIN_FACE_FRACTION = 0.03
# A body site's region must cover at least this share of the frame.
MIN_BODY_FRACTION = 0.05
# Adaptive model: keep pixels within this many robust σ of the seed's L* and b*, and a* above
# the seed's median minus this many σ (no upper bound: inflamed skin stays in).
_K_LB = 2.5
_K_A_LOW = 2.5
_MIN_SIGMA = (4.0, 2.0, 2.0)  # floors for σ(L*), σ(a*), σ(b*)


@dataclass(frozen=True)
class Region:
    """The measured region: per-zone masks (h, w) on the colour image, and how it was found.

    ``kind`` is "face", "body" or "none"; ``treated_fraction`` is the share of the frame the
    treated area covers (the face box, or the body region).
    """

    kind: str
    zones: dict[str, Mask]
    treated_fraction: float

    @property
    def mask(self) -> Mask:
        out: Mask | None = None
        for m in self.zones.values():
            out = m if out is None else (out | m)
        if out is None:
            raise ValueError("no zones")
        return out

    @property
    def found(self) -> bool:
        return any(bool(m.any()) for m in self.zones.values())


@functools.cache
def _cascade() -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    if not path.is_file():
        raise RuntimeError(
            "OpenCV's Haar face cascade is missing; install opencv-python-headless < 5."
        )
    return cv2.CascadeClassifier(str(path))


def detect_face(rgb: U8) -> tuple[int, int, int, int] | None:
    """The largest frontal face (x, y, w, h) in an upright sRGB image, or None."""
    grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    short = min(grey.shape[:2])
    side = max(24, round(0.12 * short))
    faces = _cascade().detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: int(f[2]) * int(f[3]))
    return int(x), int(y), int(w), int(h)


def _box_mask(shape: tuple[int, int], box: tuple[float, float, float, float]) -> Mask:
    x0, x1, y0, y1 = box
    h, w = shape
    out: Mask = np.zeros(shape, dtype=bool)
    out[max(0, round(y0)) : min(h, round(y1)), max(0, round(x0)) : min(w, round(x1))] = True
    return out


def _model_keep(lab: F32, seed: Mask) -> Mask:
    """Pixels close to the skin colour of ``seed`` (see module docstring, step 2)."""
    px = lab[seed]
    if px.shape[0] < 20:
        return np.zeros(lab.shape[:2], dtype=bool)
    med = np.median(px, axis=0)
    sig = np.maximum(1.4826 * np.median(np.abs(px - med), axis=0), np.array(_MIN_SIGMA))
    light, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    out: Mask = (
        (np.abs(light - med[0]) <= _K_LB * sig[0])
        & (np.abs(b - med[2]) <= _K_LB * sig[2])
        & (a >= med[1] - _K_A_LOW * sig[1])
    )
    return out


def face_region(lab: F32, face: tuple[int, int, int, int], exclude: Mask | None) -> Region:
    """Zones of a face box (x, y, w, h) already scaled to ``lab``'s pixel grid."""
    shape = lab.shape[:2]
    x, y, w, h = face
    boxes = {
        name: _box_mask(shape, (x + bx0 * w, x + bx1 * w, y + by0 * h, y + by1 * h))
        for name, (bx0, bx1, by0, by1) in _BOXES.items()
    }
    cand = colour_candidates(lab)
    if exclude is not None:
        cand &= ~exclude
    seed = (boxes["left_cheek"] | boxes["right_cheek"] | boxes["nose"]) & cand
    keep = _model_keep(lab, seed) & cand
    zones = {name: boxes[name] & keep for name in FACE_ZONES}
    frac = (w * h) / float(shape[0] * shape[1])
    return Region(kind="face", zones=zones, treated_fraction=min(frac, 1.0))


def body_region(lab: F32, exclude: Mask | None) -> Region:
    """The one connected skin-coloured region nearest the centre (see module docstring)."""
    shape = lab.shape[:2]
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
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(m, connectivity=8)
    empty: Mask = np.zeros(shape, dtype=bool)
    if n <= 1:
        return Region(kind="none", zones={BODY_ZONE: empty}, treated_fraction=0.0)
    h, w = shape
    cy, cx = h / 2.0, w / 2.0
    min_area = 0.01 * m.size
    best, best_score = 0, -1.0
    for i in range(1, n):
        area = float(stats[i, cv2.CC_STAT_AREA])
        if area < min_area:
            continue
        # Prefer the region covering the centre, then large regions near it.
        covers = labels[int(cy), int(cx)] == i
        dist = float(np.hypot(centroids[i][0] - cx, centroids[i][1] - cy)) / max(h, w)
        score = (2.0 if covers else 0.0) + area / m.size - dist
        if score > best_score:
            best, best_score = i, score
    if best == 0:
        return Region(kind="none", zones={BODY_ZONE: empty}, treated_fraction=0.0)
    comp: Mask = labels == best
    core = cv2.erode(comp.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    keep = _model_keep(lab, core if core.sum() >= 50 else comp)
    region: Mask = comp & keep
    return Region(kind="body", zones={BODY_ZONE: region}, treated_fraction=float(comp.mean()))


def measured_region(work: U8, lab: F32, exclude: Mask | None) -> Region:
    """The treated skin of a photo: ``work`` is the analysis image, ``lab`` its colour scale."""
    face = detect_face(work)
    if face is not None:
        f = lab.shape[1] / work.shape[1]
        x, y, w, h = (v * f for v in face)
        return face_region(lab, (round(x), round(y), round(w), round(h)), exclude)
    return body_region(lab, exclude)


def region_png(region: Region) -> bytes:
    """The measured region as an 8-bit PNG: 0 outside, one grey level per zone."""
    shape = next(iter(region.zones.values())).shape
    out: NDArray[np.uint8] = np.zeros(shape, dtype=np.uint8)
    for i, name in enumerate(region.zones):
        out[region.zones[name]] = 255 - 30 * i
    ok, buf = cv2.imencode(".png", out)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return bytes(buf.tobytes())
