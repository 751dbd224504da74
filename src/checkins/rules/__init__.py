"""Triage rules as data: the rule types (model), the facts a rule may name (facts), the loader
that validates rule files, and the evaluation of a check-in against them."""

from checkins.rules.evaluation import evaluate, fever_line, thresholds, triage
from checkins.rules.facts import FACTS, facts_for
from checkins.rules.loader import (
    RULES_FILE_ENV,
    RuleFileError,
    RuleProblem,
    load_active_rules,
    load_clinic_rules,
    load_rules,
    parse_rules,
)
from checkins.rules.model import Condition, Rule, RuleSet

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
    "fever_line",
    "load_active_rules",
    "load_clinic_rules",
    "load_rules",
    "parse_rules",
    "thresholds",
    "triage",
]
