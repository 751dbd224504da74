"""The measured region on real portraits shipped in packages, against hand-labelled polygons.

The issue's criteria (docs/metrics.md, "Measured region"), on every portrait and every variant
made from it (tests/imaging/realfaces.py):

- the mean a* is within 1.5 of the labelled skin's a* for a face that fills the frame, within 2.0
  for a whole portrait or a face on a coloured background, or the photo is refused with a
  framing sentence;
- at least 90 % of the measured pixels lie on labelled skin;
- on the inflamed version, the measured rise is at least three quarters of the true rise.

Cases where the method is known to fall short would be marked ``xfail(strict=True)`` and listed
in docs/metrics.md; today there are none (Grace Hopper darkened to a very deep tone was one until
the last try with OpenCV's "alt2" cascade).
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np
import pytest

from checkins.imaging.decode import decode
from checkins.imaging.pipeline import ANALYSIS_EDGE
from checkins.imaging.synthetic import TONES, skin_photo
from checkins.imaging.zones import FACE_ZONES, find_face, may_hold_face
from tests.imaging.realfaces import PORTRAITS, Measured, card_variants, measure, variants

CASES = [(p, v.name) for p in PORTRAITS for v in variants(p)]
# Known shortfalls (docs/metrics.md): none at present.
KNOWN_A_STAR: set[tuple[str, str]] = set()
KNOWN_ON_SKIN: set[tuple[str, str]] = set()


@functools.cache
def _measured(portrait: str, name: str) -> Measured:
    return measure(next(v for v in variants(portrait) if v.name == name))


def _mark(case: tuple[str, str], known: set[tuple[str, str]]) -> object:
    if case in known:
        return pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="docs/metrics.md"))
    return case


@pytest.mark.parametrize(("portrait", "name"), [_mark(c, KNOWN_A_STAR) for c in CASES])
def test_mean_a_star_matches_the_labelled_skin_or_framing_refused(portrait: str, name: str) -> None:
    m = _measured(portrait, name)
    codes = {i.code for i in m.analysis.quality.issues}
    if m.error is None:
        assert codes & {"framing", "no_skin", "background"}, "nothing measured, no framing sentence"
        return
    assert m.error <= m.variant.limit or codes & {"framing", "background"}, (
        m.analysis.metrics,
        m.truth_a,
    )


@pytest.mark.parametrize(("portrait", "name"), [_mark(c, KNOWN_ON_SKIN) for c in CASES])
def test_measured_pixels_lie_on_labelled_skin(portrait: str, name: str) -> None:
    m = _measured(portrait, name)
    assert m.on_skin is not None and m.on_skin >= 0.90, m.on_skin


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_inflamed_rise_is_at_least_three_quarters_of_the_true_rise(portrait: str) -> None:
    calm, red = _measured(portrait, "portrait"), _measured(portrait, "inflamed")
    assert calm.analysis.metrics.mean_a_star is not None
    assert red.analysis.metrics.mean_a_star is not None
    true_rise = red.truth_a - calm.truth_a
    assert true_rise > 5.0  # the variant really is inflamed
    rise = red.analysis.metrics.mean_a_star - calm.analysis.metrics.mean_a_star
    assert rise >= 0.75 * true_rise, (rise, true_rise)


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_a_face_is_measured_in_its_five_zones_whatever_the_background(portrait: str) -> None:
    for name in ("portrait", "background_red_sofa", "background_wooden_table", "exif_rotated"):
        a = _measured(portrait, name).analysis
        assert a.region_kind == "face", name
        assert {z.name for z in a.zones if z.pixels > 0} == set(FACE_ZONES), name


def test_the_astronauts_suit_and_flag_are_not_measured() -> None:
    # The issue's example: the orange suit and the flag made up 94 % of the old mask, a* 34.6.
    m = _measured("astronaut", "portrait")
    assert m.analysis.metrics.mean_a_star is not None
    assert m.analysis.metrics.mean_a_star < 12.0
    assert m.on_skin is not None and m.on_skin >= 0.9


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_a_cheek_close_up_is_one_body_area(portrait: str) -> None:
    a = _measured(portrait, "cheek_closeup").analysis
    assert a.region_kind == "body"
    assert [z.name for z in a.zones] == ["area"]


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_the_first_look_never_hides_a_face_the_full_search_finds(portrait: str) -> None:
    # ``may_hold_face`` skips the full search; on every variant where that search finds a face
    # the first look must have said "maybe".
    for v in variants(portrait):
        work = decode(v.data, min_edge=ANALYSIS_EDGE).rgb
        grey = np.asarray(cv2.cvtColor(work, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
        if find_face(work) is not None:
            assert may_hold_face(grey), v.name


def test_the_first_look_skips_the_search_on_synthetic_skin_close_ups() -> None:
    # The benchmark's photos (bench/bench_commands.py): textured skin filling the frame.
    for i, tone in enumerate(t for t in TONES if t != "inflamed"):
        rgb = skin_photo(width=504, height=378, tone=tone, redness=0.4, seed=i, noise=2.5)
        grey = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
        assert not may_hold_face(grey), tone


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_skin_on_a_skin_coloured_surface_is_measured_without_it_and_sent_back(
    portrait: str,
) -> None:
    plain = _measured(portrait, "cheek_closeup").analysis
    assert "background" not in {i.code for i in plain.quality.issues}
    for kind in ("red_sofa", "wooden_table", "orange_wall"):
        m = _measured(portrait, f"closeup_on_{kind}")
        assert m.analysis.region_kind == "body", kind
        assert "background" in {i.code for i in m.analysis.quality.issues}, kind
        # The surface is cut away: what is measured is the skin (the criterion asks 90 %).
        assert m.on_skin is not None and m.on_skin >= 0.95, (kind, m.on_skin)


# Luis Pedro's sunlit skin is already clipped in the original; the warm light clips it further,
# so no card can give its colour back: the gate sends the photo back as overexposed instead.
CLIPPED = {"luispedro"}


@pytest.mark.parametrize("portrait", PORTRAITS)
def test_the_skin_next_to_the_card_is_measured_and_calibrated(portrait: str) -> None:
    own, carded, plain = (measure(v) for v in card_variants(portrait))
    a = carded.analysis
    assert a.calibration.card_detected and a.metrics.calibrated
    # The card is never measured: the face is, in its zones.
    assert a.region_kind == "face"
    assert carded.on_skin is not None and carded.on_skin >= 0.90, carded.on_skin
    with_card = abs((a.metrics.mean_a_star or math.inf) - own.truth_a)
    without = abs((plain.analysis.metrics.mean_a_star or math.inf) - own.truth_a)
    if portrait in CLIPPED:
        assert "overexposed" in {i.code for i in a.quality.issues}
        return
    # Against the skin's a* before the warm light: within the portrait limit with the card, and
    # the light alone moves it further than that (the card does the work).
    assert with_card <= carded.variant.limit, (a.metrics.mean_a_star, own.truth_a)
    assert without > carded.variant.limit, (plain.analysis.metrics.mean_a_star, own.truth_a)
