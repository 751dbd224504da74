"""Inputs from the security probe that used to end in a traceback: each now gets one JSON
sentence and exit 2, through the real `checkins` executable, and stores nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_triage_contract import VALID

CHECKINS = str(Path(sys.executable).with_name("checkins"))
BIG = "9" * 5000
ID_20 = "1" + "0" * 20


# A regression would read /dev/zero into memory: fail the command (2 GB), not the machine.
LIMITED = ["bash", "-c", 'ulimit -v 2097152 && exec "$@"', "limited"]


def run(home: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKINS_")}
    env["CHECKINS_HOME"] = str(home)
    done = subprocess.run(
        [*LIMITED, CHECKINS, *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a FIFO read would block for ever; this only bounds a regression
    )
    lines = done.stdout.strip().splitlines()
    return done.returncode, json.loads(lines[-1]) if lines else {}, done.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("hostile")
    code, body, err = run(home, "init", "--phone", "(555) 010-0199")
    assert code == 0, (body, err)
    code, body, err = run(
        home, "patients", "add", "--name", "Ana B", "--birth-date", "1985-03-02",
        "--phone", "(555) 010-0300",
    )  # fmt: skip
    assert code == 0, (body, err)
    yield home


def _refused(result: tuple[int, dict[str, Any], str], *words: str) -> dict[str, Any]:
    code, body, err = result
    assert "Traceback" not in err, err
    assert code == 2 and body.get("ok") is False, (code, body, err)
    message = body["error"]["message"]
    assert len(message) < 300 and BIG not in message
    for word in words:
        assert word in message, message
    return body["error"]


def _checkin(tmp_path: Path, name: str, text: str | None = None, **changes: Any) -> str:
    data = json.loads(json.dumps(VALID))
    for key, value in changes.items():
        if key == "treated_at":
            data["treatment"]["treated_at"] = value
        else:
            data[key] = value
    path = tmp_path / name
    path.write_text(text if text is not None else json.dumps(data))
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "--page", BIG],
        ["queue", "--page", "1e30"],
        ["queue", "--page", ID_20],
        ["patients", "list", "--page", "1e30"],
        ["link", BIG],
        ["link", ID_20],
        ["link", "--treatment", ID_20],
        ["handout", ID_20, "--out", "/tmp/never-written.pdf"],
        [
            "treatments",
            "add",
            ID_20,
            "--procedure",
            "microneedling",
            "--treated-at",
            "2026-11-20T10:00",
        ],
        ["init", "--link-days", BIG],
        ["queue", "--severity", BIG],
    ],
    ids=lambda a: " ".join(x[:12] for x in a),
)
def test_huge_and_odd_numbers_get_a_sentence(home: Path, args: list[str]) -> None:
    _refused(run(home, *args))


def test_a_5000_digit_number_in_a_checkin(home: Path, tmp_path: Path) -> None:
    text = json.dumps(VALID).replace("101.6", BIG)
    for command in ("triage", "submit"):
        _refused(run(home, command, _checkin(tmp_path, "big.json", text)), "number")


@pytest.mark.parametrize(
    "changes",
    [
        {"treated_at": "0001-01-01T00:00:00+05:00"},
        {"submitted_at": "9999-12-31T23:59:59-05:00"},
    ],
    ids=["before-year-1-in-utc", "after-9999-in-utc"],
)
def test_dates_that_overflow_on_utc_conversion(
    home: Path, tmp_path: Path, changes: dict[str, str]
) -> None:
    for command in ("triage", "submit"):
        _refused(run(home, command, _checkin(tmp_path, "ovf.json", **changes)), "out of range")


def test_a_treatment_time_that_overflows_in_the_clinic_time_zone(home: Path) -> None:
    result = run(
        home, "treatments", "add", "1", "--procedure", "microneedling",
        "--treated-at", "9999-12-31T23:59",
    )  # fmt: skip
    _refused(result, "out of range")


def test_year_2999_checkins_are_refused_and_not_stored(home: Path, tmp_path: Path) -> None:
    path = _checkin(
        tmp_path, "y2999.json", treated_at="2999-11-20T10:00:00", submitted_at="2999-11-22T09:30:00"
    )
    assert _refused(run(home, "triage", path), "future")["code"] == "dated_in_future"
    assert _refused(run(home, "submit", path), "future")["code"] == "dated_in_future"
    code, body, _ = run(home, "queue")
    assert code == 0 and body["total"] == 0


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    os.mkfifo(path)  # nobody ever writes to it
    return path


def test_devices_fifos_and_directories_are_not_read(home: Path, tmp_path: Path, fifo: Path) -> None:
    for target in ("/dev/zero", str(fifo), str(tmp_path)):
        _refused(run(home, "triage", target), "not a regular file")
        photo = _checkin(tmp_path, "with-photo.json", photos=[target])
        _refused(run(home, "submit", photo), "not a regular file")
        _refused(run(home, "analyze", target))
    code, body, _ = run(home, "queue")
    assert code == 0 and body["total"] == 0
