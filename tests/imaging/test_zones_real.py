"""The measured region on a real portrait shipped in scikit-image (hand-labelled polygons)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from checkins.imaging.color import linear_to_lab_fast, uint8_to_linear
from checkins.imaging.pipeline import analyze_bytes

LABELS = json.loads((Path(__file__).parent / "labels" / "portraits.json").read_text())


def _poly(shape: tuple[int, int], pts: list[list[int]]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.array(pts, np.int32)], 1)
    return m.astype(bool)


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def test_astronaut_face_not_suit_or_flag() -> None:
    rgb = data.astronaut()
    lab = linear_to_lab_fast(uint8_to_linear(rgb))
    labels = LABELS["astronaut"]
    skin = np.zeros(rgb.shape[:2], bool)
    for zone in ("forehead", "left_cheek", "right_cheek", "nose", "chin"):
        skin |= _poly(rgb.shape[:2], labels[zone])
    truth = float(lab[..., 1][skin].mean())
    result = analyze_bytes(_png(rgb))
    assert result.region_kind == "face"
    assert result.metrics.mean_a_star is not None
    assert abs(result.metrics.mean_a_star - truth) <= 2.0
    assert {z.name for z in result.zones} == {
        "forehead", "left_cheek", "right_cheek", "nose", "chin"
    }  # fmt: skip
