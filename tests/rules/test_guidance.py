"""Day-by-day guidance follows the clinic's instructions at each boundary."""

from __future__ import annotations

import pytest

from checkins.guidance import WARNING_SIGNS, guidance_for_day, skin_care_routine


@pytest.mark.parametrize(
    ("day", "title"),
    [
        (-14, "getting ready"),
        (-1, "getting ready"),
        (0, "the first 24 hours"),
        (1, "peeling and flaking"),
        (2, "peeling and flaking"),
        (3, "redness fading"),
        (7, "redness fading"),
        (8, "healing"),
        (14, "healing"),
        (15, "after healing"),
        (60, "after healing"),
    ],
)
def test_phase_boundaries(day: int, title: str) -> None:
    assert guidance_for_day(day).title == title


def joined(day: int) -> str:
    g = guidance_for_day(day)
    return " ".join(g.what_is_normal + g.do + g.avoid + g.warning_signs)


def test_before_treatment() -> None:
    text = joined(-3)
    assert "Alastin Skin Nectar, starting 2 weeks before" in text
    assert "baseline photo" in text


def test_first_24_hours() -> None:
    text = joined(0)
    for words in (
        "Redness",
        "swelling",
        "bleeding",
        "Oozing",
        "first 12 hours",
        "upright",
        "antiviral",
        "Extra Strength Tylenol",
    ):
        assert words in text, words


def test_oozing_is_normal_only_on_day_0() -> None:
    assert any("Oozing" in s for s in guidance_for_day(0).what_is_normal)
    for day in (1, 3, 8, 20):
        assert not any("Oozing" in s for s in guidance_for_day(day).what_is_normal)


def test_days_1_and_2_peeling() -> None:
    g = guidance_for_day(1)
    assert any("Peeling and flaking" in s for s in g.what_is_normal)
    assert any("Picking, rubbing or forcing off" in s for s in g.avoid)


def test_redness_up_to_7_days_then_settled() -> None:
    assert any("7 days" in s for s in guidance_for_day(5).what_is_normal)
    assert any("settled" in s for s in guidance_for_day(9).what_is_normal)
    assert any("makeup" in s for s in guidance_for_day(9).do)


def test_later() -> None:
    g = guidance_for_day(30)
    assert any("2 months" in s for s in g.avoid)
    assert any("4-6 weeks" in s for s in g.do)


def test_warning_signs_after_treatment_only() -> None:
    assert guidance_for_day(-1).warning_signs == ()
    for day in (0, 1, 5, 10, 40):
        assert guidance_for_day(day).warning_signs == WARNING_SIGNS
    assert "Fever of 101.5 °F or greater" in WARNING_SIGNS
    assert len(WARNING_SIGNS) == 4


def test_skin_care_routine() -> None:
    am, pm = skin_care_routine()
    assert len(am) == 5 and len(pm) == 3
    assert am[2].startswith("Apply Jan Marini SPF")
    assert am[-1] == "Apply Oxygenetix Foundation."
    assert not any("SPF" in step for step in pm)


@pytest.mark.parametrize("day", [0, 1, 3, 8, 15, 49, 90])
def test_every_day_after_treatment_says_what_is_normal(day: int) -> None:
    """Day 49's "What is normal now: after healing" was an empty heading (issue 12)."""
    assert guidance_for_day(day).what_is_normal
    assert all(line.strip().endswith(".") for line in guidance_for_day(day).what_is_normal)
