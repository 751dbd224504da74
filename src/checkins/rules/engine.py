"""The triage engine: facts from a check-in, rules evaluated over them, a result for each audience.

Pure: no files, no clock, no environment. Rules arrive as a validated `RuleSet` (see loader.py);
evaluation records which leaf comparisons fired, so a provider sees *why* a rule matched.
"""

from __future__ import annotations

import decimal
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from checkins import schedule
from checkins.domain import (
    DEFAULT_SCHEDULE_DAYS,
    PROCEDURES,
    REDNESS_LEVELS,
    SWELLING_LEVELS,
    Answers,
    InvalidInput,
    MetricChange,
    Reason,
    Severity,
    Temperature,
    TriageResult,
)
from checkins.guidance import DayGuidance, guidance_for_day
from checkins.i18n import ENGLISH, N_, Translator

Scalar = bool | int | float | str
Value = Scalar | tuple[Scalar, ...] | None


class Op(enum.StrEnum):
    EQ = "=="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    IN = "in"
    NOT_IN = "not_in"
    IS_NULL = "is_null"
    NOT_NULL = "not_null"

    @property
    def symbol(self) -> str:
        return _OP_SYMBOLS[self]


_OP_SYMBOLS = {
    Op.EQ: "=",
    Op.NE: "≠",
    Op.GT: ">",
    Op.GE: "≥",
    Op.LT: "<",
    Op.LE: "≤",
    Op.IN: "is one of",
    Op.NOT_IN: "is not one of",
    Op.IS_NULL: "is not recorded",
    Op.NOT_NULL: "is recorded",
}
ORDERED_OPS = frozenset({Op.GT, Op.GE, Op.LT, Op.LE})
LIST_OPS = frozenset({Op.IN, Op.NOT_IN})
NULL_OPS = frozenset({Op.IS_NULL, Op.NOT_NULL})


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


def _num(label: str, unit: str = "", *, nullable: bool = False, doc: str = "") -> FactSpec:
    return FactSpec(FactKind.NUMBER, label, unit, nullable=nullable, description=doc)


def _bool(label: str, *, nullable: bool = False, doc: str = "") -> FactSpec:
    return FactSpec(FactKind.BOOL, label, nullable=nullable, description=doc)


_ANSWERED = "null when the check-in has no questionnaire (a baseline)"
_PHOTO = "null without photo metrics or when no photo could be measured"

FACTS: Mapping[str, FactSpec] = {
    "temperature_f": _num(
        "temperature",
        " °F",
        nullable=True,
        doc="°F; a °C reading is converted at the thermometer's displayed precision (0.1 °F), "
        "so 38.6 °C reads as 101.5 °F; null if not taken",
    ),
    "drainage_like_pus": _bool("drainage that looks like pus", nullable=True, doc=_ANSWERED),
    "increased_warmth": _bool("increased warmth", nullable=True, doc=_ANSWERED),
    "swelling": FactSpec(
        FactKind.WORD, "swelling", words=SWELLING_LEVELS, nullable=True, description=_ANSWERED
    ),
    "redness": FactSpec(
        FactKind.WORD, "redness", words=REDNESS_LEVELS, nullable=True, description=_ANSWERED
    ),
    "oozing": _bool("oozing", nullable=True, doc=_ANSWERED),
    "pain": _num("pain", "/10", nullable=True, doc="0–10; " + _ANSWERED),
    "picked_or_peeled_skin": _bool("picked or peeled skin", nullable=True, doc=_ANSWERED),
    "sun_exposure": _bool("sun exposure", nullable=True, doc="optional answer"),
    "routine_followed": _bool("skin care routine followed", nullable=True, doc="optional answer"),
    "antiviral_taken": _bool("antiviral taken", nullable=True, doc="optional answer"),
    "has_notes": _bool(
        "a note for the provider", nullable=True, doc="true when the notes are not blank"
    ),
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


@dataclass(frozen=True)
class Compare:
    """A leaf: `fact op value`. A comparison with a missing fact is false (except the null ops)."""

    fact: str
    op: Op
    value: Value = None


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Compare | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    when: Condition
    provider_message: str
    patient_message: str
    source: str = ""  # the line of the clinic's instructions the rule comes from


@dataclass(frozen=True)
class RuleSet:
    """Validated rules. `version` is the file's own version plus a hash of its bytes."""

    version: str
    rules: tuple[Rule, ...]
    source: str = ""


# --- facts -----------------------------------------------------------------------------------


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _day_from_hours(hours: float) -> int:
    # Same count as domain.day_since for hours >= 0; negative before the treatment (a baseline).
    return math.floor(hours / 24.0)


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
    facts["day_since_treatment"] = _day_from_hours(hours_since_treatment)
    if answers is not None:
        temp = answers.temperature
        facts.update(
            temperature_f=None if temp is None else displayed_fahrenheit(temp),
            drainage_like_pus=answers.drainage_like_pus,
            increased_warmth=answers.increased_warmth,
            swelling=answers.swelling,
            redness=answers.redness,
            oozing=answers.oozing,
            pain=answers.pain,
            picked_or_peeled_skin=answers.picked_or_peeled_skin,
            sun_exposure=answers.sun_exposure,
            routine_followed=answers.routine_followed,
            antiviral_taken=answers.antiviral_taken,
            has_notes=bool(answers.notes.strip()),
        )
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


# --- evaluation ------------------------------------------------------------------------------


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(actual: object, expected: object) -> bool | None:
    """Equality between comparable values; None when they are not comparable at all."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        if isinstance(actual, bool) and isinstance(expected, bool):
            return actual == expected
        return None
    if _is_number(actual) and _is_number(expected):
        return actual == expected
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    return None


def _holds(op: Op, actual: object, expected: Value) -> bool:
    if op is Op.IS_NULL:
        return actual is None
    if op is Op.NOT_NULL:
        return actual is not None
    if actual is None:
        return False
    if op in LIST_OPS:
        if not isinstance(expected, tuple):
            return False
        matches = [_same(actual, e) for e in expected]
        if any(m is None for m in matches):
            return False
        return any(matches) if op is Op.IN else not any(matches)
    if op in (Op.EQ, Op.NE):
        same = _same(actual, expected)
        if same is None:
            return False
        return same if op is Op.EQ else not same
    if not (_is_number(actual) and _is_number(expected)):
        return False
    a, e = float(actual), float(expected)
    if math.isnan(a):
        return False
    return {Op.GT: a > e, Op.GE: a >= e, Op.LT: a < e, Op.LE: a <= e}[op]


def format_value(value: object) -> str:
    """A value as a person reads it: 101.66, 168, yes, moderate."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def _spec(fact: str) -> FactSpec:
    return FACTS.get(fact, FactSpec(FactKind.NUMBER, fact.replace("_", " ")))


def describe(condition: Condition) -> str:
    """The condition in words, without values: `temperature ≥ 101.5 °F`."""
    if isinstance(condition, Compare):
        spec = _spec(condition.fact)
        if condition.op in NULL_OPS:
            return f"{spec.label} {condition.op.symbol}"
        unit = spec.unit if spec.kind is FactKind.NUMBER and condition.op in ORDERED_OPS else ""
        return f"{spec.label} {condition.op.symbol} {format_value(condition.value)}{unit}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.condition)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(c) for c in condition.conditions) + ")"


