"""The `checkins` argument parser: every command, its options and their checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from checkins.cli.clinic import (
    cmd_clinics_add,
    cmd_clinics_list,
    cmd_demo,
    cmd_init,
    cmd_reconcile,
    cmd_worker,
)
from checkins.cli.export import cmd_export_fhir
from checkins.cli.people import (
    cmd_handout,
    cmd_link,
    cmd_patients_add,
    cmd_patients_list,
    cmd_treatments_add,
    cmd_users_add,
)
from checkins.cli.photos import ANALYZE_HELP, add_analyze_arguments, cmd_analyze, cmd_card
from checkins.cli.review import cmd_queue, cmd_triage
from checkins.cli.submit import cmd_submit
from checkins.cli.usage import UsageParser
from checkins.domain import Role, Severity

DESCRIPTION = (
    "The `checkins` command: thin over the services. Exit 0 on success, 2 on bad input with one\n"
    "sentence (JSON with --json), never a traceback."
)


# Ids fit the tables' 32-bit integer columns on PostgreSQL (and SQLite's 64-bit ones); pages and
# counts stay far from an OFFSET that overflows. A longer run of digits is refused before int()
# (Python refuses over 4,300 digits with a traceback-worthy ValueError of its own).
MAX_ID = 2**31 - 1


MAX_COUNT = 1_000_000


def _whole(what: str, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``high``, or a sentence saying so."""

    def parse(text: str) -> int:
        digits = text.strip()
        value = int(digits) if digits.isdigit() and len(digits) <= 12 else 0
        if not 1 <= value <= high:
            shown = digits if len(digits) <= 20 else digits[:20] + "…"
            raise argparse.ArgumentTypeError(
                f"{what} is a whole number from 1 to {high:,}, not {shown!r}"
            )
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


_ID = _whole("an id", MAX_ID)


_COUNT = _whole("a count", MAX_COUNT)


