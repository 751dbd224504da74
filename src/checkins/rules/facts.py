"""The fact vocabulary: every name a rule may use, what it holds, and its value for a check-in.

The answers' facts come from the questionnaire's table (``questionnaire.QUESTIONS``: each
question names its fact); the time, procedure and photo facts are listed here. Pure: no I/O.
"""

from __future__ import annotations

import decimal
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from checkins import questionnaire, schedule
from checkins.domain import PROCEDURES, Answers, InvalidInput, MetricChange, Temperature
from checkins.questionnaire import Kind, Question


class FactKind(enum.StrEnum):
    NUMBER = "number"
    BOOL = "bool"
    WORD = "word"


@dataclass(frozen=True)
class FactSpec:
    """What a fact holds, so the loader can refuse a rule that compares it to the wrong thing."""

    kind: FactKind
    label: str
    unit: str = ""
    words: tuple[str, ...] = ()
    nullable: bool = False
    description: str = ""


def displayed_fahrenheit(temp: Temperature) -> float:
    """°F as a thermometer showing °F would display it: one decimal, half up.

    38.6 °C is 101.48 °F, which such a thermometer shows as 101.5 °F; comparing the unrounded
    101.48 with the 101.5 °F fever line would reassure a patient a thermometer calls feverish.
    """
    if temp.unit == "F":
        return temp.fahrenheit
    exact = decimal.Decimal(repr(temp.value)) * 9 / 5 + 32
    return float(exact.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP))


_ANSWERED = "null when the check-in has no questionnaire (a baseline)"
_OPTIONAL = "optional answer"
_PHOTO = "null without photo metrics or when no photo could be measured"


def _answer_spec(q: Question) -> FactSpec:
    """The fact of one question: its kind follows the question's (a note is "has a note")."""
    note = q.fact_note or (_ANSWERED if q.required else _OPTIONAL)
    label = q.fact_label or q.in_sentence
    if q.kind is Kind.TEMPERATURE:
        return FactSpec(FactKind.NUMBER, label, " °F", nullable=True, description=note)
    if q.kind is Kind.CHOICE:
        return FactSpec(FactKind.WORD, label, words=q.words, nullable=True, description=note)
    if q.kind is Kind.SCALE:
        assert q.scale is not None
        unit = f"/{q.scale.high}"
        return FactSpec(
            FactKind.NUMBER,
            label,
            unit,
            nullable=True,
            description=f"{q.scale.low}–{q.scale.high}; {note}",
        )
    return FactSpec(FactKind.BOOL, label, nullable=True, description=note)


def _num(label: str, unit: str = "", *, nullable: bool = False, doc: str = "") -> FactSpec:
    return FactSpec(FactKind.NUMBER, label, unit, nullable=nullable, description=doc)


FACTS: Mapping[str, FactSpec] = {
    **{q.fact: _answer_spec(q) for q in questionnaire.QUESTIONS},
    "hours_since_treatment": _num("hours since treatment", " h"),
    "days_since_treatment": _num("days since treatment", " d", doc="hours / 24, fractional"),
    "day_since_treatment": _num("day after treatment", doc="whole days; 0 in the first 24 h"),
    "procedure": FactSpec(FactKind.WORD, "procedure", words=PROCEDURES),
    "mean_a_star": _num("mean a*", nullable=True, doc=_PHOTO),
    "erythema_index": _num("erythema index", nullable=True, doc=_PHOTO),
    "red_area_fraction": _num("red area fraction", nullable=True, doc="0–1; " + _PHOTO),
    "delta_a_star_baseline": _num("a* change since baseline", nullable=True, doc=_PHOTO),
    "delta_a_star_previous": _num("a* change since previous check-in", nullable=True, doc=_PHOTO),
    "delta_ei_baseline": _num("erythema index change since baseline", nullable=True, doc=_PHOTO),
    "delta_ei_previous": _num(
        "erythema index change since previous check-in", nullable=True, doc=_PHOTO
    ),
    "photos_total": _num("photos", nullable=True, doc="null without photo metrics"),
    "photos_unusable": _num("unusable photos", nullable=True, doc="null without photo metrics"),
}


def spec(fact: str) -> FactSpec:
    """The fact's spec; an unknown name (never in a loaded rule) reads as a number."""
    return FACTS.get(fact, FactSpec(FactKind.NUMBER, fact.replace("_", " ")))


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def answer_fact(q: Question, value: object) -> object:
    """The fact's value for one answer: °F as displayed, "has a note", else the answer."""
    if q.kind is Kind.TEMPERATURE:
        return displayed_fahrenheit(value) if isinstance(value, Temperature) else None
    if q.kind is Kind.TEXT:
        return bool(str(value or "").strip())
    return value


def facts_for(
    *,
    answers: Answers | None,
    procedure: str,
    hours_since_treatment: float,
    metrics: MetricChange | None = None,
) -> dict[str, object]:
    """Every fact a rule may name, from one check-in. Missing answers or metrics give None."""
    if not math.isfinite(hours_since_treatment):
        raise InvalidInput("the time since treatment must be a number of hours")
    if procedure not in PROCEDURES:
        raise InvalidInput(f"unknown procedure {procedure!r}; expected one of {PROCEDURES}")
    facts: dict[str, object] = dict.fromkeys(FACTS)
    facts["procedure"] = procedure
    facts["hours_since_treatment"] = float(hours_since_treatment)
    facts["days_since_treatment"] = hours_since_treatment / 24.0
    facts["day_since_treatment"] = schedule.day_from_hours(hours_since_treatment)
    if answers is not None:
        for q in questionnaire.QUESTIONS:
            facts[q.fact] = answer_fact(q, answers.answer(q.name))
    if metrics is not None:
        facts.update(
            mean_a_star=_finite_or_none(metrics.current.mean_a_star),
            erythema_index=_finite_or_none(metrics.current.erythema_index),
            red_area_fraction=_finite_or_none(metrics.current.red_area_fraction),
            delta_a_star_baseline=_finite_or_none(metrics.delta_a_star_baseline),
            delta_a_star_previous=_finite_or_none(metrics.delta_a_star_previous),
            delta_ei_baseline=_finite_or_none(metrics.delta_ei_baseline),
            delta_ei_previous=_finite_or_none(metrics.delta_ei_previous),
            photos_total=metrics.photos_total,
            photos_unusable=metrics.photos_unusable,
        )
    return facts