def _fired(leaf: Compare, actual: object) -> str:
    spec = _spec(leaf.fact)
    shown = format_value(actual)
    if leaf.op in NULL_OPS:
        return f"{spec.label}: {shown}"
    if spec.kind is FactKind.NUMBER and leaf.op in ORDERED_OPS | {Op.EQ, Op.NE}:
        expected = format_value(leaf.value)
        return f"{spec.label} {shown}{spec.unit} {leaf.op.symbol} {expected}{spec.unit}"
    if leaf.op is Op.EQ:
        return f"{spec.label}: {shown}"
    return f"{spec.label}: {shown} ({leaf.op.symbol} {format_value(leaf.value)})"


def _check(condition: Condition, facts: Mapping[str, object]) -> tuple[bool, tuple[str, ...]]:
    """Whether the condition holds, and the leaves that made it hold."""
    if isinstance(condition, Compare):
        actual = facts.get(condition.fact)
        if _holds(condition.op, actual, condition.value):
            return True, (_fired(condition, actual),)
        return False, ()
    if isinstance(condition, Not):
        inner, _ = _check(condition.condition, facts)
        return (False, ()) if inner else (True, (describe(condition),))
    if isinstance(condition, AllOf):
        because: list[str] = []
        for child in condition.conditions:
            ok, why = _check(child, facts)
            if not ok:
                return False, ()
            because.extend(why)
        return True, tuple(because)
    results = [_check(child, facts) for child in condition.conditions]
    because = [line for ok, why in results if ok for line in why]
    return any(ok for ok, _ in results), tuple(because)


def evaluate(ruleset: RuleSet, facts: Mapping[str, object]) -> list[Reason]:
    """Every rule whose condition holds, urgent first, then in file order."""
    reasons: list[Reason] = []
    for rule in ruleset.rules:
        ok, because = _check(rule.when, facts)
        if ok:
            reasons.append(
                Reason(
                    rule=rule.id,
                    severity=rule.severity,
                    message=rule.provider_message,
                    patient_message=rule.patient_message,
                    because=because,
                )
            )
    reasons.sort(key=lambda r: -r.severity.rank)
    return reasons


# --- triage ----------------------------------------------------------------------------------


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"- {line}" for line in lines]