def build_parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="checkins", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)

    def add(
        name: str,
        fn: Callable[[argparse.Namespace, TextIO], int],
        help_: str,
        json_flag: bool = True,
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        if json_flag:
            sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("init", cmd_init, "Create or upgrade the database and the photo store.")
    sp.add_argument("--clinic-name")
    sp.add_argument("--phone", help="the number patients call, e.g. '(555) 010-0199'")
    sp.add_argument("--time-zone")
    sp.add_argument("--after-hours-phone", help="the on-call number given out of office hours")
    sp.add_argument("--schedule", help="default check-in days, e.g. '1,3,7,14,28'")
    sp.add_argument("--link-days", type=_COUNT, help="how long a patient's link lasts (days)")
    sp.add_argument(
        "--office-hours", help="e.g. 'mon-fri 09:00-17:00, sat 10:00-13:00', or 'always'"
    )
    sp.add_argument("--alert-email", action="append", help="an on-call email (repeatable)")
    sp.add_argument("--alert-sms", action="append", help="an on-call mobile number (repeatable)")
    sp = add("worker", cmd_worker, "Send reminders, urgent alerts and replies from the outbox.")
    sp.add_argument("--once", action="store_true", help="do everything due now, then exit")
    sp.add_argument("--interval", type=float, default=15.0, help="seconds between rounds")
    sp.add_argument(
        "--lease-seconds", type=float, default=600.0,
        help="resend a message a dead worker left half-sent after this long",
    )  # fmt: skip
    sp = add("demo", cmd_demo, "Load the synthetic demo clinic (patients, photos, accounts).")
    sp.add_argument("--sample-dir", type=Path, default=None)
    sp.add_argument("--base-url", default="http://localhost:8501")
    sp = add("triage", cmd_triage, "Triage one check-in JSON file without storing it.")
    sp.add_argument("file")
    sp = add("submit", cmd_submit, "Store one check-in JSON file with its photos, and triage it.")
    sp.add_argument("file")
    sp.add_argument("--treatment", type=_ID, help="the treatment id (default: a new patient)")
    sp = add("queue", cmd_queue, "List the open review queue, most urgent first.")
    sp.add_argument("--severity", choices=[Severity.URGENT.value, Severity.REVIEW.value])
    sp.add_argument("--page", type=_COUNT, default=1)
    sp.add_argument("--page-size", type=_COUNT, default=50)
    users = sub.add_parser("users", help="Manage staff accounts.")
    usub = users.add_subparsers(dest="users_command", required=True)
    sp = usub.add_parser("add", help="Add a staff account (password from --password or stdin).")
    sp.add_argument("username")
    sp.add_argument(
        "--role", required=True, choices=[r.value for r in Role if r is not Role.PATIENT]
    )
    sp.add_argument("--name")
    sp.add_argument("--password")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_users_add)
    patients = sub.add_parser("patients", help="Find and enrol patients.")
    psub = patients.add_subparsers(dest="patients_command", required=True)
    sp = psub.add_parser("add", help="Enrol a patient.")
    sp.add_argument("--name", required=True)
    sp.add_argument("--birth-date", required=True, help="YYYY-MM-DD")
    sp.add_argument("--phone", help="mobile number; required for text messages")
    sp.add_argument("--email")
    sp.add_argument(
        "--language", help="en or es; left out: not asked (the patient's phone decides)"
    )
    sp.add_argument(
        "--contact", help="sms, email, both or none (default: sms, or both with --email)"
    )
    sp.add_argument("--caregiver-name")
    sp.add_argument("--caregiver-phone")
    sp.add_argument("--allow-duplicate", action="store_true", help="same name and birth date")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_patients_add)
    sp = psub.add_parser("list", help="List patients, or search by name, birth date or phone.")
    sp.add_argument("--search")
    sp.add_argument("--page", type=_COUNT, default=1)
    sp.add_argument("--page-size", type=_COUNT, default=25)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_patients_list)
    treatments = sub.add_parser("treatments", help="Record treatments.")
    tsub = treatments.add_subparsers(dest="treatments_command", required=True)
    sp = tsub.add_parser("add", help="Record a treatment and start its check-in schedule.")
    sp.add_argument("patient", type=_ID, help="the patient id")
    sp.add_argument("--procedure", required=True, help="microneedling or microneedling_rf")
    sp.add_argument("--treated-at", required=True, help="clinic time, e.g. 2026-11-20T10:00")
    sp.add_argument("--areas", default="face", help="face,neck,decollete,hands,scar,other")
    sp.add_argument("--depth-mm", type=float)
    sp.add_argument("--rf-level", type=float)
    sp.add_argument("--antiviral", action="store_true", help="an antiviral was prescribed")
    sp.add_argument("--prep", action="store_true", default=None, help="pre-treatment prep done")
    sp.add_argument("--note", help="a note for staff")
    sp.add_argument("--schedule", help="check-in days (default: the clinic's), e.g. 1,3,7,14,28")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_treatments_add)
    sp = add("handout", cmd_handout, "Write a treatment's one-page patient handout (PDF).")
    sp.add_argument("treatment", type=_ID, help="the treatment id")
    sp.add_argument("--out", required=True)
    sp.add_argument("--base-url", default="http://localhost:8501")
    sp = add("link", cmd_link, "Print a patient's personal check-in link (latest treatment).")
    sp.add_argument("patient", type=_ID, nargs="?", help="the patient id")
    sp.add_argument("--treatment", type=_ID, help="link this treatment instead of the latest")
    sp.add_argument("--revoke", action="store_true", help="make earlier links stale first")
    sp.add_argument("--base-url", default="http://localhost:8501")
    sp.add_argument("--days", type=_COUNT, default=60)
    sp = add(
        "reconcile",
        cmd_reconcile,
        "Report (and --repair) photos without rows and rows without photos.",
    )
    sp.add_argument("--repair", action="store_true")
    sp.add_argument("--grace", type=float, default=600.0, help="seconds before an orphan counts")
    add_analyze_arguments(add("analyze", cmd_analyze, ANALYZE_HELP))
    sp = add(
        "card", cmd_card, "Write the printable reference card (.pdf or .png).", json_flag=False
    )
    sp.add_argument("--out", required=True)
    # ---- several clinics (issue 13 §1) ----
    clinics = sub.add_parser("clinics", help="The clinics of this deployment.")
    csub = clinics.add_subparsers(dest="clinics_command", required=True)
    sp = csub.add_parser("add", help="Add a clinic (its staff, patients and settings start empty).")
    sp.add_argument("name")
    sp.add_argument("--organisation", help="clinics of one organisation share their managers")
    sp.add_argument("--phone", help="the number patients call")
    sp.add_argument("--time-zone")
    sp.add_argument("--after-hours-phone")
    sp.add_argument("--office-hours", help="e.g. 'mon-fri 09:00-17:00', or 'always'")
    sp.add_argument("--rules-file", help="this clinic's own rule file (default: the shipped one)")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_clinics_add)
    sp = csub.add_parser("list", help="List the clinics: id, name, organisation, phone.")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_clinics_list)
    # ---- export (issue 13 §5) ----
    export = sub.add_parser("export", help="Export to the clinic's health record.")
    esub = export.add_subparsers(dest="export_command", required=True)
    sp = esub.add_parser("fhir", help="Write a FHIR R4 Bundle (JSON) of patients' follow-up.")
    sp.add_argument("--out", required=True, help="the file to write (JSON)")
    sp.add_argument("--since", help="only check-ins and messages from this date, YYYY-MM-DD")
    sp.add_argument("--patient", help="only this patient (id)")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_export_fhir)
    _clinic_option(p)
    return p


# The commands that act for one clinic: `--clinic ID|NAME`, needed once there are several.
_FOR_A_CLINIC = frozenset(
    {
        "init", "triage", "submit", "queue", "handout", "link", "users add", "patients add",
        "patients list", "treatments add", "export fhir",
    }
)  # fmt: skip


def _clinic_option(parser: argparse.ArgumentParser, path: str = "") -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                _clinic_option(child, f"{path} {name}".strip())
    if path in _FOR_A_CLINIC:
        parser.add_argument(
            "--clinic", metavar="ID|NAME",
            help="the clinic to act for (default: the only one, when there is one)",
        )  # fmt: skip
