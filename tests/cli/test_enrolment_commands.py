"""The enrolment commands' contract: one JSON object, exit 2 with a sentence, nothing stored."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from checkins.domain import utcnow

from .test_commands import cli


def _init() -> None:
    assert cli("init", "--clinic-name", "Maple", "--phone", "(555) 010-0142")[0] == 0


def test_enrol_list_treat_and_print_a_handout(checkins_home: Path, tmp_path: Path) -> None:
    _init()
    code, out = cli(
        "patients", "add", "--name", "Ana García", "--birth-date", "1985-03-02",
        "--phone", "555-010-0300", "--email", "ana@example.com", "--language", "es",
    )  # fmt: skip
    assert code == 0 and out == {"ok": True, "patient_id": 1}
    code, out = cli("patients", "list", "--search", "garcai")
    assert code == 0 and [p["patient_id"] for p in out["patients"]] == [1]
    row = out["patients"][0]
    assert row["name"] == "Ana García" and row["birth_date"] == "1985-03-02"
    assert row["phone"] == "+15550100300" and row["phone_display"] == "(555) 010-0300"
    assert row["language"] == "es"
    when = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    code, out = cli(
        "treatments", "add", "1", "--procedure", "microneedling_rf", "--treated-at", when,
        "--areas", "face,neck", "--depth-mm", "1.5", "--antiviral",
    )  # fmt: skip
    assert code == 0 and out["treatment_id"] == 1
    assert [d["day"] for d in out["schedule"]] == [1, 3, 7, 14, 28]
    pdf = tmp_path / "handout.pdf"
    code, out = cli("handout", "1", "--out", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF") and "?t=" in out["url"]


def test_a_patient_enrolled_without_a_language_is_not_asked(checkins_home: Path) -> None:
    """Left out, --language is "not asked" (JSON null): the patient's phone will decide."""
    _init()
    code, _ = cli(
        "patients", "add", "--name", "Bo Unasked", "--birth-date", "1990-01-01",
        "--phone", "555-010-0301",
    )  # fmt: skip
    assert code == 0
    code, out = cli("patients", "list", "--search", "Bo Unasked")
    assert code == 0 and out["patients"][0]["language"] is None
    code, out = cli(
        "patients", "add", "--name", "Cy French", "--birth-date", "1990-01-01",
        "--phone", "555-010-0302", "--language", "fr",
    )  # fmt: skip
    assert code == 2 and out["error"]["code"] == "invalid_language"


@pytest.mark.parametrize(
    ("args", "code_name"),
    [
        (["patients", "add", "--name", "Bo", "--birth-date", "1990-01-01", "--phone", "call us"],
         "invalid_phone"),
        (["patients", "add", "--name", "Bo", "--birth-date", "2999-01-01", "--phone",
          "555-010-0300"], "invalid_birth_date"),
        (["patients", "add", "--name", " ", "--birth-date", "1990-01-01", "--phone",
          "555-010-0300"], "invalid_name"),
        (["patients", "add", "--name", "Bo", "--birth-date", "01/02", "--phone", "555-010-0300"],
         "invalid_input"),
        (["treatments", "add", "1", "--procedure", "microneedling", "--treated-at", "NEXT"],
         "invalid_treated_at"),
        (["treatments", "add", "1", "--procedure", "microneedling", "--treated-at", "FUTURE"],
         "invalid_treated_at"),
        (["treatments", "add", "1", "--procedure", "microneedling", "--treated-at", "PAST",
          "--depth-mm", "40"], "invalid_depth"),
        (["treatments", "add", "1", "--procedure", "laser", "--treated-at", "PAST"],
         "invalid_procedure"),
        (["treatments", "add", "7", "--procedure", "microneedling", "--treated-at", "PAST"],
         "unknown_patient"),
        (["treatments", "add", "1", "--procedure", "microneedling", "--treated-at", "PAST",
          "--depth-mm", "nan"], "invalid_depth"),
        (["treatments", "add", "x", "--procedure", "microneedling", "--treated-at", "PAST"],
         "usage"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_sentence_and_stores_nothing(
    checkins_home: Path, args: list[str], code_name: str
) -> None:
    _init()
    assert cli("patients", "add", "--name", "Ann", "--birth-date", "1980-01-01",
               "--phone", "555-010-0301")[0] == 0  # fmt: skip
    times = {
        "NEXT": (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "FUTURE": "2999-01-01T10:00",
        "PAST": (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    code, out = cli(*[times.get(a, a) for a in args])
    assert code == 2 and out["ok"] is False
    assert out["error"]["code"] == code_name and out["error"]["message"].endswith((".", ")."))
    assert len(cli("patients", "list")[1]["patients"]) == 1
    assert cli("treatments", "add", "1", "--procedure", "microneedling",
               "--treated-at", times["PAST"])[1]["treatment_id"] == 1  # fmt: skip


def test_init_refuses_a_phone_that_is_not_one_and_never_stores_the_demo_number(
    checkins_home: Path,
) -> None:
    code, out = cli("init", "--phone", "call us")
    assert code == 2 and out["error"]["code"] == "invalid_phone"
    code, out = cli("init")
    assert code == 0 and out["phone"] is None
    code, out = cli("init", "--phone", "(555) 010-0199 ext. 2")
    assert code == 0 and out["phone"] == "(555) 010-0199 ext. 2"


def test_the_real_command_prints_no_traceback(checkins_home: Path) -> None:
    import sys

    exe = Path(sys.executable).with_name("checkins")
    done = subprocess.run(
        [str(exe), "treatments", "add", "--json", "1", "--procedure", "x", "--treated-at", "y"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    assert '"ok": false' in done.stdout
