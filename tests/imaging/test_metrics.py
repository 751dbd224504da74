"""Golden CIELAB values computed independently here, and the redness ladder."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from checkins.imaging import analyze_bytes
from checkins.imaging.synthetic import TONES, skin_photo, to_jpeg, to_png


def reference_lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """CIELAB (D65, 2°) of one 8-bit sRGB colour, written out from the standards in plain floats.

    IEC 61966-2-1 transfer function and matrix; CIE 15 Lab with Xn, Yn, Zn = 0.95047, 1, 1.08883.
    """

    def lin(c: int) -> float:
        v = c / 255.0
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    x = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = 0.0193 * r + 0.1192 * g + 0.9505 * b

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x / 0.95047), f(y / 1.0), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def uniform_patch_photo(rgb: tuple[int, int, int]) -> np.ndarray:
    """A neutral grey frame with a large oval of one skin colour, plus gentle noise."""
    h, w = 600, 800
    img = np.full((h, w, 3), 128, dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    oval = ((yy - 300) / 260) ** 2 + ((xx - 400) / 330) ** 2 <= 1
    img[oval] = rgb
    rng = np.random.default_rng(0)
    noisy = img.astype(np.int16) + rng.integers(-2, 3, size=img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


GOLDEN = {
    "fair": (226, 178, 158),
    "medium": (190, 140, 110),
    "deep": (120, 80, 60),
    "very_deep": (80, 52, 40),
    "inflamed": (205, 110, 100),
}


@pytest.mark.parametrize("tone", sorted(GOLDEN))
@pytest.mark.parametrize("encode", [to_png, lambda a: to_jpeg(a, quality=95)], ids=["png", "jpeg"])
def test_mean_a_star_matches_an_independent_cielab(tone: str, encode) -> None:  # type: ignore[no-untyped-def]
    rgb = GOLDEN[tone]
    expected_l, expected_a, expected_b = reference_lab(rgb)
    analysis = analyze_bytes(encode(uniform_patch_photo(rgb)))
    m = analysis.metrics
    assert m.mean_a_star is not None and m.ita is not None
    assert abs(m.mean_a_star - expected_a) <= 1.0, (tone, m.mean_a_star, expected_a)
    assert analysis.quality.skin_fraction > 0.4  # the whole oval, red or not, is skin
    if expected_a <= 15.0:  # ITA is read from the non-red skin
        expected_ita = math.degrees(math.atan2(expected_l - 50, expected_b))
        assert abs(m.ita - expected_ita) <= 3.0
    assert not m.calibrated


def test_erythema_index_is_the_two_band_formula_on_linear_rgb() -> None:
    rgb = GOLDEN["inflamed"]
    lin = [((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    expected = 100 * math.log10(lin[0] / lin[1])
    m = analyze_bytes(to_png(uniform_patch_photo(rgb))).metrics
    assert m.erythema_index is not None
    assert abs(m.erythema_index - expected) < 1.5


@pytest.mark.parametrize("tone", ["fair", "medium", "deep", "very_deep"])
def test_redness_ladder_raises_every_redness_metric(tone: str) -> None:
    steps = [0.0, 0.25, 0.5, 0.75, 1.0]
    results = [
        analyze_bytes(to_jpeg(skin_photo(width=800, height=600, tone=tone, redness=r, seed=2)))
        for r in steps
    ]
    for name in ("mean_a_star", "erythema_index", "red_area_fraction"):
        values = [getattr(r.metrics, name) for r in results]
        assert all(b > a for a, b in itertools.pairwise(values)), (name, values)
    # ITA describes tone, not treatment: it stays put while the treated area reddens.
    itas = [r.metrics.ita for r in results]
    assert max(itas) - min(itas) < 6.0, itas  # type: ignore[type-var, operator]
    # Skin stays skin however red it gets.
    fractions = [r.quality.skin_fraction for r in results]
    assert min(fractions) > 0.9 * max(fractions)


def test_inflamed_skin_stays_in_the_mask_for_every_tone() -> None:
    for tone in TONES:
        calm = analyze_bytes(to_jpeg(skin_photo(width=800, height=600, tone=tone, redness=0)))
        red = analyze_bytes(to_jpeg(skin_photo(width=800, height=600, tone=tone, redness=1)))
        assert red.quality.skin_fraction >= 0.95 * calm.quality.skin_fraction, tone
        assert red.quality.skin_fraction > 0.4, tone


def test_a_photo_without_skin_has_no_metrics() -> None:
    grey = np.full((600, 800, 3), 140, dtype=np.uint8)
    grey[:, 400:] = (40, 60, 150)  # and a blue shirt
    analysis = analyze_bytes(to_png(grey))
    assert analysis.metrics.mean_a_star is None
    assert analysis.metrics.erythema_index is None
    assert [i.code for i in analysis.quality.issues] == ["no_skin"]


def test_the_pipeline_lab_matches_the_golden_values_and_clips() -> None:
    from checkins.imaging.color import linear_to_lab_clipped, uint8_to_linear

    for rgb in GOLDEN.values():
        ref = reference_lab(rgb)
        lab = linear_to_lab_clipped(uint8_to_linear(np.array([[rgb]], dtype=np.uint8)))[0, 0]
        assert np.allclose(lab, ref, atol=0.05)
    # Out of range (a white-balance gain can push a channel over 1): measured as clipped white.
    over = linear_to_lab_clipped(np.full((1, 1, 3), 1.4, dtype=np.float32))[0, 0]
    assert np.allclose(over, [100.0, 0.0, 0.0], atol=0.05)
