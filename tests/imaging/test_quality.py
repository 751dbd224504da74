"""The quality gate flags blurred, dark, overexposed, tiny and skinless photos; passes good ones."""

from __future__ import annotations

import pytest

from checkins.imaging import analyze_bytes
from checkins.imaging.quality import HINTS
from checkins.imaging.synthetic import skin_photo, to_jpeg


def codes(data: bytes) -> list[str]:
    return [i.code for i in analyze_bytes(data).quality.issues]


@pytest.mark.parametrize("tone", ["very_light", "fair", "medium", "deep", "very_deep"])
def test_good_photos_pass_for_every_tone(tone: str) -> None:
    for seed in (0, 1):
        report = analyze_bytes(to_jpeg(skin_photo(width=800, height=600, tone=tone, seed=seed)))
        assert report.quality.acceptable, (tone, seed, report.quality)
        assert report.quality.issues == ()


CASES = [
    (tone, change, expected)
    for tone in ("fair", "very_deep")
    for change, expected in (
        ({"blur": 4.0}, "blurry"),
        ({"blur": 6.0}, "blurry"),
        ({"exposure": 0.22}, "too_dark"),
    )
] + [("fair", {"exposure": 2.6}, "overexposed"), ("very_light", {"exposure": 2.6}, "overexposed")]
# Deep skin at 2.6× exposure is still unclipped, so not overexposed (docs/metrics.md).


@pytest.mark.parametrize(("tone", "change", "expected"), CASES)
def test_bad_versions_of_a_good_photo_are_flagged(
    tone: str, change: dict[str, float], expected: str
) -> None:
    found = codes(to_jpeg(skin_photo(width=800, height=600, tone=tone, seed=0, **change)))
    assert expected in found, found


def test_a_tiny_photo_is_flagged_and_told_to_send_the_original() -> None:
    report = analyze_bytes(to_jpeg(skin_photo(width=320, height=240, seed=0))).quality
    assert [i.code for i in report.issues] == ["too_small"]
    assert "original" in report.issues[0].hint


def test_every_issue_has_a_patient_hint() -> None:
    assert set(HINTS) >= {"blurry", "too_dark", "overexposed", "too_small", "no_skin"}
    for hint in HINTS.values():
        assert hint.endswith(".") and len(hint) > 30
