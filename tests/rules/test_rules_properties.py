"""For any valid check-in the engine answers, and its severity is the worst reason it found."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checkins.domain import (
    MAX_PLAUSIBLE_F,
    MIN_PLAUSIBLE_F,
    PROCEDURES,
    REDNESS_LEVELS,
    SWELLING_LEVELS,
    Answers,
    MetricChange,
    PhotoMetrics,
    Severity,
    Temperature,
)
from checkins.rules import load_rules, triage

RULES = load_rules()
PHONE = "555-0142"

fahrenheit = st.floats(MIN_PLAUSIBLE_F, MAX_PLAUSIBLE_F).map(
    lambda v: Temperature(value=v, unit="F")
)
celsius = st.floats(34.0, 43.0).map(lambda v: Temperature(value=v, unit="C"))
maybe_bool = st.none() | st.booleans()
answers = st.builds(
    Answers,
    temperature=st.none() | fahrenheit | celsius,
    drainage_like_pus=st.booleans(),
    increased_warmth=st.booleans(),
    swelling=st.sampled_from(SWELLING_LEVELS),
    redness=st.sampled_from(REDNESS_LEVELS),
    oozing=st.booleans(),
    pain=st.integers(0, 10),
    picked_or_peeled_skin=st.booleans(),
    sun_exposure=maybe_bool,
    routine_followed=maybe_bool,
    antiviral_taken=maybe_bool,
)
number = st.none() | st.floats(allow_nan=True, allow_infinity=True)
metrics = st.builds(
    MetricChange,
    current=st.builds(PhotoMetrics, mean_a_star=number, erythema_index=number),
    delta_a_star_baseline=number,
    delta_a_star_previous=number,
    delta_ei_baseline=number,
    delta_ei_previous=number,
    photos_total=st.integers(0, 8),
    photos_unusable=st.integers(0, 8),
)


@settings(max_examples=300, deadline=None)
@given(
    answers=st.none() | answers,
    procedure=st.sampled_from(PROCEDURES),
    hours=st.floats(0, 24 * 120),
    metrics=st.none() | metrics,
    schedule=st.lists(st.integers(0, 60), max_size=6),
)
def test_triage_never_raises_and_severity_is_the_worst_reason(
    answers: Answers | None,
    procedure: str,
    hours: float,
    metrics: MetricChange | None,
    schedule: list[int],
) -> None:
    result = triage(
        ruleset=RULES,
        answers=answers,
        procedure=procedure,
        hours_since_treatment=hours,
        clinic_phone=PHONE,
        metrics=metrics,
        schedule_days=schedule,
    )
    ranks = [r.severity.rank for r in result.reasons]
    assert result.severity.rank == max(ranks, default=Severity.ROUTINE.rank)
    assert ranks == sorted(ranks, reverse=True)
    assert all(r.because for r in result.reasons)
    assert result.patient_message
    if result.severity is Severity.URGENT:
        assert PHONE in result.patient_message
    if result.next_checkin_day is not None:
        assert result.next_checkin_day > result.day_since_treatment
