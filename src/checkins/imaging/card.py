"""The printable reference card: its layout, its rendering, and finding it in a photo.

The card is 86 × 54 mm (a bank card, so it fits a wallet). Four ArUco markers (dictionary
``DICT_4X4_50``, ids 0–3 clockwise from the top left) sit in its corners; between them are a white
patch and a mid-grey patch (18 % reflectance, L* ≈ 50) and a 50 mm scale with millimetre ticks.

In a photo, the markers give a homography from card millimetres to image pixels; from it we read
the scale (mm per pixel), sample the two neutral patches to white-balance the photo, and draw the
card's outline so the skin mask leaves it out.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from checkins.imaging.color import F32, U8, uint8_to_linear

CARD_W_MM = 86.0
CARD_H_MM = 54.0
MARKER_MM = 12.0
MARKER_MARGIN_MM = 3.0
MARKER_IDS = (0, 1, 2, 3)  # top-left, top-right, bottom-right, bottom-left
ARUCO_DICT = cv2.aruco.DICT_4X4_50
# (x0, y0, x1, y1) in card millimetres.
WHITE_PATCH_MM = (18.0, 5.0, 42.0, 24.0)
GREY_PATCH_MM = (44.0, 5.0, 68.0, 24.0)
SCALE_MM = (18.0, 68.0)  # the 50 mm ruler's ends, at y = SCALE_Y_MM
SCALE_Y_MM = 27.0
# sRGB value of the printed grey patch: 18 % reflectance (L* ≈ 50) on an ideal printer.
GREY_PATCH_SRGB = 119
# Pixels per millimetre of the rendered card: 20 px/mm = 508 DPI, so the PDF page size in
# points is exactly the card size in millimetres (no rounding of the printed size).
RENDER_PX_PER_MM = 20
RENDER_DPI = RENDER_PX_PER_MM * 25.4
A4_MM = (210.0, 297.0)


def marker_origin_mm(index: int) -> tuple[float, float]:
    """Top-left corner (x, y) in card millimetres of marker ``index`` (0–3, clockwise from TL)."""
    far_x = CARD_W_MM - MARKER_MARGIN_MM - MARKER_MM
    far_y = CARD_H_MM - MARKER_MARGIN_MM - MARKER_MM
    m = MARKER_MARGIN_MM
    return ((m, m), (far_x, m), (far_x, far_y), (m, far_y))[index]


def marker_corners_mm(index: int) -> F32:
    """The four corners (TL, TR, BR, BL), shape (4, 2), of marker ``index`` in card millimetres."""
    x, y = marker_origin_mm(index)
    s = MARKER_MM
    return np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]], dtype=np.float32)


def render_card(*, px_per_mm: float = RENDER_PX_PER_MM) -> U8:
    """The card as a greyscale uint8 image, shape (round(54·px_per_mm), round(86·px_per_mm))."""
    w, h = round(CARD_W_MM * px_per_mm), round(CARD_H_MM * px_per_mm)
    im = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(im)

    def px(v: float) -> int:
        return round(v * px_per_mm)

    dictionary = cv2.aruco.getPredefinedDictionary(ARUCO_DICT)
    side = px(MARKER_MM)
    for index, marker_id in enumerate(MARKER_IDS):
        marker = cv2.aruco.generateImageMarker(dictionary, marker_id, side)
        x, y = marker_origin_mm(index)
        im.paste(Image.fromarray(marker), (px(x), px(y)))
    line = max(1, round(0.25 * px_per_mm))
    x0, y0, x1, y1 = WHITE_PATCH_MM
    draw.rectangle((px(x0), px(y0), px(x1), px(y1)), fill=255, outline=0, width=line)
    x0, y0, x1, y1 = GREY_PATCH_MM
    draw.rectangle((px(x0), px(y0), px(x1), px(y1)), fill=GREY_PATCH_SRGB, outline=0, width=line)
    # The millimetre scale: a 50 mm baseline with ticks every mm, longer every 5 and 10 mm.
    a, b = SCALE_MM
    base = SCALE_Y_MM
    thin = max(1, round(0.15 * px_per_mm))
    draw.line((px(a), px(base), px(b), px(base)), fill=0, width=thin)
    font = ImageFont.load_default(size=max(8, round(2.2 * px_per_mm)))
    for mm in range(int(b - a) + 1):
        length = 4.0 if mm % 10 == 0 else 2.8 if mm % 5 == 0 else 1.8
        x = px(a + mm)
        draw.line((x, px(base), x, px(base + length)), fill=0, width=thin)
        if mm % 10 == 0:
            draw.text((x, px(base + 4.3)), f"{mm // 10}", fill=0, font=font, anchor="mt")
    small = ImageFont.load_default(size=max(8, round(2.0 * px_per_mm)))
    draw.text(
        (px(CARD_W_MM / 2), px(40.5)),
        "checkins card · 50 mm scale",
        fill=0,
        font=small,
        anchor="mt",
    )
    draw.text(
        (px(CARD_W_MM / 2), px(44.5)),
        "hold flat beside the treated skin",
        fill=0,
        font=small,
        anchor="mt",
    )
    draw.rectangle((0, 0, w - 1, h - 1), outline=160, width=1)
    return np.asarray(im, dtype=np.uint8).copy()


def card_png() -> bytes:
    """The card alone as PNG bytes at 508 DPI (20 px/mm), with the DPI recorded in the file."""
    buf = io.BytesIO()
    Image.fromarray(render_card()).save(buf, "PNG", dpi=(RENDER_DPI, RENDER_DPI))
    return buf.getvalue()


def card_pdf() -> bytes:
    """An A4 page with the card at true size (printed at 100 %) and a line telling how to check it.

    Pillow's PDF writer sizes the page from the image's pixels and ``resolution`` (DPI): the page
    is rendered at 20 px/mm = 508 DPI, so 1 mm on paper is exactly 20 px of the image.
    """
    ppm = RENDER_PX_PER_MM
    page = Image.new("L", (round(A4_MM[0] * ppm), round(A4_MM[1] * ppm)), 255)
    card = Image.fromarray(render_card(px_per_mm=ppm))
    left = round((A4_MM[0] - CARD_W_MM) / 2 * ppm)
    top = round(30 * ppm)
    page.paste(card, (left, top))
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=round(4 * ppm))
    draw.text(
        (page.width // 2, round(15 * ppm)),
        "Print at 100 % (actual size). The scale must measure 50 mm.",
        fill=0,
        font=font,
        anchor="mm",
    )
    buf = io.BytesIO()
    page.save(buf, "PDF", resolution=RENDER_DPI, quality=95)
    return buf.getvalue()


@dataclass(frozen=True)
class CardDetection:
    """Where the card is in an image, in that image's pixels.

    ``homography`` maps card millimetres (x, y, 1) to image pixels; ``outline`` is the card's four
    corners (4, 2) float32 in pixels; ``mm_per_pixel`` is at the image's own scale.
    """

    markers: int
    homography: NDArray[np.float64]
    outline: F32
    mm_per_pixel: float
    white_linear: tuple[float, float, float]
    grey_linear: tuple[float, float, float]


# One detector per thread, like the face cascades (zones.py): OpenCV's detectors are not made
# to be shared by threads that detect at the same time.
_PER_THREAD = threading.local()


def _detector() -> cv2.aruco.ArucoDetector:
    detector: cv2.aruco.ArucoDetector | None = getattr(_PER_THREAD, "detector", None)
    if detector is None:
        params = cv2.aruco.DetectorParameters()
        params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(ARUCO_DICT), params)
        _PER_THREAD.detector = detector
    return detector


def _patch_median(
    rgb: U8, homography: NDArray[np.float64], rect_mm: tuple[float, float, float, float]
) -> tuple[float, float, float] | None:
    """Median linear RGB inside a card rectangle (shrunk by 2 mm to stay clear of its border)."""
    x0, y0, x1, y1 = rect_mm
    ppm = 4.0
    inset = 2.0
    w = round((x1 - x0 - 2 * inset) * ppm)
    h = round((y1 - y0 - 2 * inset) * ppm)
    # patch pixel (u, v) → card mm → image px
    to_mm = np.array(
        [[1 / ppm, 0, x0 + inset], [0, 1 / ppm, y0 + inset], [0, 0, 1]], dtype=np.float64
    )
    warp = homography @ to_mm
    patch = cv2.warpPerspective(
        rgb, warp, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=(0, 0, 0)
    )
    lin = uint8_to_linear(np.asarray(patch, dtype=np.uint8)).reshape(-1, 3)
    if lin.size == 0:
        return None
    med = np.median(lin, axis=0)
    return (float(med[0]), float(med[1]), float(med[2]))


def detect_card(rgb: U8) -> CardDetection | None:
    """Find the reference card in an sRGB uint8 image (h, w, 3); ``None`` when it is not there.

    At least two of the four markers must be found (eight corner points for the homography), the
    card must lie inside the frame, and its white patch must be clearly lighter than its grey one.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    corners, ids, _ = _detector().detectMarkers(gray)
    if ids is None:
        return None
    src: list[F32] = []
    dst: list[F32] = []
    seen: set[int] = set()
    for c, marker_id in zip(corners, ids.reshape(-1), strict=True):
        mid = int(marker_id)
        if mid not in MARKER_IDS or mid in seen:
            continue
        seen.add(mid)
        src.append(marker_corners_mm(MARKER_IDS.index(mid)))
        dst.append(np.asarray(c, dtype=np.float32).reshape(4, 2))
    if len(seen) < 2:
        return None
    src_pts = np.concatenate(src)
    dst_pts = np.concatenate(dst)
    homography, _inliers = cv2.findHomography(src_pts, dst_pts, cv2.RANSAC, 3.0)
    if homography is None:
        return None
    hom: NDArray[np.float64] = np.asarray(homography, dtype=np.float64)
    card_mm = np.array(
        [[[0, 0], [CARD_W_MM, 0], [CARD_W_MM, CARD_H_MM], [0, CARD_H_MM]]], dtype=np.float32
    )
    outline = cv2.perspectiveTransform(card_mm, hom).reshape(4, 2).astype(np.float32)
    h, w = gray.shape
    slack = 0.05 * max(h, w)
    if (
        outline[:, 0].min() < -slack
        or outline[:, 1].min() < -slack
        or outline[:, 0].max() > w + slack
        or outline[:, 1].max() > h + slack
    ):
        return None
    # Scale: the card's diagonals and sides in pixels against their length in millimetres.
    pairs = ((0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3))
    ratios = [
        float(np.linalg.norm(card_mm[0, i] - card_mm[0, j]))
        / max(float(np.linalg.norm(outline[i] - outline[j])), 1e-6)
        for i, j in pairs
    ]
    white = _patch_median(rgb, hom, WHITE_PATCH_MM)
    grey = _patch_median(rgb, hom, GREY_PATCH_MM)
    if white is None or grey is None:
        return None
    if sum(white) < 2.0 * sum(grey) or sum(grey) <= 0.0:
        return None
    return CardDetection(
        markers=len(seen),
        homography=hom,
        outline=outline,
        mm_per_pixel=float(np.mean(ratios)),
        white_linear=white,
        grey_linear=grey,
    )


def white_balance_gains(
    detection: CardDetection, *, clip: float = 0.97
) -> tuple[float, float, float] | None:
    """Per-channel gains on linear sRGB that make the card's neutral patches neutral.

    Gains keep the patch's luminance (so exposure is not changed, only the cast): the white patch
    is used unless one of its channels is near clipping, then the grey patch. ``None`` when the
    gains would be implausible (outside 0.4–2.5), e.g. a patch in shadow or covered.
    """
    patch = detection.white_linear if max(detection.white_linear) < clip else detection.grey_linear
    r, g, b = patch
    if min(patch) <= 1e-4:
        return None
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    gains = (y / r, y / g, y / b)
    if not all(0.4 <= k <= 2.5 for k in gains):
        return None
    return gains
