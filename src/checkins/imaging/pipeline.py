"""From photo bytes to measurements (and, for intake, the files to store).

``analyze_bytes`` is the fast path for ``checkins analyze``: one reduced-scale decode (≈ 1/8 of a
12 MP JPEG), then the card, the skin mask, the quality gate and the metrics on a ~480 px image.
``process_photo`` is intake: one decode at the smallest scale whose long edge is ≥ 1000 px (the
display copy, capped at 1600 px), from which the analysis image and the thumbnail are derived;
the stored copy is the original stripped losslessly when it can be, otherwise a full decode
re-encoded.
Both are plain top-level functions so a ``ProcessPoolExecutor`` can run them.
"""

from __future__ import annotations

import dataclasses
import statistics

import cv2
import numpy as np

from checkins.domain import PhotoMetrics
from checkins.imaging.card import detect_card, white_balance_gains
from checkins.imaging.color import U8, linear_to_lab_clipped, uint8_to_linear
from checkins.imaging.decode import finish, reduce_pow2
from checkins.imaging.opening import ANALYSIS_EDGE, Loaded, load_reduced
from checkins.imaging.quality import assess
from checkins.imaging.redness import redness_metrics
from checkins.imaging.render import reencoded_copy, renditions
from checkins.imaging.results import Calibration, PhotoAnalysis, ProcessedPhoto, ZoneMeasure
from checkins.imaging.stored import Staged, stage
from checkins.imaging.zones import (
    SMALL_FACE,
    EyeFrame,
    Region,
    face_region,
    locate,
    scale_box,
)
from checkins.measures import MIN_ZONE_PIXELS

# A power-of-two reduction lands between 480 and 959 px; above this it is resized to 480.
ANALYSIS_MAX_EDGE = 600


