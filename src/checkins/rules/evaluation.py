"""Evaluation: rules over a check-in's facts, which leaf comparisons fired, and the triage result.

Pure: no files, no clock, no environment. Rules arrive as a validated `RuleSet` (loader.py),
facts from facts.py; evaluation records which leaf comparisons fired, so a provider sees *why*
a rule matched. What the patient reads is worded in guidance.py, the schedule in schedule.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from checkins import guidance, questionnaire, schedule
from checkins.domain import (
    DEFAULT_SCHEDULE_DAYS,
    Answers,
    MetricChange,
    Reason,
    Severity,
    TriageResult,
)
from checkins.guidance import CallNow
from checkins.questionnaire import Kind
from checkins.rules.facts import FactKind, facts_for
from checkins.rules.facts import spec as fact_spec
from checkins.rules.model import (
    LIST_OPS,
    NULL_OPS,
    ORDERED_OPS,
    AllOf,
    Compare,
    Condition,
    Not,
    Op,
    RuleSet,
    Value,
)

# The fact the guidance's fever warning sign quotes: the temperature question's.
FEVER_FACT = next(q.fact for q in questionnaire.QUESTIONS if q.kind is Kind.TEMPERATURE)


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


def describe(condition: Condition) -> str:
    """The condition in words, without values: `temperature ≥ 101.5 °F`."""
    if isinstance(condition, Compare):
        spec = fact_spec(condition.fact)
        if condition.op in NULL_OPS:
            return f"{spec.label} {condition.op.symbol}"
        unit = spec.unit if spec.kind is FactKind.NUMBER and condition.op in ORDERED_OPS else ""
        return f"{spec.label} {condition.op.symbol} {format_value(condition.value)}{unit}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.condition)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(c) for c in condition.conditions) + ")"


def _fired(leaf: Compare, actual: object) -> str:
    spec = fact_spec(leaf.fact)
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
    day = schedule.day_from_hours(hours_since_treatment)
    return TriageResult(
        severity=severity,
        reasons=tuple(reasons),
        patient_message=guidance.patient_message(
            severity=severity,
            reasons=reasons,
            day=day,
            clinic_phone=clinic_phone.strip(),
            contact=contact,
            thresholds=thresholds(ruleset),
        ),
        rules_version=ruleset.version,
        day_since_treatment=day,
        next_checkin_day=schedule.next_checkin_day(schedule_days=schedule_days, day=day),
    )


def _leaves(condition: Condition, *, negated: bool = False) -> list[tuple[Compare, bool]]:
    """Every comparison in a condition, with whether a ``not`` turns it around."""
    if isinstance(condition, Compare):
        return [(condition, negated)]
    if isinstance(condition, Not):
        return _leaves(condition.condition, negated=not negated)
    return [leaf for c in condition.conditions for leaf in _leaves(c, negated=negated)]


def fever_line(ruleset: RuleSet) -> tuple[float, bool] | None:
    """The lowest temperature (°F) at which an urgent rule fires, and whether it is included
    (``>=``) or not (``>``); None when no urgent rule looks at the temperature that way."""
    lines: list[tuple[float, bool]] = []
    for rule in ruleset.rules:
        if rule.severity is not Severity.URGENT:
            continue
        for leaf, negated in _leaves(rule.when):
            if negated or leaf.fact != FEVER_FACT or leaf.op not in (Op.GE, Op.GT):
                continue
            if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool):
                lines.append((float(leaf.value), leaf.op is Op.GE))
    # The lowest line; at the same value ">=" (it includes the value) comes first.
    return min(lines, key=lambda line: (line[0], not line[1]), default=None)


def thresholds(ruleset: RuleSet) -> guidance.Thresholds:
    """What the patient's advice quotes from the rules in force (the fever line)."""
    line = fever_line(ruleset)
    if line is None:
        return guidance.Thresholds(fever_f=None)
    return guidance.Thresholds(fever_f=line[0], fever_inclusive=line[1])
