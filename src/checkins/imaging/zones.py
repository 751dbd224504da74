"""The measured region: the skin of the treated area only, zone by zone.

Method (all offline, nothing downloaded at run time; docs/metrics.md has the validation figures
and where it fails):

1. **Face and eyes.** OpenCV's Haar cascades ``haarcascade_frontalface_default.xml`` and
   ``haarcascade_eye.xml`` (Viola–Jones, shipped inside the ``opencv-python-headless`` 4.x wheel
   under the Intel License Agreement, BSD-style; OpenCV 5 wheels no longer carry them, hence the
   ``< 5`` pin)
   find the largest frontal face and, inside its upper half, the two eyes. The eye centres give
   the face's own frame: origin between the eyes, unit the distance between them, axis along
   them (so a tilted or slightly turned head keeps its zones). A face box without two eyes is
   not trusted (close-ups of skin show "faces" in pores and wrinkles): the photo is then
   measured as a body site (step 4). A cheap first look on a 240 px copy (``may_hold_face``)
   skips the search on photos where not one window passes the cascade, and a last try with the
   ``alt2`` cascade catches faces the default one misses (``find_face``).
2. **Zones.** Forehead, left and right cheek, nose and chin are quadrilaterals in that frame,
   placed between the features (``_ZONES``), so eyes, brows, lips and nostrils fall outside
   them; "left"/"right" are the patient's (the photo's right is the patient's left). They are
   clipped to the face box, widened a little downwards for the chin.
3. **The patient's own skin colour.** The cheek and nose zones give a robust centre and spread
   (median, MAD) of L*, a* and b*. Inside each zone only pixels close to it in L* and b* are
   kept, and a* is bounded only from below, so that inflamed skin stays in while hair, brows,
   glasses frames, beard stubble, shadows and background that enter a zone fall out.
4. **Body sites and close-ups** (no face found): the one connected skin-coloured region covering
   (or nearest) the centre of the frame, refined by the same colour model seeded from its core;
   one zone, ``area``. A skin-coloured surface merged into it (wood under a hand, an orange wall
   behind a neck) is cut away when its colour at the frame's rim differs from the middle's and
   the two meet at an edge; the photo is then also sent back for a plain background.

When nothing is found, or the treated area is too small a share of the frame, the quality gate
asks the patient to move closer or use a plain background (``framing``); the metrics are then
still the region's (when one was found), never another part of the frame.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from checkins.imaging.color import F32, U8
from checkins.imaging.skin import Mask, cleaned_candidates, colour_candidates

FACE_ZONES = ("forehead", "left_cheek", "right_cheek", "nose", "chin")
BODY_ZONE = "area"
# Zone numbers in the region's label image (0 is "not measured").
ZONE_CODES = {name: i + 1 for i, name in enumerate((*FACE_ZONES, BODY_ZONE))}
# Zones as (u0, u1, v0, v1) in the eye frame: u along the eyes towards the photo's right, v
# down, both in units of the distance between the eye centres. Set on the hand-labelled
# portraits in tests/imaging/labels/ (docs/metrics.md).
_ZONES: dict[str, tuple[float, float, float, float]] = {
    "forehead": (-0.55, 0.55, -0.9, -0.3),
    "left_cheek": (0.3, 0.78, 0.55, 0.85),  # the photo's right
    "right_cheek": (-0.78, -0.3, 0.55, 0.85),
    "nose": (-0.11, 0.11, 0.14, 0.5),
    "chin": (-0.28, 0.28, 1.45, 1.64),
}
# A face box covering less than this share of the frame is too far away to measure well.
MIN_FACE_FRACTION = 0.03
# Skin-coloured regions under this share of the frame are never the body site.
MIN_REGION_FRACTION = 0.01
# A body site's region must cover at least this share of the frame.
MIN_BODY_FRACTION = 0.05
# Body sites: the middle of the frame (from, to as shares of each side), where the patient
# centres the treated area, and the rim (this share of each side) where a surface it lies on or
# stands against shows. When the skin-coloured blob's colour at the rim is this far (CIELAB, L*
# at half weight) from its colour in the middle, the blob holds a second surface of a skin-like
# colour. On the real close-ups (tests/imaging/realfaces.py) skin alone gives 4.9–8.2 and skin
# on wood, an orange wall or a red sofa 15.9–47.7.
_MIDDLE = (0.35, 0.65)
_RIM = 0.12
SURFACE_DISTANCE = 12.0
# ... and the two colours must meet at an edge: where they meet, the colour changes this fast
# (75th percentile, CIELAB units a pixel of the colour grid, ``colour_steepness``). Skin meeting
# wood, a wall or a sofa: 4.5–12.9; a treated patch reddening into the skin around it (the
# synthetic redness ladder, up to a* + 26): at most 1.9.
SURFACE_EDGE = 3.0
# A "skin" region whose median chroma is above this is a red or orange surface (a sofa, a wall,
# clothing), not skin, even inflamed: it is not measured.
MAX_BODY_CHROMA = 45.0
# Colour model: keep pixels within this many robust σ of the seed's L* and b*, and a* above the
# seed's median minus this many σ (no upper bound: inflamed skin stays in).
_K_L = 2.5
_K_B = 2.5
_K_A_LOW = 2.5
_MIN_SIGMA = (4.0, 2.0, 2.5)  # floors for σ(L*), σ(a*), σ(b*)
# The colour model's median and MAD are taken on at most about this many seed pixels.
_MODEL_SAMPLE = 4096
# Faces at least this wide (pixels on the colour grid) lose the rim of their kept patches.
_ERODE_MIN_FACE = 64
# A face narrower than this on the colour grid is measured on the analysis image instead.
SMALL_FACE = 64


@dataclass(frozen=True)
class Region:
    """The measured region: per-zone masks (h, w) on the colour image, and how it was found.

    ``kind`` is "face", "body" or "none"; ``treated_fraction`` is the share of the frame the
    treated area covers (the face box, or the body region); ``surface`` says a body site's skin
    lay on or against a skin-coloured surface, which was cut away.
    """

    kind: str
    zones: dict[str, Mask]
    treated_fraction: float
    # A body site whose skin touched a surface of a skin-like colour (measured without it).
    surface: bool = False

    @property
    def mask(self) -> Mask:
        out: Mask = np.zeros(next(iter(self.zones.values())).shape, dtype=bool)
        for m in self.zones.values():
            out |= m
        return out

    @property
    def found(self) -> bool:
        return self.kind != "none" and any(bool(m.any()) for m in self.zones.values())

    def labels(self) -> NDArray[np.uint8]:
        """A label image (h, w) uint8: 0 outside, ``ZONE_CODES[zone]`` inside each zone."""
        out: NDArray[np.uint8] = np.zeros(next(iter(self.zones.values())).shape, np.uint8)
        for name, m in self.zones.items():
            out[m] = ZONE_CODES[name]
        return out


def _none(shape: tuple[int, int]) -> Region:
    return Region(kind="none", zones={BODY_ZONE: np.zeros(shape, dtype=bool)}, treated_fraction=0.0)


# One loaded cascade per thread: OpenCV's CascadeClassifier keeps working state in the object,
# and two threads detecting with one instance (``checkins analyze`` runs a thread per core)
# gave different faces from run to run, or an exception (a vector index out of range).
_PER_THREAD = threading.local()


def _cascade(name: str) -> cv2.CascadeClassifier:
    loaded: dict[str, cv2.CascadeClassifier] = _PER_THREAD.__dict__.setdefault("cascades", {})
    if name not in loaded:
        folder = getattr(cv2, "data").haarcascades  # noqa: B009 (not in OpenCV's type stubs)
        path = Path(folder) / name
        if not path.is_file():
            raise RuntimeError(f"OpenCV's Haar cascade {name} is missing; install opencv < 5.")
        loaded[name] = cv2.CascadeClassifier(str(path))
    return loaded[name]


Box = tuple[int, int, int, int]


Eyes = tuple[tuple[float, float], tuple[float, float]]
FACE_CASCADE = "haarcascade_frontalface_default.xml"
# The last try when the first look saw something face-like and the default cascade found no face
# with two eyes: OpenCV's "alt2" cascade (it finds Grace Hopper darkened to a very deep tone,
# which the default misses) and the eyes on a strongly equalised copy as well.
LAST_TRY_CASCADE = "haarcascade_frontalface_alt2.xml"
# Eye cascades: the plain one, then the one trained on faces with glasses.
_EYE_CASCADES = ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml")


# The second and third searches run on a copy at most this long, in coarser steps: a face the
# framing check accepts (≥ 3 % of the frame, ≥ ~17 % of its side) is still ≥ 50 px there.
RETRY_EDGE = 320
# The first look's copy: its 24 px window is 13 % of the short side (4:3), under the 17 % a face
# needs to pass the framing check (3 % of the frame).
GATE_EDGE = 240


def _faces(
    grey: U8, *, edge: int, step: float, neighbours: int, cascade: str
) -> tuple[Sequence[Sequence[int]], float]:
    """The cascade's detections on a copy of ``grey`` at most ``edge`` long (faces of at least a
    tenth of its short side), in that copy's pixels, and the copy's scale ``f``."""
    f = min(1.0, edge / max(grey.shape[:2]))
    small = grey
    if f < 1.0:
        size = (round(grey.shape[1] * f), round(grey.shape[0] * f))
        small = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    side = max(24, round(0.1 * min(small.shape[:2])))
    found = _cascade(cascade).detectMultiScale(
        small, scaleFactor=step, minNeighbors=neighbours, minSize=(side, side)
    )
    return found, f


def detect_face(
    grey: U8, *, edge: int = 10_000, step: float = 1.08, cascade: str = FACE_CASCADE
) -> Box | None:
    """The largest frontal face (x, y, w, h) in a grey image, or None.

    ``edge``: search a copy at most this long; ``step``: the detector's scale factor;
    ``cascade``: which of OpenCV's frontal-face cascades.
    """
    faces, f = _faces(grey, edge=edge, step=step, neighbours=5, cascade=cascade)
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda b: int(b[2]) * int(b[3]))
    return round(x / f), round(y / f), round(w / f), round(h / f)


def _eye_pair(centres: list[tuple[float, float]], face: Box) -> Eyes | None:
    """The most plausible pair of eye centres (photo-left first), or None."""
    x, _, w, _ = face
    best: Eyes | None = None
    best_score = math.inf
    for i, a in enumerate(centres):
        for b in centres[i + 1 :]:
            left, right = (a, b) if a[0] < b[0] else (b, a)
            dx, dy = right[0] - left[0], right[1] - left[1]
            # Two eyes: 25–60 % of the face's width apart, the line between them within 20°,
            # one on each side of the face's middle.
            if not 0.25 * w <= dx <= 0.6 * w or abs(dy) > 0.36 * dx:
                continue
            if not (left[0] < x + 0.55 * w and right[0] > x + 0.45 * w):
                continue
            score = abs(dx - 0.4 * w) + abs(dy)
            if score < best_score:
                best, best_score = (left, right), score
    return best


def detect_eyes(grey: U8, face: Box) -> Eyes | None:
    """The two eye centres (photo-left first) inside the face's upper part, or None."""
    x, y, w, h = face
    y0 = y + h // 6
    top = grey[y0 : y + h * 3 // 5, x : x + w]
    side = max(8, w // 9)
    for name in _EYE_CASCADES:
        eyes = _cascade(name).detectMultiScale(
            top, scaleFactor=1.05, minNeighbors=3, minSize=(side, side), maxSize=(w // 2, w // 2)
        )
        pair = _eye_pair([(x + ex + ew / 2.0, y0 + ey + eh / 2.0) for ex, ey, ew, eh in eyes], face)
        if pair is not None:
            return pair
    return None


def may_hold_face(grey: U8) -> bool:
    """A cheap first look: does any window of a small copy pass the whole face cascade?

    The copy's long edge is ``GATE_EDGE``; every raw detection counts (no neighbours needed),
    so this errs toward "maybe". A photo where not one window passes holds no face that the
    full search would find at a size the framing check accepts, and skips that search: most
    of the face step's cost on close-ups and body sites, where it finds nothing.
    """
    hits, _ = _faces(grey, edge=GATE_EDGE, step=1.1, neighbours=0, cascade=FACE_CASCADE)
    return len(hits) > 0


def find_face(work: U8, *, thorough: bool = True) -> tuple[Box, Eyes] | None:
    """A frontal face with both eyes found, on the analysis image, or None.

    After the first look (``may_hold_face``), the detectors run on the histogram-equalised grey
    image; with ``thorough`` also on the plain one and on a locally equalised one (CLAHE), which
    find faces of deep skin tones and faces against a dark or saturated background that the
    first misses. A face box without two eyes inside it is not trusted: on close-ups of
    skin the detector sees faces in pores.
    """
    grey: U8 = np.asarray(cv2.cvtColor(work, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    if not may_hold_face(grey):
        return None

    def equalised() -> U8:
        return np.asarray(cv2.equalizeHist(grey), dtype=np.uint8)

    def plain() -> U8:
        return grey

    def clahe() -> U8:
        c = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
        return np.asarray(c.apply(grey), dtype=np.uint8)

    preparations: tuple[Callable[[], U8], ...] = (
        (equalised, plain, clahe) if thorough else (equalised,)
    )
    for i, prepared in enumerate(preparations):
        g = prepared()
        face = detect_face(g) if i == 0 else detect_face(g, edge=RETRY_EDGE, step=1.1)
        if face is None:
            continue
        eyes = detect_eyes(g, face)
        if eyes is not None:
            return face, eyes
    if not thorough:
        return None
    face = detect_face(grey, cascade=LAST_TRY_CASCADE)
    if face is None:
        return None
    strong = np.asarray(cv2.createCLAHE(clipLimit=4.0, tileGridSize=(8, 8)).apply(grey), np.uint8)
    for g in (grey, strong):
        eyes = detect_eyes(g, face)
        if eyes is not None:
            return face, eyes
    return None


def locate(work: U8, lab: F32, exclude: Mask | None) -> tuple[Box, Eyes] | Region:
    """The face (box and eyes, on ``work``), or else the body-site region on ``lab``."""
    return find_face(work) or body_region(lab, exclude)


@dataclass(frozen=True)
class EyeFrame:
    """The face's own frame: ``origin`` between the eyes, unit vectors ``u`` and ``v``·scale."""

    origin: tuple[float, float]
    u: tuple[float, float]
    v: tuple[float, float]

    @classmethod
    def from_eyes(cls, left: tuple[float, float], right: tuple[float, float]) -> EyeFrame:
        ox, oy = (left[0] + right[0]) / 2.0, (left[1] + right[1]) / 2.0
        ux, uy = right[0] - left[0], right[1] - left[1]
        return cls(origin=(ox, oy), u=(ux, uy), v=(-uy, ux))

    def scaled(self, f: float) -> EyeFrame:
        return EyeFrame(
            origin=(self.origin[0] * f, self.origin[1] * f),
            u=(self.u[0] * f, self.u[1] * f),
            v=(self.v[0] * f, self.v[1] * f),
        )

    def point(self, uu: float, vv: float) -> tuple[float, float]:
        return (
            self.origin[0] + uu * self.u[0] + vv * self.v[0],
            self.origin[1] + uu * self.u[1] + vv * self.v[1],
        )


def uv_maps(shape: tuple[int, int], frame: EyeFrame) -> tuple[F32, F32]:
    """Each pixel's (u, v) in the eye frame, as two (h, w) float32 maps."""
    h, w = shape
    det = frame.u[0] * frame.v[1] - frame.u[1] * frame.v[0]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xs - np.float32(frame.origin[0]), ys - np.float32(frame.origin[1])
    u = (dx * np.float32(frame.v[1]) - dy * np.float32(frame.v[0])) / np.float32(det)
    v = (dy * np.float32(frame.u[0]) - dx * np.float32(frame.u[1])) / np.float32(det)
    return u.astype(np.float32), v.astype(np.float32)


def _band(u: F32, v: F32, zone: tuple[float, float, float, float]) -> Mask:
    u0, u1, v0, v1 = zone
    out: Mask = (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)
    return out


def colour_model(lab: F32, seed: Mask) -> Mask:
    """Pixels close to the skin colour of ``seed`` (module docstring, step 3)."""
    px = lab[seed]
    if px.shape[0] < 20:
        return np.zeros(lab.shape[:2], dtype=bool)
    if px.shape[0] > _MODEL_SAMPLE:
        # The centre and spread of tens of thousands of pixels are those of an even sample.
        px = px[:: px.shape[0] // _MODEL_SAMPLE]
    med = np.median(px, axis=0)
    sig = np.maximum(1.4826 * np.median(np.abs(px - med), axis=0), np.array(_MIN_SIGMA))
    light, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    out: Mask = (
        (np.abs(light - med[0]) <= _K_L * sig[0])
        & (np.abs(b - med[2]) <= _K_B * sig[2])
        & (a >= med[1] - _K_A_LOW * sig[1])
    )
    return out


def face_region(lab: F32, face: Box, frame: EyeFrame, exclude: Mask | None) -> Region:
    """The zones of a face on ``lab``'s pixel grid (``face`` and ``frame`` already scaled)."""
    shape = lab.shape[:2]
    x, y, w, h = face
    bound: Mask = np.zeros(shape, dtype=bool)
    bound[max(0, y) : min(shape[0], y + round(1.3 * h)), max(0, x - w // 20) : x + w + w // 20] = (
        True
    )
    cand = colour_candidates(lab) & bound
    if exclude is not None:
        cand &= ~exclude
    u, v = uv_maps(shape, frame)
    boxes = {name: _band(u, v, z) for name, z in _ZONES.items()}
    seed = (boxes["left_cheek"] | boxes["right_cheek"] | boxes["nose"]) & cand
    keep = colour_model(lab, seed) & cand
    if w >= _ERODE_MIN_FACE:
        # Drop the rim of every kept patch: pixels there mix skin with what borders it (a brow,
        # a nostril, a spectacle frame, the hat's edge). Small faces have no pixel to spare.
        keep = cv2.erode(keep.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    zones = {name: boxes[name] & keep for name in FACE_ZONES}
    frac = (w * h) / float(shape[0] * shape[1])
    return Region(kind="face", zones=zones, treated_fraction=min(frac, 1.0))


def _central_component(m: NDArray[np.uint8], min_area: float) -> Mask | None:
    """The connected region of ``m`` (0/1) covering the centre, else the best large one near it."""
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(m, connectivity=8)
    h, w = m.shape
    cy, cx = h / 2.0, w / 2.0
    best, best_score = 0, -math.inf
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
        return None
    out: Mask = labels == best
    return out


def _weighted_distance(lab: F32, ref: NDArray[np.float32]) -> F32:
    """CIELAB distance (h, w) of every pixel from ``ref``, L* at half weight (shading)."""
    d = lab - ref.astype(np.float32)
    d[..., 0] *= 0.5
    out: F32 = np.sqrt(np.einsum("...c,...c->...", d, d))
    return out


def colour_steepness(lab: F32) -> F32:
    """How fast the colour changes at each pixel (h, w): the CIELAB gradient (L* at half
    weight) per pixel after a light smoothing, so that noise and pores count little."""
    out = np.zeros(lab.shape[:2], dtype=np.float32)
    for ch, weight in ((0, 0.5), (1, 1.0), (2, 1.0)):
        c = np.asarray(cv2.GaussianBlur(np.ascontiguousarray(lab[..., ch]), (0, 0), 1.0))
        gx = np.asarray(cv2.Sobel(c, cv2.CV_32F, 1, 0, ksize=3), np.float32) * np.float32(weight)
        gy = np.asarray(cv2.Sobel(c, cv2.CV_32F, 0, 1, ksize=3), np.float32) * np.float32(weight)
        out += gx * gx + gy * gy
    steep: F32 = np.sqrt(out, dtype=np.float32)
    steep *= np.float32(1.0 / 8.0)
    return steep


def _without_surface(lab: F32, comp: Mask, min_area: float) -> tuple[Mask, bool]:
    """``comp`` without a skin-coloured surface merged into it (a table under a hand, a wall
    behind a neck), and whether there was one: each pixel goes to the nearer of the colour in
    the middle of the frame and the colour at its rim, and the skin's connected piece is kept."""
    h, w = comp.shape
    middle = np.zeros_like(comp)
    middle[
        round(h * _MIDDLE[0]) : round(h * _MIDDLE[1]), round(w * _MIDDLE[0]) : round(w * _MIDDLE[1])
    ] = True
    rim = np.ones_like(comp)
    rim[round(h * _RIM) : round(h * (1 - _RIM)), round(w * _RIM) : round(w * (1 - _RIM))] = False
    # The two colours from every third pixel each way: the medians of a ninth are the same.
    every = lab[::3, ::3]
    inner, outer = (comp & middle)[::3, ::3], (comp & rim)[::3, ::3]
    if inner.sum() < 20 or outer.sum() < 20:
        return comp, False
    skin_ref = np.median(every[inner], axis=0)
    rim_ref = np.median(every[outer], axis=0)
    gap = _weighted_distance(rim_ref.reshape(1, 1, 3), skin_ref)
    if float(gap[0, 0]) <= SURFACE_DISTANCE:
        return comp, False
    nearer = _weighted_distance(lab, skin_ref) < _weighted_distance(lab, rim_ref)
    # Two surfaces meet at an edge; redness spreading from a treated patch, or shading, fades.
    sides = (comp & nearer).astype(np.uint8)
    k3 = np.ones((3, 3), np.uint8)
    inside = cv2.erode(comp.astype(np.uint8), k3).astype(bool)
    border = (cv2.dilate(sides, k3) != cv2.erode(sides, k3)) & inside
    if border.sum() < 20:
        return comp, False
    steepness = float(np.percentile(colour_steepness(lab)[border], 75))
    if steepness < SURFACE_EDGE:
        return comp, False
    k5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    kept = cv2.morphologyEx((comp & nearer).astype(np.uint8), cv2.MORPH_OPEN, k5)
    piece = _central_component(np.asarray(kept, np.uint8), min_area)
    return (piece if piece is not None else np.zeros_like(comp)), True


def body_region(lab: F32, exclude: Mask | None) -> Region:
    """The one connected skin-coloured region covering (or nearest) the centre, without any
    skin-coloured surface merged into it, refined by the colour model seeded from its core
    (step 4)."""
    shape = lab.shape[:2]
    m = cleaned_candidates(lab, exclude=exclude)
    min_area = MIN_REGION_FRACTION * m.size
    comp = _central_component(m, min_area)
    if comp is None:
        return _none(shape)
    comp, surface = _without_surface(lab, comp, min_area)
    if not comp.any():
        return _none(shape)
    chroma = np.hypot(lab[..., 1][comp], lab[..., 2][comp])
    if float(np.median(chroma)) > MAX_BODY_CHROMA:
        return _none(shape)
    core = cv2.erode(comp.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    region: Mask = comp & colour_model(lab, core if core.sum() >= 50 else comp)
    return Region(
        kind="body",
        zones={BODY_ZONE: region},
        treated_fraction=float(comp.mean()),
        surface=surface,
    )


def scale_box(face: Box, f: float) -> Box:
    x, y, w, h = (round(v * f) for v in face)
    return x, y, w, h


def region_png(labels: NDArray[np.uint8]) -> bytes:
    """The measured region's label image as an 8-bit PNG (0 outside, a zone's code inside)."""
    ok, buf = cv2.imencode(".png", labels)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return bytes(buf.tobytes())