def analyze_image(rgb: U8, *, width: int, height: int, fmt: str) -> PhotoAnalysis:
    """Analyse an upright sRGB uint8 image (h, w, 3) of a photo of full size width × height."""
    work = reduce_pow2(rgb, ANALYSIS_EDGE)
    if max(work.shape[:2]) > ANALYSIS_MAX_EDGE:
        f = ANALYSIS_EDGE / max(work.shape[:2])
        size = (round(work.shape[1] * f), round(work.shape[0] * f))
        work = np.asarray(cv2.resize(work, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    # Colour is measured at half the analysis scale: the metrics are means over thousands of
    # pixels, and a quarter of the pixels is a quarter of the work. Sharpness and the card need
    # the finer image.
    h, w = work.shape[:2]
    colour = np.asarray(
        cv2.resize(work, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA),
        dtype=np.uint8,
    )
    linear = uint8_to_linear(colour)
    calibration = Calibration()
    exclude = None
    gains = None
    card = detect_card(work)
    if card is not None:
        outline = np.zeros(colour.shape[:2], dtype=np.uint8)
        scaled = card.outline * (colour.shape[1] / w)
        cv2.fillConvexPoly(outline, np.rint(scaled).astype(np.int32), 1)
        grow = max(3, round(0.03 * float(np.ptp(scaled[:, 0]))))
        exclude = cv2.dilate(outline, np.ones((grow, grow), np.uint8)).astype(bool)
        gains = white_balance_gains(card)
        if gains is not None:
            linear = linear * np.array(gains, dtype=np.float32)
        calibration = Calibration(
            card_detected=True,
            mm_per_pixel=card.mm_per_pixel * work.shape[1] / width,
            white_balance_gains=gains,
            markers=card.markers,
        )
    lab = colour_lab = linear_to_lab_clipped(linear)
    found = locate(work, lab, exclude)
    if isinstance(found, Region):
        region = found
    else:
        face, eyes = found
        f = lab.shape[1] / w
        if face[2] * f < SMALL_FACE:
            # A small face keeps every pixel it has: measure it on the analysis image.
            linear = uint8_to_linear(work)
            if gains is not None:
                linear = linear * np.array(gains, dtype=np.float32)
            lab = linear_to_lab_clipped(linear)
            if exclude is not None:
                exclude = (
                    cv2.resize(exclude.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
                    > 0
                )
            f = 1.0
        region = face_region(lab, scale_box(face, f), EyeFrame.from_eyes(*eyes).scaled(f), exclude)
    labels = region.labels()
    mask = region.mask
    metrics = redness_metrics(linear, lab, mask, calibrated=gains is not None)
    # A body site's one zone is the whole region: its figures are the region's.
    zones = tuple(
        ZoneMeasure(
            name=name,
            pixels=int(zmask.sum()),
            metrics=metrics
            if len(region.zones) == 1
            else redness_metrics(linear, lab, zmask, calibrated=gains is not None),
        )
        for name, zmask in region.zones.items()
    )
    metrics = zone_balanced(metrics, zones)
    if labels.shape != colour.shape[:2]:
        size = (colour.shape[1], colour.shape[0])
        labels = np.asarray(cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST), np.uint8)
    quality = assess(
        work, colour, colour_lab, labels > 0, full_width=width, full_height=height, region=region
    )
    return PhotoAnalysis(
        width=width,
        height=height,
        format=fmt,
        quality=quality,
        metrics=metrics,
        calibration=calibration,
        region_kind=region.kind,
        zones=zones,
        region_labels=labels,
    )


def zone_balanced(metrics: PhotoMetrics, zones: tuple[ZoneMeasure, ...]) -> PhotoMetrics:
    """Mean a* and EI as the mean of the zones' means, each zone counting once.

    Pixel counts per zone follow the framing and the pose, not the skin: weighting every zone
    equally keeps a check-in comparable with the baseline when the patient stands closer or
    turns a little. The red area and ITA stay pixel shares of the whole region.
    """
    a = [z.metrics.mean_a_star for z in zones if z.pixels >= MIN_ZONE_PIXELS]
    ei = [z.metrics.erythema_index for z in zones if z.pixels >= MIN_ZONE_PIXELS]
    if len(zones) < 2 or not a:
        return metrics
    return dataclasses.replace(
        metrics,
        mean_a_star=statistics.fmean(v for v in a if v is not None),
        erythema_index=statistics.fmean(v for v in ei if v is not None),
    )


def warm_up() -> None:
    """Pay the pipeline's first-call costs now (the face cascade and the marker detector loaded,
    each step's first call): ≈ 20 ms that the first photo would otherwise wait for. A command
    that decodes photos on other threads meanwhile (``checkins.imaging.batch``) calls it while
    they do. A small image primes every step as well as a full-size one, in a fifth of the time."""
    skin = np.empty((120, 160, 3), dtype=np.uint8)
    skin[...] = (200, 150, 130)
    analyze_image(skin, width=160, height=120, fmt="JPEG")


def analyze_bytes(data: bytes) -> PhotoAnalysis:
    """Analyse photo bytes (raises ``PhotoRejected``). No renditions, nothing stored."""
    return analyze_loaded(load_reduced(data, min_edge=ANALYSIS_EDGE))


def analyze_loaded(loaded: Loaded) -> PhotoAnalysis:
    """Analyse a photo ``load_reduced(data, min_edge=ANALYSIS_EDGE)`` decoded."""
    decoded = finish(loaded, min_edge=ANALYSIS_EDGE)
    return analyze_image(
        decoded.rgb, width=decoded.width, height=decoded.height, fmt=decoded.format
    )


def process_photo(data: bytes) -> ProcessedPhoto:
    """Intake: analyse, render the display copy and thumbnail, and make the sanitized copy.

    Raises ``PhotoRejected`` for anything we refuse; returns nothing partial.
    """
    return process_staged(stage(data))


def process_staged(staged: Staged) -> ProcessedPhoto:
    """The rest of intake after ``checkins.imaging.stored.stage``: the arrays' part."""
    decoded = finish(staged.loaded, min_edge=staged.min_edge)
    stored, stored_format = staged.stored, "JPEG"
    if stored is None:
        stored, stored_format = reencoded_copy(decoded.rgb, decoded.format)
    display_jpeg, thumb_jpeg = renditions(decoded.rgb)
    analysis = analyze_image(
        decoded.rgb, width=decoded.width, height=decoded.height, fmt=decoded.format
    )
    return ProcessedPhoto(
        analysis=analysis,
        stored=stored,
        stored_format=stored_format,
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
    )
