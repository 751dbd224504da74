"""The default rules at and around their thresholds, and what triage tells each audience."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from checkins.domain import (
    DEFAULT_SCHEDULE_DAYS,
    Answers,
    InvalidInput,
    MetricChange,
    PhotoMetrics,
    Severity,
    Temperature,
    TriageResult,
)
from checkins.guidance import CallNow
from checkins.rules import RuleSet, evaluate, facts_for, load_rules, triage

PHONE = "(555) 010-0199"
MINUTE = 1 / 60


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def calm(**changes: object) -> Answers:
    """Answers with nothing of note, changed as the test needs."""
    base: dict[str, object] = {
        "temperature": None,
        "drainage_like_pus": False,
        "increased_warmth": False,
        "swelling": "none",
        "redness": "none",
        "oozing": False,
        "pain": 0,
        "picked_or_peeled_skin": False,
    }
    return Answers.model_validate(base | changes)


def fired(
    rules: RuleSet,
    answers: Answers | None,
    hours: float = 72.0,
    metrics: MetricChange | None = None,
) -> list[str]:
    facts = facts_for(
        answers=answers, procedure="microneedling", hours_since_treatment=hours, metrics=metrics
    )
    return [r.rule for r in evaluate(rules, facts)]


def run(
    rules: RuleSet,
    answers: Answers | None,
    hours: float = 72.0,
    schedule_days: Sequence[int] = DEFAULT_SCHEDULE_DAYS,
) -> TriageResult:
    return triage(
        ruleset=rules,
        answers=answers,
        procedure="microneedling",
        hours_since_treatment=hours,
        clinic_phone=PHONE,
        schedule_days=schedule_days,
    )


# --- urgent ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "fires"),
    [
        (101.4, "F", False),
        (101.5, "F", True),
        (101.6, "F", True),
        (38.5, "C", False),  # 101.3 °F
        (38.6, "C", True),  # 101.48 °F, shown as 101.5 °F at 0.1 °F precision
        (38.7, "C", True),  # 101.66 °F
    ],
)
def test_fever_threshold(rules: RuleSet, value: float, unit: str, fires: bool) -> None:
    answers = calm(temperature=Temperature(value=value, unit=unit))  # type: ignore[arg-type]
    assert ("fever" in fired(rules, answers)) is fires


def test_fever_says_why_in_degrees(rules: RuleSet) -> None:
    result = run(rules, calm(temperature=Temperature(value=38.7, unit="C")))
    assert result.severity is Severity.URGENT
    assert result.reasons[0].because == ("temperature 101.7 °F ≥ 101.5 °F",)


def test_no_temperature_is_not_a_fever(rules: RuleSet) -> None:
    assert "fever" not in fired(rules, calm(temperature=None))


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"drainage_like_pus": True}, "pus_drainage"),
        ({"increased_warmth": True}, "increased_warmth"),
        ({"swelling": "excessive"}, "excessive_swelling"),
    ],
)
def test_signs_of_infection_are_urgent_at_any_hour(
    rules: RuleSet, change: dict[str, object], rule: str
) -> None:
    for hours in (0.0, 12.0, 200.0):
        result = run(rules, calm(**change), hours=hours)
        assert result.severity is Severity.URGENT
        assert [r.rule for r in result.reasons] == [rule]


@pytest.mark.parametrize("swelling", ["none", "mild", "moderate"])
def test_swelling_short_of_excessive_is_expected(rules: RuleSet, swelling: str) -> None:
    assert fired(rules, calm(swelling=swelling), hours=6) == []


# --- review -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "fires"),
    [(24.0, False), (24.0 + MINUTE, True), (23.0, False), (100.0, True)],
)
def test_oozing_past_24_hours(rules: RuleSet, hours: float, fires: bool) -> None:
    assert ("oozing_after_24_hours" in fired(rules, calm(oozing=True), hours=hours)) is fires


@pytest.mark.parametrize(
    ("redness", "hours", "fires"),
    [
        ("moderate", 168.0, False),
        ("moderate", 168.0 + MINUTE, True),
        ("severe", 168.0, False),
        ("severe", 168.0 + MINUTE, True),
        ("mild", 300.0, False),
        ("none", 300.0, False),
    ],
)
def test_redness_past_7_days(rules: RuleSet, redness: str, hours: float, fires: bool) -> None:
    got = fired(rules, calm(redness=redness), hours=hours)
    assert ("redness_after_7_days" in got) is fires


def test_redness_past_7_days_says_both_conditions(rules: RuleSet) -> None:
    result = run(rules, calm(redness="severe"), hours=170.0)
    assert result.severity is Severity.REVIEW
    assert result.reasons[0].because == (
        "redness: severe (is one of moderate, severe)",
        "hours since treatment 170 h > 168 h",
    )


def test_picked_skin_is_review(rules: RuleSet) -> None:
    result = run(rules, calm(picked_or_peeled_skin=True), hours=30)
    assert result.severity is Severity.REVIEW
    assert [r.rule for r in result.reasons] == ["picked_skin"]


def photos(
    *, previous: float | None = None, unusable: int = 0, total: int = 2, a_star: float | None = 12.0
) -> MetricChange:
    return MetricChange(
        current=PhotoMetrics(mean_a_star=a_star),
        delta_a_star_previous=previous,
        photos_total=total,
        photos_unusable=unusable,
    )


@pytest.mark.parametrize(
    ("delta", "hours", "fires"),
    [
        (1.99, 72.0, False),
        (2.0, 72.0, True),
        (5.0, 48.0, False),  # the first two days redness is expected to rise
        (5.0, 48.0 + MINUTE, True),
        (-3.0, 200.0, False),
        (None, 200.0, False),
        (math.nan, 200.0, False),
    ],
)
def test_photo_redness_rising(
    rules: RuleSet, delta: float | None, hours: float, fires: bool
) -> None:
    got = fired(rules, calm(), hours=hours, metrics=photos(previous=delta))
    assert ("photo_redness_rising" in got) is fires


def test_unusable_photo_is_review_never_reassurance(rules: RuleSet) -> None:
    assert fired(rules, calm(), metrics=photos(unusable=1)) == ["photo_unusable"]
    assert fired(rules, calm(), metrics=photos(a_star=None)) == ["photo_unusable"]
    assert fired(rules, calm(), metrics=photos(unusable=0)) == []
    assert fired(rules, calm(), metrics=photos(total=0, a_star=None)) == []


@pytest.mark.parametrize(("pain", "fires"), [(6, False), (7, True), (10, True), (0, False)])
def test_strong_pain_is_reviewed(rules: RuleSet, pain: int, fires: bool) -> None:
    assert ("severe_pain" in fired(rules, calm(pain=pain), hours=20.0)) is fires


@pytest.mark.parametrize("hours", [2.0, 30.0, 200.0])
def test_severe_redness_is_reviewed_at_any_time(rules: RuleSet, hours: float) -> None:
    assert "severe_redness" in fired(rules, calm(redness="severe"), hours=hours)
    assert "severe_redness" not in fired(rules, calm(redness="moderate"), hours=hours)


@pytest.mark.parametrize(
    ("notes", "fires"),
    [("", False), ("   \n ", False), ("it smells and there is yellow stuff", True)],
)
def test_any_note_goes_to_a_provider(rules: RuleSet, notes: str, fires: bool) -> None:
    assert ("patient_note" in fired(rules, calm(notes=notes))) is fires


def test_the_worst_day_one_answers_are_never_reassured(rules: RuleSet) -> None:
    """Pain 10/10 with severe redness on day 1 once came out routine ("looks as expected")."""
    result = run(rules, calm(pain=10, redness="severe", swelling="moderate"), hours=20.0)
    assert result.severity is Severity.REVIEW
    assert "looks as expected" not in result.patient_message


# --- the result ------------------------------------------------------------------------------


def test_routine_when_nothing_matches(rules: RuleSet) -> None:
    result = run(rules, calm(redness="moderate", swelling="mild", pain=4), hours=30)
    assert result.severity is Severity.ROUTINE
    assert result.reasons == ()
    assert result.rules_version == rules.version
    assert result.day_since_treatment == 1
    assert result.next_checkin_day == 3
    assert "Day 1 after your treatment" in result.patient_message
    assert "Peeling and flaking" in result.patient_message
    assert "A provider will look" not in result.patient_message


def test_every_matched_rule_is_reported_urgent_first(rules: RuleSet) -> None:
    answers = calm(
        oozing=True,
        picked_or_peeled_skin=True,
        temperature=Temperature(value=102, unit="F"),
        drainage_like_pus=True,
    )
    result = run(rules, answers, hours=30)
    assert result.severity is Severity.URGENT
    assert [r.rule for r in result.reasons] == [
        "fever",
        "pus_drainage",
        "oozing_after_24_hours",
        "picked_skin",
    ]


def test_urgent_message_has_phone_and_plain_reasons(rules: RuleSet) -> None:
    answers = calm(increased_warmth=True, swelling="excessive", oozing=True)
    message = run(rules, answers, hours=30).patient_message
    assert message.startswith(f"Please contact the office now at {PHONE}.")
    assert "You reported increased warmth at or around the treated area." in message
    assert "You reported excessive swelling." in message
    assert "You reported oozing more than 24 hours after your treatment." in message
    assert "What is normal now" not in message  # no reassurance beside an urgent sign


def test_review_message_says_a_provider_will_look_and_when_to_call(rules: RuleSet) -> None:
    message = run(rules, calm(oozing=True), hours=30).patient_message
    assert "A provider will look at your check-in and get back to you" in message
    assert f"If you feel worse before then, call the office at {PHONE}." in message
    assert "You reported oozing more than 24 hours after your treatment." in message
    assert "Day 1 after your treatment" in message


@pytest.mark.parametrize(
    ("hours", "day", "next_day"),
    [
        (0.0, 0, 1),
        (23.9, 0, 1),
        (24.0, 1, 3),
        (72.0, 3, 7),
        (7 * 24.0, 7, 14),
        (15 * 24.0, 15, 28),
        (29 * 24.0, 29, None),
    ],
)
def test_day_and_next_checkin(rules: RuleSet, hours: float, day: int, next_day: int | None) -> None:
    result = run(rules, calm(), hours=hours)
    assert (result.day_since_treatment, result.next_checkin_day) == (day, next_day)


def test_custom_schedule(rules: RuleSet) -> None:
    assert run(rules, calm(), hours=50, schedule_days=(2, 5, 10)).next_checkin_day == 5
    assert run(rules, calm(), hours=50, schedule_days=()).next_checkin_day is None


def test_photo_only_check_in_has_no_answer_facts(rules: RuleSet) -> None:
    facts = facts_for(answers=None, procedure="microneedling_rf", hours_since_treatment=30)
    assert facts["temperature_f"] is None and facts["oozing"] is None
    assert facts["procedure"] == "microneedling_rf"
    assert facts["days_since_treatment"] == pytest.approx(1.25)
    assert facts["photos_unusable"] is None
    assert run(rules, None, hours=30).severity is Severity.ROUTINE


def test_facts_refuse_what_no_rule_could_use() -> None:
    with pytest.raises(InvalidInput):
        facts_for(answers=None, procedure="laser", hours_since_treatment=1)
    with pytest.raises(InvalidInput):
        facts_for(answers=None, procedure="microneedling", hours_since_treatment=math.nan)


def test_a_clinic_without_a_phone_still_tells_the_patient_to_contact_it(rules: RuleSet) -> None:
    """A new clinic that has not set its phone yet: the message names no number at all."""
    result = triage(
        ruleset=rules,
        answers=calm(temperature=Temperature(value=102, unit="F")),
        procedure="microneedling",
        hours_since_treatment=5,
        clinic_phone=" ",
    )
    assert result.patient_message.startswith("Please contact the office now.")
    assert "(555)" not in result.patient_message


def test_out_of_hours_an_urgent_patient_is_given_the_on_call_line(rules: RuleSet) -> None:
    closed = CallNow(
        office_phone="(555) 010-0199", office_open=False, on_call_phone="(555) 010-0777"
    )
    result = triage(
        ruleset=rules,
        answers=calm(temperature=Temperature(value=102, unit="F")),
        procedure="microneedling",
        hours_since_treatment=5,
        clinic_phone="(555) 010-0199",
        contact=closed,
    )
    assert "(555) 010-0777" in result.patient_message
    assert "(555) 010-0199" not in result.patient_message  # never "call the closed office"
    assert "911" in result.patient_message
    nobody = CallNow(office_phone="(555) 010-0199", office_open=False)
    calm_result = triage(
        ruleset=rules,
        answers=calm(),
        procedure="microneedling",
        hours_since_treatment=5,
        clinic_phone="(555) 010-0199",
        contact=nobody,
    )
    assert "when it opens" in calm_result.patient_message
    assert "Call the office at (555) 010-0199 right away" not in calm_result.patient_message
