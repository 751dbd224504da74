"""The rule types: a rule is data (id, severity, condition, messages), and so is its condition.

No I/O and no vocabulary here: the facts a condition may name are in facts.py, the loader
(loader.py) validates a file into these types, and evaluation.py evaluates them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from checkins.domain import Severity

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
