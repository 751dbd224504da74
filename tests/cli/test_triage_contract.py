"""The `checkins triage FILE --json` contract: one JSON object, exit 0; bad input exit 2."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checkins.cli import main

VALID: dict[str, Any] = {
    "treatment": {"procedure": "microneedling_rf", "treated_at": "2026-11-20T10:00:00"},
    "submitted_at": "2026-11-22T09:30:00",
    "answers": {
        "temperature": {"value": 101.6, "unit": "F"},
        "drainage_like_pus": False,
        "increased_warmth": False,
        "swelling": "none",
        "redness": "mild",
        "oozing": False,
        "pain": 3,
        "picked_or_peeled_skin": False,
        "notes": "",
    },
    "photos": [],
}


def run(tmp_path: Path, payload: Any, *args: str) -> tuple[int, dict[str, Any]]:
    f = tmp_path / "checkin.json"
    f.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    out = io.StringIO()
    code = main(["triage", str(f), "--json", *args], out=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines  # exactly one JSON object
    return code, json.loads(lines[0])


def with_answer(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data["answers"].update(changes)
    return data


def test_fever_is_urgent(tmp_path: Path) -> None:
    code, out = run(tmp_path, VALID)
    assert code == 0 and out["ok"] is True
    assert out["severity"] == "urgent"
    assert set(out) == {"ok", "severity", "reasons", "patient_message", "rules_version"}
    assert out["reasons"] and all({"rule", "message"} <= set(r) for r in out["reasons"])
    assert "contact" in out["patient_message"].lower()
    assert out["rules_version"]


@pytest.mark.parametrize(
    ("answers", "severity"),
    [
        ({"temperature": {"value": 100.3, "unit": "F"}}, "routine"),
        ({"temperature": {"value": 100.4, "unit": "F"}}, "review"),
        ({"temperature": {"value": 101.4, "unit": "F"}}, "review"),
        ({"temperature": {"value": 101.5, "unit": "F"}}, "urgent"),
        ({"temperature": {"value": 37.9, "unit": "C"}}, "routine"),
        ({"temperature": {"value": 38.0, "unit": "C"}}, "review"),
        ({"temperature": {"value": 38.5, "unit": "C"}}, "review"),
        # 38.6 °C is 101.48 °F, shown as 101.5 °F by a thermometer reading to 0.1 °F
        ({"temperature": {"value": 38.6, "unit": "C"}}, "urgent"),
        ({"temperature": {"value": 38.7, "unit": "C"}}, "urgent"),
        ({"temperature": None, "drainage_like_pus": True}, "urgent"),
        ({"temperature": None, "swelling": "excessive"}, "urgent"),
        ({"temperature": None, "oozing": True}, "review"),
        ({"temperature": None}, "routine"),
    ],
)
def test_severities(tmp_path: Path, answers: dict[str, Any], severity: str) -> None:
    code, out = run(tmp_path, with_answer(**answers))
    assert code == 0 and out["severity"] == severity


def test_routine_message_gives_the_course_for_the_day(tmp_path: Path) -> None:
    code, out = run(tmp_path, with_answer(temperature=None))
    assert code == 0 and out["reasons"] == []
    assert "redness" in out["patient_message"].lower()


@pytest.mark.parametrize(
    ("payload", "code_word"),
    [
        ("{not json", "invalid_json"),
        (
            {**VALID, "answers": {k: v for k, v in VALID["answers"].items() if k != "pain"}},
            "missing_answer",
        ),
        (with_answer(swelling="huge"), "unknown_value"),
        (with_answer(pain=11), "out_of_range"),
        (with_answer(pain=-1), "out_of_range"),
        (with_answer(temperature={"value": 130, "unit": "F"}), "implausible_temperature"),
        (with_answer(temperature={"value": 20, "unit": "C"}), "implausible_temperature"),
        ({**VALID, "submitted_at": "2026-11-19T09:30:00"}, "dated_before_treatment"),
        (
            {**VALID, "treatment": {"procedure": "laser", "treated_at": "2026-11-20T10:00:00"}},
            "unknown_value",
        ),
        ([1, 2, 3], "invalid_input"),
    ],
)
def test_invalid_input_exit_2_with_a_sentence(tmp_path: Path, payload: Any, code_word: str) -> None:
    code, out = run(tmp_path, payload)
    assert code == 2
    assert out["ok"] is False and out["error"]["code"] == code_word
    message = out["error"]["message"]
    assert message[0].isupper() and message.endswith(".") and "Traceback" not in message
    assert "pydantic" not in message.lower() and "validation error" not in message.lower()


def test_the_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"treatment": ')
    exe = Path(sys.executable).with_name("checkins")
    proc = subprocess.run(
        [str(exe), "triage", str(f), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["code"] == "invalid_json"
    assert "Traceback" not in proc.stderr
    missing = subprocess.run(
        [str(exe), "triage", str(tmp_path / "nope.json"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert json.loads(missing.stdout)["error"]["code"] == "unreadable_file"
