"""The `checkins` command: thin over the services. Exit 0 on success, 2 on bad input with one
sentence (JSON with --json), never a traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from checkins.domain import CheckinsError, InvalidInput, Role

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    from checkins.services.views import Actor
    from checkins.storage.db import Database
    from checkins.storage.photos import PhotoStore

EXIT_OK = 0
EXIT_INPUT = 2


def cli_actor() -> Actor:
    """The actor the command line acts as (recorded in the audit log)."""
    from checkins.services.views import Actor

    return Actor(role=Role.ADMIN, name="checkins command")


def home() -> Path:
    from checkins.storage.db import home as db_home

    return db_home()


def photo_store() -> PhotoStore:
    from checkins.storage.photos import PhotoStore

    return PhotoStore(home() / "photos")


def _emit(out: TextIO, payload: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        out.write(json.dumps(payload, default=str) + "\n")
    else:
        out.write(human.rstrip() + "\n")


def _connect(migrate: bool = True) -> Database:
    from checkins.storage import schema
    from checkins.storage.db import Database

    db = Database.connect()
    if migrate:
        schema.upgrade(db.engine)
    return db


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import clinic

    db = _connect()
    photo_store().root.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        current = clinic.get_clinic(session=s)
        if args.clinic_name or args.phone or current is clinic.DEFAULT_CLINIC:
            clinic.set_clinic(
                session=s,
                name=args.clinic_name or current.name,
                phone=args.phone or current.phone,
                time_zone=args.time_zone or current.time_zone,
            )
    _emit(out, {"ok": True, "database": db.url}, args.json, f"Database ready at {db.url}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.demo import load_demo

    db = _connect()
    summary = load_demo(
        db=db,
        store=photo_store(),
        sample_dir=args.sample_dir,
        base_url=args.base_url,
        progress=None if args.json else out,
    )
    _emit(out, {"ok": True, **summary.to_json()}, args.json, summary.describe())
    return EXIT_OK


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InvalidInput(
            f"Cannot read {path}: {e.strerror or e}.", code="unreadable_file"
        ) from None


def cmd_triage(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import rules
    from checkins.services.clinic import DEFAULT_CLINIC, get_clinic
    from checkins.validation import parse_checkin_json

    inp = parse_checkin_json(_read(args.file))
    phone = DEFAULT_CLINIC.phone
    db_path = home() / "checkins.db"
    if os.environ.get("CHECKINS_DATABASE_URL") or db_path.exists():
        try:
            with _connect(migrate=False).read() as s:
                phone = get_clinic(session=s).phone
        except Exception:
            phone = DEFAULT_CLINIC.phone
    result = rules.triage(
        ruleset=rules.load_active_rules(),
        answers=inp.answers,
        procedure=inp.treatment.procedure,
        hours_since_treatment=inp.hours_since_treatment,
        clinic_phone=phone,
    )
    reasons = "\n".join(f"  - {r.rule}: {r.message}" for r in result.reasons)
    _emit(
        out,
        result.to_json(),
        args.json,
        f"{result.severity.value.upper()}\n{reasons}\n\n{result.patient_message}",
    )
    return EXIT_OK


def cmd_submit(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import select

    from checkins.services import clinic, intake
    from checkins.storage.models import CheckIn
    from checkins.validation import parse_checkin_json

    raw = _read(args.file)
    inp = parse_checkin_json(raw)
    base = Path(args.file).resolve().parent
    prepared = []
    for name in inp.photos:
        path = Path(name) if Path(name).is_absolute() else base / name
        prepared.append(intake.prepare_photo(_read(str(path)), name=path.name))
    db = _connect()
    csid = (
        inp.client_submission_id
        or uuid.uuid5(uuid.NAMESPACE_URL, raw.decode("utf-8", "replace")).hex
    )
    with db.session() as s:
        stored = s.scalar(select(CheckIn.treatment_id).where(CheckIn.client_submission_id == csid))
        if args.treatment is not None:
            treatment_id = args.treatment
        elif stored is not None:
            treatment_id = stored  # sent before: answer with what was stored, add no patient
        else:
            pid = clinic.create_patient(session=s, display_name="Patient (command line)")
            treatment_id = clinic.create_treatment(
                session=s,
                patient_id=pid,
                procedure=inp.treatment.procedure,
                treated_at=inp.treatment.treated_at,
            ).id
        result = intake.submit_checkin(
            session=s,
            store=photo_store(),
            actor=cli_actor(),
            treatment_id=treatment_id,
            answers=inp.answers,
            photos=prepared,
            client_submission_id=csid,
            submitted_at=inp.submitted_at,
        )
    payload = {
        **result.triage.to_json(),
        "checkin_id": result.checkin_id,
        "created": result.created,
        "review_item_id": result.review_item_id,
        "treatment_id": treatment_id,
        "photos": [
            {
                "sha256": p.sha256,
                "quality_acceptable": p.quality_acceptable,
                "mean_a_star": p.metrics.mean_a_star,
            }
            for p in result.photos
        ],
    }
    _emit(
        out,
        payload,
        args.json,
        f"Check-in {result.checkin_id} stored ({result.triage.severity.value})"
        + ("" if result.created else " — already received before, not stored twice"),
    )
    return EXIT_OK


def cmd_queue(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import queue

    db = _connect()
    with db.session() as s:
        page = queue.list_queue(
            session=s,
            actor=cli_actor(),
            severity=args.severity,
            page=args.page,
            page_size=args.page_size,
        )
    rows = [
        {
            "item_id": r.item_id,
            "severity": r.severity.value,
            "rules": list(r.rules),
            "patient": r.patient_name,
            "procedure": r.procedure,
            "day": r.day_since_treatment,
            "status": r.status,
            "claimed_by": r.claimed_by_name,
            "waiting_minutes": round(r.waiting_minutes, 1),
        }
        for r in page.rows
    ]
    human = "\n".join(
        f"{r.item_id:>6}  {r.severity.value:<7} {r.patient_name:<24} "
        f"day {r.day_since_treatment:<3} {r.status:<8} {r.summary}"
        for r in page.rows
    )
    human = human or "The queue is empty."
    _emit(
        out, {"ok": True, "total": page.total, "page": page.page, "items": rows}, args.json, human
    )
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import users

    password = args.password
    if password is None:
        password = (
            sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
        )
    db = _connect()
    with db.session() as s:
        users.add_user(
            session=s,
            username=args.username,
            display_name=args.name or args.username,
            role=Role(args.role),
            password=password,
        )
    _emit(
        out,
        {"ok": True, "username": args.username, "role": args.role},
        args.json,
        f"Added {args.role} {args.username}.",
    )
    return EXIT_OK


def cmd_link(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import links

    db = _connect()
    with db.session() as s:
        url = links.link_command(
            session=s,
            patient_id=args.patient,
            treatment_id=args.treatment,
            base_url=args.base_url,
            ttl_days=args.days,
            revoke=args.revoke,
            by=cli_actor(),
        )
    _emit(out, {"ok": True, "patient_id": args.patient, "url": url}, args.json, url)
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace, out: TextIO) -> int:
    import math

    from checkins.services.reconcile import reconcile

    if not math.isfinite(args.grace) or args.grace < 0:
        raise InvalidInput(
            "--grace is a number of seconds, 0 or more (for example 600).", code="invalid_grace"
        )
    db = _connect()
    with db.session() as s:
        report = reconcile(
            session=s, store=photo_store(), repair=args.repair, grace_seconds=args.grace
        )
    human = (
        "Photo store and database agree."
        if report.clean
        else f"{len(report.rows_without_files)} photo rows without files, "
        f"{len(report.files_without_rows)} files without rows, "
        f"{len(report.temp_files)} interrupted writes"
        + (" — repaired." if args.repair else " — run with --repair to fix.")
    )
    _emit(out, report.to_json(), args.json, human)
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.imaging.commands import analyze_command

    code: int = analyze_command(args.paths, out=out)
    return code


def cmd_card(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.imaging.commands import card_command

    code: int = card_command(args.out)
    return code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="checkins", description=__doc__)
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
    sp.add_argument("--phone")
    sp.add_argument("--time-zone")
    sp = add("demo", cmd_demo, "Load the synthetic demo clinic (patients, photos, accounts).")
    sp.add_argument("--sample-dir", type=Path, default=None)
    sp.add_argument("--base-url", default="http://localhost:8501")
    sp = add("triage", cmd_triage, "Triage one check-in JSON file without storing it.")
    sp.add_argument("file")
    sp = add("submit", cmd_submit, "Store one check-in JSON file with its photos, and triage it.")
    sp.add_argument("file")
    sp.add_argument("--treatment", type=int, help="the treatment id (default: a new patient)")
    sp = add("queue", cmd_queue, "List the open review queue, most urgent first.")
    sp.add_argument("--severity", choices=["urgent", "review"])
    sp.add_argument("--page", type=int, default=1)
    sp.add_argument("--page-size", type=int, default=50)
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
    sp = add("link", cmd_link, "Print a patient's personal check-in link (latest treatment).")
    sp.add_argument("patient", type=int, nargs="?", help="the patient id")
    sp.add_argument("--treatment", type=int, help="link this treatment instead of the latest")
    sp.add_argument("--revoke", action="store_true", help="make earlier links stale first")
    sp.add_argument("--base-url", default="http://localhost:8501")
    sp.add_argument("--days", type=int, default=60)
    sp = add(
        "reconcile",
        cmd_reconcile,
        "Report (and --repair) photos without rows and rows without photos.",
    )
    sp.add_argument("--repair", action="store_true")
    sp.add_argument("--grace", type=float, default=600.0, help="seconds before an orphan counts")
    sp = add("analyze", cmd_analyze, "Analyse photos: quality, redness, calibration (JSON lines).")
    sp.add_argument("paths", nargs="+")
    sp = add(
        "card", cmd_card, "Write the printable reference card (.pdf or .png).", json_flag=False
    )
    sp.add_argument("--out", required=True)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        code: int = args.fn(args, out)
        return code
    except CheckinsError as e:
        if as_json:
            out.write(json.dumps(e.to_json()) + "\n")
        else:
            sys.stderr.write(f"checkins: {e.message}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