@dataclass(frozen=True)
class CallNow:
    """Whom a patient can call now: the office while it is open; out of hours the on-call line
    if the clinic has one. Nothing a patient reads tells them to call a closed office."""

    office_phone: str
    office_open: bool = True
    on_call_phone: str | None = None

    def call(self, tr: Translator = ENGLISH) -> str:
        """ "call the office at X" in the clinic's words, for the time it is now."""
        if self.office_open:
            if self.office_phone:
                return tr("call the office at %(phone)s", phone=self.office_phone)
            return tr("call the office")
        if self.on_call_phone:
            return tr(
                "call the clinic's on-call line at %(phone)s (the office is closed)",
                phone=self.on_call_phone,
            )
        if self.office_phone:
            return tr("call the office at %(phone)s when it opens", phone=self.office_phone)
        return tr("call the office when it opens")

    def urgent(self, tr: Translator = ENGLISH) -> list[str]:
        if self.office_open:
            if self.office_phone:
                return [tr("Please contact the office now at %(phone)s.", phone=self.office_phone)]
            return [tr("Please contact the office now.")]
        if self.on_call_phone:
            return [
                tr(
                    "The office is closed now: please call the clinic's on-call line now at "
                    "%(phone)s.",
                    phone=self.on_call_phone,
                ),
                tr(EMERGENCY_LINE),
            ]
        return [
            tr(
                "The office is closed now: please contact an urgent care clinic or go to an "
                "emergency department today, and show them this message."
            ),
            tr(EMERGENCY_LINE),
        ]


EMERGENCY_LINE = N_(
    "If you have trouble breathing, a fever with confusion, or redness spreading fast, "
    "call 911 (emergency services)."
)


def capitalized(text: str) -> str:
    """``text`` with its first letter upper-case and the rest as written (phone numbers, names)."""
    return text[:1].upper() + text[1:]


def _course(day: int, guidance: DayGuidance, contact: CallNow, tr: Translator) -> list[str]:
    title = tr.gettext(guidance.title)
    if day < 0:
        out = [tr("Before your treatment: %(title)s.", title=title)]
    else:
        out = [tr("Day %(day)s after your treatment: %(title)s.", day=day, title=title)]
    if guidance.what_is_normal:
        out += ["", tr("What is normal now:"), *_bullets(tr.all(guidance.what_is_normal))]
    if guidance.do:
        out += ["", tr("Please:"), *_bullets(tr.all(guidance.do))]
    if guidance.avoid:
        out += ["", tr("Avoid:"), *_bullets(tr.all(guidance.avoid))]
    if guidance.warning_signs:
        out += [
            "",
            tr("%(call)s right away if you notice:", call=capitalized(contact.call(tr))),
            *_bullets(tr.all(guidance.warning_signs)),
        ]
    return out


def patient_message(
    *,
    severity: Severity,
    reasons: Sequence[Reason],
    day: int,
    clinic_phone: str,
    contact: CallNow | None = None,
    tr: Translator = ENGLISH,
) -> str:
    """What the patient reads after sending a check-in, in ``tr``'s language.

    The stored message is the English one (staff read it); a patient's page renders it again
    in the patient's language from the same severity, reasons and day.
    """
    contact = contact or CallNow(office_phone=clinic_phone)
    urgent = [tr.gettext(r.patient_message) for r in reasons if r.severity is Severity.URGENT]
    other = [tr.gettext(r.patient_message) for r in reasons if r.severity is not Severity.URGENT]
    if severity is Severity.URGENT:
        lines = [
            *contact.urgent(tr),
            "",
            tr("Your check-in shows signs the clinic asks you to report right away:"),
            *_bullets(urgent),
        ]
        if other:
            lines += ["", tr("When you call, also mention:"), *_bullets(other)]
        return "\n".join(lines)
    course = _course(day, guidance_for_day(day), contact, tr)
    if severity is Severity.REVIEW:
        lines = [
            tr("A provider will look at your check-in and get back to you, because:"),
            *_bullets(other),
            tr("If you feel worse before then, %(call)s.", call=contact.call(tr)),
            "",
            *course,
        ]
        return "\n".join(lines)
    return "\n".join([tr("Thank you, your check-in looks as expected."), "", *course])


def triage(
    *,
    ruleset: RuleSet,
    answers: Answers | None,
    procedure: str,
    hours_since_treatment: float,
    clinic_phone: str,
    metrics: MetricChange | None = None,
    schedule_days: Sequence[int] = DEFAULT_SCHEDULE_DAYS,
    contact: CallNow | None = None,
) -> TriageResult:
    """Evaluate one check-in: the highest severity matched, every reason, the patient's message.

    ``contact`` says whom to call now (office hours); without it, the office at ``clinic_phone``.
    """
    facts = facts_for(
        answers=answers,
        procedure=procedure,
        hours_since_treatment=hours_since_treatment,
        metrics=metrics,
    )
    reasons = evaluate(ruleset, facts)
    severity = max((r.severity for r in reasons), key=lambda s: s.rank, default=Severity.ROUTINE)
    day = _day_from_hours(hours_since_treatment)
    return TriageResult(
        severity=severity,
        reasons=tuple(reasons),
        patient_message=patient_message(
            severity=severity,
            reasons=reasons,
            day=day,
            clinic_phone=clinic_phone.strip(),
            contact=contact,
        ),
        rules_version=ruleset.version,
        day_since_treatment=day,
        next_checkin_day=schedule.next_checkin_day(schedule_days, day),
    )
