"""Read a rule file, check all of it, and build a `RuleSet` or say everything that is wrong.

Like pySigma's collected errors: validation never stops at the first problem; each problem keeps
where it was found (rule index and id, field path), and one `RuleFileError` lists them all.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

from checkins.domain import CheckinsError, Severity
from checkins.rules.facts import FACTS, FactKind, FactSpec
from checkins.rules.model import (
    LIST_OPS,
    NULL_OPS,
    ORDERED_OPS,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Not,
    Op,
    Rule,
    RuleSet,
    Scalar,
    Value,
)

RULES_FILE_ENV = "CHECKINS_RULES_FILE"
DEFAULT_RULES = "default_rules.toml"

_TOP_KEYS = ("version", "rules")
_RULE_KEYS = ("id", "severity", "source", "when", "provider_message", "patient_message")
_REQUIRED_RULE_KEYS = ("id", "severity", "when", "provider_message", "patient_message")
_RULE_SEVERITIES = {"urgent": Severity.URGENT, "review": Severity.REVIEW}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")
_MAX_DEPTH = 16


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a rule file, and where."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class RuleFileError(CheckinsError):
    """A rule file that cannot be used; `problems` holds every problem found, in file order."""

    code = "invalid_rules"

    def __init__(self, source: str, problems: Sequence[RuleProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''} in the rule file"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        error = cast(dict[str, object], out["error"])
        error["problems"] = [{"where": p.where, "message": p.message} for p in self.problems]
        return out


def _hint(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _words(choices: Sequence[str]) -> str:
    return ", ".join(choices)


class _Checker:
    """Walks a parsed file, building rules and collecting problems instead of raising."""

    def __init__(self) -> None:
        self.problems: list[RuleProblem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(RuleProblem(where, message))

    def file(self, data: Mapping[str, object]) -> tuple[str, tuple[Rule, ...]]:
        for key in data:
            if key not in _TOP_KEYS:
                self.problem(key, f"unknown key{_hint(key, _TOP_KEYS)}; expected version, rules")
        version = data.get("version")
        if not isinstance(version, str) or not _VERSION.match(version):
            self.problem(
                "version",
                "needs a version string of letters, digits, dots and dashes, e.g. '2026.11.1'",
            )
            version = ""
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            self.problem("rules", "needs at least one [[rules]] table")
            return version, ()
        rules: list[Rule] = []
        first_seen: dict[str, int] = {}
        for index, raw in enumerate(raw_rules):
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            where = f"rules[{index}]" + (f" (id {rule_id!r})" if isinstance(rule_id, str) else "")
            if not isinstance(raw, dict):
                self.problem(where, "each rule must be a table")
                continue
            if isinstance(rule_id, str):
                if rule_id in first_seen:
                    self.problem(
                        where,
                        f"duplicate id {rule_id!r}, first used by rules[{first_seen[rule_id]}]",
                    )
                else:
                    first_seen[rule_id] = index
            rule = self.rule(where, raw)
            if rule is not None:
                rules.append(rule)
        return version, tuple(rules)

    def rule(self, where: str, raw: Mapping[str, object]) -> Rule | None:
        before = len(self.problems)
        for key in raw:
            if key not in _RULE_KEYS:
                hint = _hint(key, _RULE_KEYS) or f"; use {_words(_RULE_KEYS)}"
                self.problem(f"{where}.{key}", f"unknown key{hint}")
        for key in _REQUIRED_RULE_KEYS:
            if key not in raw:
                self.problem(f"{where}.{key}", "is missing")
        rule_id = raw.get("id")
        if "id" in raw and not (isinstance(rule_id, str) and _ID.match(rule_id)):
            self.problem(
                f"{where}.id", "must be lower-case letters, digits and underscores, e.g. 'fever'"
            )
        severity = raw.get("severity")
        if "severity" in raw and severity not in _RULE_SEVERITIES:
            self.problem(
                f"{where}.severity", f"{severity!r} is not a severity; use 'urgent' or 'review'"
            )
        for key in ("provider_message", "patient_message"):
            text = raw.get(key)
            if key in raw and not (isinstance(text, str) and text.strip()):
                self.problem(f"{where}.{key}", "must be a non-empty string")
        source = raw.get("source", "")
        if not isinstance(source, str):
            self.problem(f"{where}.source", "must be a string")
        when = self.condition(f"{where}.when", raw["when"], 0) if "when" in raw else None
        if len(self.problems) > before or when is None:
            return None
        return Rule(
            id=cast(str, rule_id),
            severity=_RULE_SEVERITIES[cast(str, severity)],
            when=when,
            provider_message=cast(str, raw["provider_message"]).strip(),
            patient_message=cast(str, raw["patient_message"]).strip(),
            source=cast(str, source).strip(),
        )

    def condition(self, where: str, raw: object, depth: int) -> Condition | None:
        if depth > _MAX_DEPTH:
            self.problem(where, f"conditions nest deeper than {_MAX_DEPTH} levels")
            return None
        if not isinstance(raw, dict):
            self.problem(where, "must be a table: {fact, op, value} or one of all, any, not")
            return None
        kinds = [k for k in ("all", "any", "not", "fact") if k in raw]
        if len(kinds) != 1:
            found = f" (found {_words(kinds)})" if kinds else ""
            self.problem(where, f"needs exactly one of fact, all, any, not{found}")
            return None
        kind = kinds[0]
        if kind == "fact":
            return self.compare(where, raw)
        for key in raw:
            if key != kind:
                self.problem(f"{where}.{key}", f"unknown key beside {kind!r}")
        child = raw[kind]
        if kind == "not":
            inner = self.condition(f"{where}.not", child, depth + 1)
            return None if inner is None else Not(inner)
        if not isinstance(child, list) or not child:
            self.problem(f"{where}.{kind}", "must be a non-empty list of conditions")
            return None
        parts = [self.condition(f"{where}.{kind}[{i}]", c, depth + 1) for i, c in enumerate(child)]
        kept = tuple(p for p in parts if p is not None)
        if len(kept) != len(parts):
            return None
        return AllOf(kept) if kind == "all" else AnyOf(kept)

    def compare(self, where: str, raw: Mapping[str, object]) -> Compare | None:
        before = len(self.problems)
        for key in raw:
            if key not in ("fact", "op", "value"):
                self.problem(f"{where}.{key}", f"unknown key{_hint(key, ('fact', 'op', 'value'))}")
        fact = raw["fact"]
        spec: FactSpec | None = None
        if not isinstance(fact, str) or fact not in FACTS:
            shown = fact if isinstance(fact, str) else repr(fact)
            hint = _hint(shown, list(FACTS)) if isinstance(fact, str) else ""
            self.problem(f"{where}.fact", f"unknown fact {shown!r}{hint}")
        else:
            spec = FACTS[fact]
        raw_op = raw.get("op")
        op: Op | None = None
        ops = [o.value for o in Op]
        if raw_op is None:
            self.problem(f"{where}.op", "is missing")
        elif not isinstance(raw_op, str) or raw_op not in ops:
            hint = ""
            if isinstance(raw_op, str):  # '=>' is a swapped '>=' more often than a '>'
                swapped = raw_op[::-1]
                hint = f" (did you mean {swapped!r}?)" if swapped in ops else _hint(raw_op, ops)
            self.problem(f"{where}.op", f"unknown op {raw_op!r}{hint}; use one of {_words(ops)}")
        else:
            op = Op(raw_op)
        value: Value = None
        if op is not None and op in NULL_OPS:
            if "value" in raw:
                self.problem(f"{where}.value", f"{op.value} takes no value")
        elif "value" not in raw:
            self.problem(f"{where}.value", "is missing")
        elif spec is not None and op is not None:
            value = self.value(
                f"{where}.value", fact_name=cast(str, fact), spec=spec, op=op, raw=raw["value"]
            )
        if len(self.problems) > before or op is None:
            return None
        return Compare(fact=cast(str, fact), op=op, value=value)

    def value(self, where: str, *, fact_name: str, spec: FactSpec, op: Op, raw: object) -> Value:
        if op in ORDERED_OPS and spec.kind is not FactKind.NUMBER:
            hint = " (use in / not_in with a list of words)" if spec.kind is FactKind.WORD else ""
            self.problem(
                where.removesuffix(".value") + ".op",
                f"{op.value!r} needs a number, but {fact_name} is a {spec.kind.value}{hint}",
            )
            return None
        if op in LIST_OPS:
            if not isinstance(raw, list) or not raw:
                self.problem(where, f"{op.value} needs a non-empty list")
                return None
            items = [self.scalar(f"{where}[{i}]", fact_name, spec, v) for i, v in enumerate(raw)]
            return tuple(i for i in items if i is not None)
        return self.scalar(where, fact_name, spec, raw)

    def scalar(self, where: str, fact_name: str, spec: FactSpec, raw: object) -> Scalar | None:
        if spec.kind is FactKind.NUMBER:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return raw
            self.problem(where, f"{fact_name} is a number; {raw!r} is not")
        elif spec.kind is FactKind.BOOL:
            if isinstance(raw, bool):
                return raw
            self.problem(where, f"{fact_name} is true or false; {raw!r} is not")
        elif isinstance(raw, str) and raw in spec.words:
            return raw
        else:
            hint = _hint(raw, spec.words) if isinstance(raw, str) else ""
            self.problem(where, f"{fact_name} is one of {_words(spec.words)}; {raw!r} is not{hint}")
        return None


def parse_rules(text: bytes, *, source: str) -> RuleSet:
    """Validate a rule file's bytes; the version gains '+' and the first 8 hex of their SHA-256."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleFileError(source, [RuleProblem("", f"not UTF-8 text ({exc.reason})")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(source, [RuleProblem("", f"not valid TOML: {exc}")]) from exc
    checker = _Checker()
    version, rules = checker.file(data)
    if checker.problems:
        raise RuleFileError(source, checker.problems)
    digest = hashlib.sha256(text).hexdigest()[:8]
    return RuleSet(version=f"{version}+{digest}", rules=rules, source=source)


def load_rules(path: Path | None = None) -> RuleSet:
    """The shipped default rules, or a clinic's rule file at `path`."""
    if path is None:
        text = resources.files("checkins.rules").joinpath(DEFAULT_RULES).read_bytes()
        return parse_rules(text, source=f"checkins.rules/{DEFAULT_RULES}")
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        problem = RuleProblem("", f"cannot read the rule file ({exc.strerror or exc})")
        raise RuleFileError(str(path), [problem]) from exc
    return parse_rules(text, source=str(path))


def load_active_rules() -> RuleSet:
    """The clinic's rules if CHECKINS_RULES_FILE names a file, else the shipped defaults."""
    override = os.environ.get(RULES_FILE_ENV, "").strip()
    return load_rules(Path(override) if override else None)


def load_clinic_rules(rules_path: str | None) -> RuleSet:
    """One clinic's rules: its own file (``rules_path`` on its row), else the deployment's
    (``load_active_rules``). Entry points load them once per clinic and keep them."""
    return load_rules(Path(rules_path)) if rules_path else load_active_rules()
