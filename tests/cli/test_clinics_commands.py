"""`checkins clinics add|list` and `--clinic`: each command acts for one clinic, and says so when
it cannot tell which."""

from __future__ import annotations

from pathlib import Path

from .test_commands import cli


def _two_clinics() -> int:
    assert cli("init", "--clinic-name", "Maple", "--phone", "(555) 010-0142")[0] == 0
    code, out = cli(
        "clinics", "add", "Harbor", "--organisation", "Skin Group", "--phone", "(555) 010-0242"
    )
    assert code == 0
    clinic_id: int = out["clinic"]["id"]
    return clinic_id


def test_add_and_list_clinics(checkins_home: Path) -> None:
    harbor = _two_clinics()
    code, out = cli("clinics", "list")
    assert code == 0
    assert [(c["id"], c["name"], c["organisation"]) for c in out["clinics"]] == [
        (1, "Maple", None),
        (harbor, "Harbor", "Skin Group"),
    ]
    code, out = cli("clinics", "add", "harbor")  # names are unique, whatever their case
    assert code == 2 and out["error"]["code"] == "conflict"


def test_adding_a_clinic_is_audited_as_the_command_line(checkins_home: Path) -> None:
    """The command passes its own actor (the deployment's operator, in the first clinic); the
    service checks it and audits it, and makes up no actor of its own."""
    from sqlalchemy import select

    from checkins.cli.context import CLI_NAME
    from checkins.storage.db import Database
    from checkins.storage.models import AuditEvent

    harbor = _two_clinics()
    db = Database.connect()
    try:
        with db.read() as s:
            rows = s.execute(
                select(
                    AuditEvent.clinic_id, AuditEvent.actor, AuditEvent.role, AuditEvent.object_id
                ).where(AuditEvent.action == "clinic.add")
            ).all()
    finally:
        db.dispose()
    assert [tuple(r) for r in rows] == [(1, CLI_NAME, "admin", harbor)]


def test_with_several_clinics_a_command_needs_clinic(checkins_home: Path) -> None:
    _two_clinics()
    code, out = cli("patients", "list")
    assert code == 2 and out["error"]["code"] == "clinic_required"
    assert "--clinic" in out["error"]["message"] and "Harbor" in out["error"]["message"]
    code, out = cli("patients", "list", "--clinic", "Nowhere")
    assert code == 2 and out["error"]["code"] == "not_found"


def test_each_clinic_sees_only_its_own_patients(checkins_home: Path) -> None:
    harbor = _two_clinics()
    code, out = cli(
        "patients", "add", "--name", "Ana Maple", "--birth-date", "1985-03-02",
        "--phone", "555-010-0300", "--clinic", "Maple",
    )  # fmt: skip
    assert code == 0
    maple_patient = out["patient_id"]
    code, out = cli(
        "patients", "add", "--name", "Bo Harbor", "--birth-date", "1986-04-03",
        "--phone", "555-010-0301", "--clinic", str(harbor),
    )  # fmt: skip
    assert code == 0
    code, out = cli("patients", "list", "--clinic", "maple")
    assert [p["name"] for p in out["patients"]] == ["Ana Maple"]
    code, out = cli("patients", "list", "--clinic", str(harbor))
    assert [p["name"] for p in out["patients"]] == ["Bo Harbor"]
    # Harbor cannot link (or even find) Maple's patient: the same answer as a missing one.
    code, forged = cli("link", str(maple_patient), "--clinic", "Harbor")
    code_missing, missing = cli("link", "999", "--clinic", "Harbor")
    assert code == code_missing == 2
    assert forged["error"]["message"].replace(str(maple_patient), "N") == missing["error"][
        "message"
    ].replace("999", "N")
    # `init --clinic` sets that clinic's settings only.
    assert cli("init", "--clinic", "Harbor", "--phone", "(555) 010-0299")[0] == 0
    code, out = cli("clinics", "list")
    assert [c["phone"] for c in out["clinics"]] == ["(555) 010-0142", "(555) 010-0299"]


def test_init_without_settings_only_upgrades_whatever_the_clinics(checkins_home: Path) -> None:
    """`make run` calls `checkins init` again on a database of several clinics."""
    _two_clinics()
    code, out = cli("init")
    assert code == 0 and out["clinic"] is None
    code, out = cli("init", "--phone", "(555) 010-0111")  # a setting: whose?
    assert code == 2 and out["error"]["code"] == "clinic_required"
