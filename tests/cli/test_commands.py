"""submit, queue, users add, link and reconcile through the real command-line entry point."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from checkins.cli import main
from checkins.imaging.synthetic import skin_photo, to_jpeg

from .test_triage_contract import VALID


def cli(
    *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, dict[str, Any]]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    code = main([*args, "--json"], out=out)
    return code, json.loads(out.getvalue().splitlines()[-1])


@pytest.fixture
def checkin_file(tmp_path: Path) -> Path:
    (tmp_path / "face.jpg").write_bytes(
        to_jpeg(skin_photo(width=800, height=600, tone="tan", redness=0.4, seed=4))
    )
    data = {**VALID, "photos": ["face.jpg"], "client_submission_id": "cli-submit-0001"}
    f = tmp_path / "checkin.json"
    f.write_text(json.dumps(data))
    return f


def test_submit_stores_once_and_queues(checkin_file: Path, checkins_home: Path) -> None:
    assert cli("init")[0] == 0
    code, first = cli("submit", str(checkin_file))
    assert code == 0, first
    assert first["ok"] and first["created"] and first["severity"] == "urgent"
    assert first["photos"][0]["mean_a_star"] is not None
    tid = first["treatment_id"]
    code, again = cli("submit", str(checkin_file), "--treatment", str(tid))
    assert code == 0 and again["created"] is False and again["checkin_id"] == first["checkin_id"]
    code, q = cli("queue")
    assert code == 0 and q["total"] == 1
    assert q["items"][0]["severity"] == "urgent" and "fever" in q["items"][0]["rules"]
    # original, display copy, thumbnail and the measured region's image
    assert len(list((checkins_home / "photos").glob("*/*/*"))) == 4


def test_submit_with_a_bad_photo_stores_nothing(tmp_path: Path, checkins_home: Path) -> None:
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4\n%...")
    f = tmp_path / "c.json"
    f.write_text(json.dumps({**VALID, "photos": ["doc.pdf"]}))
    code, out = cli("submit", str(f))
    assert code == 2 and out["ok"] is False and out["error"]["message"]
    code, q = cli("queue")
    assert q["total"] == 0
    assert not list((checkins_home / "photos").glob("*/*/*"))


def test_users_add_and_link(monkeypatch: pytest.MonkeyPatch, checkins_home: Path) -> None:
    code, out = cli(
        "users",
        "add",
        "dr.cli",
        "--role",
        "provider",
        stdin="correct horse battery\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and out["username"] == "dr.cli"
    code, out = cli(
        "users",
        "add",
        "dr.cli",
        "--role",
        "provider",
        stdin="correct horse battery\n",
        monkeypatch=monkeypatch,
    )
    assert code == 2 and out["ok"] is False  # a second account with the same name is refused
    code, out = cli("link", "1")
    assert code == 2 and "no patient" in out["error"]["message"].lower()


def test_reconcile_reports_clean_store(checkins_home: Path) -> None:
    cli("init")
    code, out = cli("reconcile", "--repair")
    assert code == 0 and out["clean"] is True


def test_submitting_the_same_file_twice_without_a_treatment_stores_once(
    checkin_file: Path, checkins_home: Path
) -> None:
    code, first = cli("submit", str(checkin_file))
    assert code == 0 and first["created"]
    code, again = cli("submit", str(checkin_file))
    assert code == 0, again
    assert again["created"] is False and again["checkin_id"] == first["checkin_id"]
    assert again["treatment_id"] == first["treatment_id"]  # no second patient was made


def test_deeply_nested_json_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    f = tmp_path / "deep.json"
    f.write_text("[" * 200_000 + "]" * 200_000)
    code, out = cli("triage", str(f))
    assert code == 2 and out["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("grace", ["nan", "inf", "-1"])
def test_reconcile_refuses_a_grace_that_disables_its_protection(
    grace: str, checkins_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reconcile", "--repair", "--grace", grace]) == 2
    assert "grace period is a number of seconds" in capsys.readouterr().err


def test_analyze_mask_out_through_the_command(tmp_path: Path, checkins_home: Path) -> None:
    photo = tmp_path / "cheek.jpg"
    photo.write_bytes(to_jpeg(skin_photo(width=800, height=600, tone="deep", redness=0.4, seed=6)))
    out = io.StringIO()
    code = main(["analyze", str(photo), "--mask-out", str(tmp_path / "masks")], out=out)
    line = json.loads(out.getvalue())
    assert code == 0 and line["region"] == "body" and [z["zone"] for z in line["zones"]] == ["area"]
    assert Path(line["mask"]).is_file() and Path(line["mask"]).parent == tmp_path / "masks"


def test_a_clinic_without_a_phone_is_reported_not_set_up_and_no_number_is_made_up(
    tmp_path: Path, checkins_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`init` without --phone stores no phone; triage then advises "contact the office" with no
    number, and says on stderr that the clinic is not set up."""
    out = io.StringIO()
    assert main(["init", "--clinic-name", "Skin Co", "--office-hours", "always"], out=out) == 0
    assert "not set up" in out.getvalue()
    code, shown = cli("init")
    assert code == 0 and shown["phone"] is None
    capsys.readouterr()
    f = tmp_path / "fever.json"
    f.write_text(json.dumps(VALID))
    code, triaged = cli("triage", str(f))
    assert code == 0 and triaged["severity"] == "urgent"
    message = triaged["patient_message"]
    assert "Please contact the office now." in message
    assert not re.search(r"\(\d{3}\)|\d{3}-\d{4}|\+\d{6,}", message), message  # no phone number
    assert "not set up" in capsys.readouterr().err
