"""docs/rules.md keeps up with the shipped rules and the facts."""

from __future__ import annotations

from pathlib import Path

from checkins.rules import FACTS, load_rules

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")


def test_every_default_rule_is_documented() -> None:
    missing = [r.id for r in load_rules().rules if f"| `{r.id}` |" not in DOC]
    assert missing == []


def test_every_fact_is_documented() -> None:
    missing = [name for name in FACTS if f"| `{name}` |" not in DOC]
    assert missing == []


def test_documented_version_matches_the_shipped_file() -> None:
    assert load_rules().version.split("+")[0] in DOC
