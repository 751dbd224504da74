"""Day-by-day guidance follows the clinic's instructions at each boundary, and quotes the
rules in force."""

from __future__ import annotations

from functools import partial

import pytest

from checkins import guidance, rules
from checkins.domain import Answers, Severity
from checkins.guidance import skin_care_routine, warning_signs
from checkins.rules import load_rules, parse_rules

SHIPPED = rules.thresholds(load_rules())
WARNING_SIGNS = warning_signs(SHIPPED)
guidance_for_day = partial(guidance.guidance_for_day, thresholds=SHIPPED)


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
    # Both scales, from the rules in force; a line never breaks inside "38.6 °C".
    assert "Fever of 101.5\u00a0°F (38.6\u00a0°C) or greater" in WARNING_SIGNS
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


def clinic_rules(fever: str) -> rules.RuleSet:
    """A clinic's own rule file: the urgent fever line at ``fever`` (e.g. '>= 102.0')."""
    op, value = fever.split()
    text = f"""
version = "clinic.1"

[[rules]]
id = "fever"
severity = "urgent"
when = {{ fact = "temperature_f", op = "{op}", value = {value} }}
provider_message = "Fever."
patient_message = "You reported a fever."
"""
    return parse_rules(text.encode(), source="clinic.toml")


def test_a_clinic_rule_file_with_another_fever_line_changes_the_advice() -> None:
    ours = clinic_rules(">= 102.0")
    signs = guidance.guidance_for_day(3, thresholds=rules.thresholds(ours)).warning_signs
    assert "Fever of 102\u00a0°F (38.9\u00a0°C) or greater" in signs
    assert not any("101.5" in sign for sign in signs)
    above = warning_signs(rules.thresholds(clinic_rules("> 100.9")))
    assert "Fever above 100.9\u00a0°F (38.3\u00a0°C)" in above


def test_the_message_after_a_check_in_quotes_the_clinic_fever_line() -> None:
    ours = clinic_rules(">= 100.4")
    calm = Answers.model_validate(
        {"temperature": None, "drainage_like_pus": False, "increased_warmth": False,
         "swelling": "none", "redness": "mild", "oozing": False, "pain": 1,
         "picked_or_peeled_skin": False}
    )  # fmt: skip
    result = rules.triage(
        ruleset=ours, answers=calm, procedure="microneedling", hours_since_treatment=30,
        clinic_phone="(555) 010-0199",
    )  # fmt: skip
    assert result.severity is Severity.ROUTINE
    assert "Fever of 100.4\u00a0°F (38\u00a0°C) or greater" in result.patient_message
    assert "101.5" not in result.patient_message
    shipped = rules.triage(
        ruleset=load_rules(), answers=calm, procedure="microneedling", hours_since_treatment=30,
        clinic_phone="(555) 010-0199",
    )  # fmt: skip
    assert "Fever of 101.5\u00a0°F (38.6\u00a0°C) or greater" in shipped.patient_message


def test_the_lowest_urgent_fever_line_is_quoted_and_review_rules_are_not() -> None:
    shipped = load_rules()  # low_grade_fever (review) at 100.4 must not become the urgent line
    assert rules.fever_line(shipped) == (101.5, True)
    no_fever = parse_rules(
        b'version = "x"\n[[rules]]\nid = "pus"\nseverity = "urgent"\n'
        b'when = { fact = "drainage_like_pus", op = "==", value = true }\n'
        b'provider_message = "p"\npatient_message = "p"\n',
        source="nofever.toml",
    )
    assert rules.fever_line(no_fever) is None
    assert "A fever" in warning_signs(rules.thresholds(no_fever))
