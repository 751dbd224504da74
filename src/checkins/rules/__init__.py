"""Triage rules as data: the loader validates rule files, the engine evaluates check-ins."""

from checkins.rules.engine import (
    FACTS,
    Condition,
    Rule,
    RuleSet,
    evaluate,
    facts_for,
    triage,
)
from checkins.rules.loader import (
    RULES_FILE_ENV,
    RuleFileError,
    RuleProblem,
    load_active_rules,
    load_rules,
    parse_rules,
)

__all__ = [
    "FACTS",
    "RULES_FILE_ENV",
    "Condition",
    "Rule",
    "RuleFileError",
    "RuleProblem",
    "RuleSet",
    "evaluate",
    "facts_for",
    "load_active_rules",
    "load_rules",
    "parse_rules",
    "triage",
]
