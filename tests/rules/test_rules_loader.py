"""Rule files: every problem reported with its place, overrides, and versions that track content."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkins.domain import CheckinsError, Severity
from checkins.rules import RuleFileError, evaluate, load_active_rules, load_rules, parse_rules
from checkins.rules.model import AllOf, Compare, Op

GOOD = """
version = "2026.12.0"

[[rules]]
id = "high_fever"
severity = "urgent"
when = { fact = "temperature_f", op = ">=", value = 103 }
provider_message = "Fever ≥ 103 °F."
patient_message = "You reported a high fever."
"""


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text.encode(), source="test.toml")
    return [str(p) for p in caught.value.problems]


def test_shipped_rules_load_with_versioned_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKINS_RULES_FILE", raising=False)
    rules = load_rules()
    base, digest = rules.version.split("+")
    assert base == "2026.12.1" and len(digest) == 8
    assert {r.id for r in rules.rules} >= {"fever", "pus_drainage", "photo_unusable"}
    assert load_active_rules().version == rules.version


def test_bad_file_reports_every_problem_with_its_rule() -> None:
    text = """
version = "2026.12.0"
colour = "red"

[[rules]]
id = "fever"
severity = "urgent"
when = { fact = "temprature_f", op = ">=", value = 101.5 }
provider_message = "Fever."
patient_message = "You have a fever."

[[rules]]
id = "swollen"
severity = "critical"
when = { fact = "swelling", op = "==", value = 3 }
provider_message = "Swelling."

[[rules]]
id = "fever"
severity = "review"
when.all = [
    { fact = "redness", op = ">=", value = "moderate" },
    { fact = "hours_since_treatment", op = "=>", value = 168 },
    { fact = "redness", op = "in", value = ["moderate", "purple"] },
    { fact = "oozing", op = "is_null", value = true },
]
provider_message = "Redness."
patient_message = "   "
notes = "draft"
"""
    found = problems(text)
    expected = [
        "colour: unknown key",
        "rules[0] (id 'fever').when.fact: unknown fact 'temprature_f' "
        "(did you mean 'temperature_f'?)",
        "rules[1] (id 'swollen').patient_message: is missing",
        "rules[1] (id 'swollen').severity: 'critical' is not a severity",
        "rules[1] (id 'swollen').when.value: swelling is one of none, mild, moderate, excessive; "
        "3 is not",
        "rules[2] (id 'fever'): duplicate id 'fever', first used by rules[0]",
        "rules[2] (id 'fever').notes: unknown key",
        "rules[2] (id 'fever').patient_message: must be a non-empty string",
        "rules[2] (id 'fever').when.all[0].op: '>=' needs a number, but redness is a word",
        "rules[2] (id 'fever').when.all[1].op: unknown op '=>' (did you mean '>='?)",
        "rules[2] (id 'fever').when.all[2].value[1]: redness is one of none, mild, moderate, "
        "severe; 'purple' is not",
        "rules[2] (id 'fever').when.all[3].value: is_null takes no value",
    ]
    for want in expected:
        assert any(line.startswith(want) for line in found), (want, found)
    assert len(found) == len(expected)


def test_error_is_a_checkins_error_with_code_and_full_message(tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD.replace('"urgent"', '"soon"').replace("value = 103", 'value = "hot"')
    )
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    error = caught.value
    assert isinstance(error, CheckinsError)
    assert error.code == "invalid_rules"
    assert error.message.startswith(f"{path}: 2 problems in the rule file")
    assert "rules[0] (id 'high_fever').severity" in error.message
    assert "rules[0] (id 'high_fever').when.value: temperature_f is a number" in error.message
    body = error.to_json()
    assert body["ok"] is False
    assert len(body["error"]["problems"]) == 2  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("version = 1\n", "version: needs a version string"),
        ('version = "1"\n', "rules: needs at least one [[rules]] table"),
        ('version = "1"\nrules = [1]\n', "rules[0]: each rule must be a table"),
        ("version = \n", "not valid TOML"),
    ],
)
def test_file_level_problems(text: str, want: str) -> None:
    assert any(want in p for p in problems(text))


def test_bool_fact_compared_to_a_number_is_refused() -> None:
    text = GOOD.replace(
        '{ fact = "temperature_f", op = ">=", value = 103 }',
        '{ fact = "oozing", op = "==", value = 1 }',
    )
    assert problems(text) == [
        "rules[0] (id 'high_fever').when.value: oozing is true or false; 1 is not"
    ]


def test_condition_shapes_are_checked() -> None:
    base = '{ fact = "temperature_f", op = ">=", value = 103 }'
    assert (
        "needs exactly one of fact, all, any, not (found all, fact)"
        in problems(GOOD.replace(base, '{ fact = "pain", all = [] }'))[0]
    )
    assert (
        "must be a non-empty list of conditions" in problems(GOOD.replace(base, "{ any = [] }"))[0]
    )
    assert problems(GOOD.replace(base, '{ fact = "pain", op = ">" }')) == [
        "rules[0] (id 'high_fever').when.value: is missing"
    ]


def test_not_and_nested_conditions_build() -> None:
    text = GOOD.replace(
        '{ fact = "temperature_f", op = ">=", value = 103 }',
        '{ all = [{ fact = "pain", op = ">=", value = 8 }, '
        '{ not = { fact = "procedure", op = "==", value = "microneedling" } }] }',
    )
    rules = parse_rules(text.encode(), source="t")
    when = rules.rules[0].when
    assert isinstance(when, AllOf) and when.conditions[0] == Compare("pain", Op.GE, 8)
    facts = {"pain": 9, "procedure": "microneedling_rf"}
    (reason,) = evaluate(rules, facts)
    assert reason.because == ("pain 9/10 ≥ 8/10", "not (procedure = microneedling)")
    assert evaluate(rules, {"pain": 9, "procedure": "microneedling"}) == []


def test_override_file_by_path(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    assert [r.id for r in rules.rules] == ["high_fever"]
    assert rules.rules[0].severity is Severity.URGENT
    assert rules.version.startswith("2026.12.0+")
    assert evaluate(rules, {"temperature_f": 102.0}) == []
    assert [r.rule for r in evaluate(rules, {"temperature_f": 103.0})] == ["high_fever"]


def test_override_file_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("CHECKINS_RULES_FILE", str(path))
    assert load_active_rules().version == load_rules(path).version
    monkeypatch.setenv("CHECKINS_RULES_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(RuleFileError, match="cannot read the rule file"):
        load_active_rules()
    monkeypatch.setenv("CHECKINS_RULES_FILE", "")
    assert load_active_rules().version == load_rules().version


def test_version_changes_when_content_changes(tmp_path: Path) -> None:
    one = load_rules(write(tmp_path, GOOD, "one.toml"))
    same = load_rules(write(tmp_path, GOOD, "same.toml"))
    other = load_rules(write(tmp_path, GOOD.replace("103", "102.5"), "other.toml"))
    assert one.version == same.version
    assert other.version != one.version
    assert other.version.split("+")[0] == one.version.split("+")[0] == "2026.12.0"
