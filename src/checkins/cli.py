"""The `checkins` command: thin over the services. Exit 0 on success, 2 on bad input with one
sentence (JSON with --json), never a traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import stat
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from checkins.domain import CheckinsError, InvalidInput, Role

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    from checkins.services.views import Actor, PatientView
    from checkins.storage.db import Database
    from checkins.storage.photos import BlobStore

EXIT_OK = 0
EXIT_INPUT = 2


def cli_actor() -> Actor:
    """The actor the command line acts as (recorded in the audit log)."""
    from checkins.services.views import Actor

    return Actor(role=Role.ADMIN, name="checkins command")


def _now() -> datetime:
    from checkins.domain import utcnow

    return utcnow()


def home() -> Path:
    from checkins.storage.db import home as db_home

    return db_home()


def photo_store() -> BlobStore:
    from checkins.storage.photos import open_store

    try:
        return open_store(os.environ.get("CHECKINS_PHOTO_STORE"), home())
    except ValueError as exc:
        raise InvalidInput(str(exc), code="photo_store") from None


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
    from checkins import contact, schedule
    from checkins.services import clinic
    from checkins.storage.models import ClinicSettings

    if args.link_days is not None and not 1 <= args.link_days <= 365:
        raise InvalidInput("A link lasts from 1 to 365 days.", code="invalid_link_validity")
    # Refuse a bad phone or schedule before anything is created.
    phone = contact.optional_phone(args.phone)
    on_call = contact.optional_phone(args.after_hours_phone)
    days = schedule.parse_days(args.schedule) if args.schedule else None
    hours = clinic.parse_office_hours(args.office_hours) if args.office_hours else None
    db = _connect()
    from checkins.storage.photos import PhotoStore

    store = photo_store()
    if isinstance(store, PhotoStore):
        store.root.mkdir(parents=True, exist_ok=True)
    with db.session() as s:
        current = clinic.get_clinic(session=s)
        new = s.get(ClinicSettings, 1) is None
        if new or any(
            v is not None
            for v in (
                args.clinic_name,
                phone,
                args.time_zone,
                on_call,
                days,
                args.link_days,
                hours,
            )
        ):
            clinic.set_clinic(
                session=s,
                actor=cli_actor(),
                name=args.clinic_name or current.name,
                phone=phone or current.phone or None,
                time_zone=args.time_zone or current.time_zone,
                target_response_minutes=current.target_response_minutes,
                after_hours_phone=on_call or current.after_hours_phone,
                default_schedule_days=days,
                link_validity_days=args.link_days,
                office_hours=hours,
            )
        if args.alert_email or args.alert_sms:
            from checkins.services import alerts

            alerts.set_contacts(
                session=s, actor=cli_actor(), emails=args.alert_email or (),
                phones=args.alert_sms or (),
            )  # fmt: skip
        view = clinic.get_clinic(session=s)
    warning = "" if view.phone else " The clinic has no phone yet: set it with --phone."
    _emit(
        out,
        {"ok": True, "database": db.url, "clinic": view.name, "phone": view.phone or None},
        args.json,
        f"Database ready at {db.url}.{warning}",
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import rules
    from checkins.demo import load_demo

    db = _connect()
    summary = load_demo(
        db=db,
        store=photo_store(),
        sample_dir=args.sample_dir,
        base_url=args.base_url,
        progress=None if args.json else out,
        ruleset=rules.load_active_rules(),
    )
    _emit(out, {"ok": True, **summary.to_json()}, args.json, summary.describe())
    return EXIT_OK


MAX_CHECKIN_FILE_BYTES = 1_000_000  # a check-in's JSON is a few hundred bytes
MAX_PHOTO_FILE_BYTES = 25 * 1024 * 1024  # as imaging.MAX_UPLOAD_BYTES; intake checks again


def _read(path: str, limit: int = MAX_PHOTO_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit``: /dev/zero, a FIFO or a directory is refused
    with a sentence instead of reading forever (or blocking on a FIFO with no writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise InvalidInput(
            f"Cannot read {path}: {e.strerror or e}.", code="unreadable_file"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InvalidInput(
            f"Cannot read {path}: it is not a regular file (a device, a pipe or a directory).",
            code="unreadable_file",
        )
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > limit:
            raise InvalidInput(
                f"{path} is too large ({info.st_size:,} bytes; at most {limit:,}).",
                code="file_too_large",
            )
        try:
            data = fh.read(limit + 1)
        except OSError as e:
            raise InvalidInput(
                f"Cannot read {path}: {e.strerror or e}.", code="unreadable_file"
            ) from None
    if len(data) > limit:  # it grew while we read
        raise InvalidInput(f"{path} is too large (at most {limit:,} bytes).", code="file_too_large")
    return data


def cmd_triage(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from checkins import rules, schedule
    from checkins.services.clinic import UNSET_CLINIC, call_now, get_clinic
    from checkins.validation import parse_checkin_json

    inp = parse_checkin_json(_read(args.file, MAX_CHECKIN_FILE_BYTES), now=_now())
    view = UNSET_CLINIC
    if os.environ.get("CHECKINS_DATABASE_URL") or (home() / "checkins.db").exists():
        try:
            with _connect(migrate=False).read() as s:
                view = get_clinic(session=s)
        except SQLAlchemyError:
            raise InvalidInput(
                "The database could not be read; run `checkins init` first.", code="no_database"
            ) from None
    result = rules.triage(
        ruleset=rules.load_active_rules(),
        answers=inp.answers,
        procedure=inp.treatment.procedure,
        hours_since_treatment=schedule.hours_since(
            treated_at=inp.treatment.treated_at, at=inp.submitted_at
        ),
        clinic_phone=view.phone,
        contact=call_now(view, inp.submitted_at),
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

    from checkins import rules
    from checkins.services import clinic, intake
    from checkins.storage.models import CheckIn
    from checkins.validation import parse_checkin_json

    ruleset = rules.load_active_rules()  # once, before any photo work: a bad file fails first

    raw = _read(args.file, MAX_CHECKIN_FILE_BYTES)
    inp = parse_checkin_json(raw, now=_now())
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
            pid = clinic.create_patient(
                session=s, actor=cli_actor(), display_name="Patient (command line)"
            )
            treatment_id = clinic.create_treatment(
                session=s,
                actor=cli_actor(),
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
            ruleset=ruleset,
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
            actor=cli_actor(),
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
            actor=cli_actor(),
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
            session=s,
            actor=cli_actor(),
            store=photo_store(),
            repair=args.repair,
            grace_seconds=args.grace,
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


def _iso_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} is a date like 1980-04-17, not “{text}”.") from None


def _patient_json(v: PatientView) -> dict[str, Any]:
    from checkins import contact

    return {
        "patient_id": v.id,
        "name": v.name,
        "birth_date": v.birth_date.isoformat() if v.birth_date else None,
        "phone": v.phone_e164,
        "phone_display": contact.display_phone(v.phone_e164),
        "email": v.email,
        "language": v.language,
        "contact_preference": v.contact_preference,
        "discharged": v.discharged_at is not None,
    }


def cmd_patients_add(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import patients

    birth = _iso_date(args.birth_date, "The birth date")
    db = _connect()
    with db.session() as s:
        view = patients.add_patient(
            session=s,
            actor=cli_actor(),
            name=args.name,
            birth_date=birth,
            phone=args.phone,
            email=args.email,
            language=args.language,
            contact_preference=args.contact or ("both" if args.email else "sms"),
            caregiver_name=args.caregiver_name,
            caregiver_phone=args.caregiver_phone,
            allow_duplicate=args.allow_duplicate,
        )
    _emit(out, {"ok": True, "patient_id": view.id}, args.json, f"Added patient {view.id}.")
    return EXIT_OK


def cmd_patients_list(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import patients

    db = _connect()
    with db.session() as s:
        page = patients.search_patients(
            session=s, actor=cli_actor(), text=args.search or "", page=args.page,
            page_size=args.page_size,
        )  # fmt: skip
    rows = [_patient_json(v) for v in page.rows]
    human = "\n".join(
        f"{r['patient_id']:>6}  {r['name']:<28} {r['birth_date'] or '':<10}  {r['phone_display']}"
        for r in rows
    )
    _emit(
        out,
        {"ok": True, "total": page.total, "page": page.page, "patients": rows},
        args.json,
        human or "No patients match.",
    )
    return EXIT_OK


def cmd_treatments_add(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import schedule
    from checkins.services import clinic, patients

    try:
        treated = datetime.fromisoformat(args.treated_at)
    except ValueError:
        raise InvalidInput(
            f"The treatment time is like 2026-11-20T10:00, not “{args.treated_at}”.",
            code="invalid_treated_at",
        ) from None
    days = schedule.parse_days(args.schedule) if args.schedule else None
    db = _connect()
    with db.session() as s:
        tz = clinic.get_clinic(session=s).time_zone
        detail = patients.record_treatment(
            session=s,
            actor=cli_actor(),
            patient_id=args.patient,
            procedure=args.procedure,
            treated_at=patients.local_to_utc(treated, tz),
            areas=[a for a in args.areas.split(",")],
            needle_depth_mm=args.depth_mm,
            rf_level=args.rf_level,
            antiviral_prescribed=args.antiviral,
            pre_treatment_prep=args.prep,
            staff_note=args.note or "",
            schedule_days=days,
        )
    sched = [
        {"day": d.day, "due": d.due_at.isoformat() + "Z"}
        for d in detail.schedule
        if not d.cancelled
    ]
    _emit(
        out,
        {"ok": True, "treatment_id": detail.treatment.id, "series_number": detail.series_number,
         "schedule": sched},
        args.json,
        f"Recorded treatment {detail.treatment.id}; check-ins on days "
        + ", ".join(str(d["day"]) for d in sched),
    )  # fmt: skip
    return EXIT_OK


def cmd_handout(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import rules
    from checkins.services import patients

    target = Path(args.out)
    if target.is_dir() or not target.parent.is_dir():
        raise InvalidInput(f"Cannot write the handout to {args.out}.", code="unwritable_file")
    db = _connect()
    with db.session() as s:
        pdf, url = patients.handout(
            session=s, actor=cli_actor(), treatment_id=args.treatment, base_url=args.base_url,
            ruleset=rules.load_active_rules(),
        )  # fmt: skip
    target.write_bytes(pdf)
    _emit(
        out, {"ok": True, "out": str(target), "url": url}, args.json, f"Handout written: {target}"
    )
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    import math
    from datetime import timedelta

    from checkins.messaging import channels, worker

    if not (math.isfinite(args.interval) and 0.05 <= args.interval <= 3600):
        raise InvalidInput("The interval is between 0.05 and 3600 seconds.")
    if not (math.isfinite(args.lease_seconds) and 0 <= args.lease_seconds <= 86400):
        raise InvalidInput("The lease is between 0 and 86400 seconds.")
    try:
        configured = channels.from_environment()
    except ValueError as e:
        raise InvalidInput(f"{e}.", code="bad_channel") from None
    db = _connect()
    lease = timedelta(seconds=args.lease_seconds)
    if args.once:
        report = worker.run_once(db, configured, lease=lease)
        human = f"Sent {report.sent}, retrying {report.retried}, failed {report.failed}."
        _emit(out, {"ok": True, **report.to_json()}, args.json, human)
        return EXIT_OK
    out.write("checkins worker: sending from the outbox (Ctrl-C stops)\n")
    out.flush()
    worker.run_forever(db, configured, interval_s=args.interval, lease=lease)
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.imaging.commands import analyze_command

    code: int = analyze_command(args.paths, out=out, mask_out=args.mask_out)
    return code


def cmd_card(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.imaging.commands import card_command

    code: int = card_command(args.out)
    return code


class _Parser(argparse.ArgumentParser):
    """Usage errors are bad input too: a sentence (JSON under --json) and exit 2."""

    def error(self, message: str) -> NoReturn:
        message = re.sub(r"'([^']{40})[^']+'", r"'\1…'", message)  # no 5,000-digit echo
        raise InvalidInput(f"{message[:1].upper()}{message[1:]} (see `{self.prog} --help`).",
                           code="usage")  # fmt: skip


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
    p = _Parser(prog="checkins", description=__doc__)
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
    sp.add_argument("--severity", choices=["urgent", "review"])
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
    sp.add_argument("--language", default="en", help="en or es")
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
    sp = add("analyze", cmd_analyze, "Analyse photos: quality, redness, calibration (JSON lines).")
    sp.add_argument("paths", nargs="+")
    sp.add_argument(
        "--mask-out",
        metavar="DIR",
        help="also write the measured region of each photo as a PNG in DIR",
    )
    sp = add(
        "card", cmd_card, "Write the printable reference card (.pdf or .png).", json_flag=False
    )
    sp.add_argument("--out", required=True)
    # ---- export (issue 13 §5) ----
    export = sub.add_parser("export", help="Export to the clinic's health record.")
    esub = export.add_subparsers(dest="export_command", required=True)
    sp = esub.add_parser("fhir", help="Write a FHIR R4 Bundle (JSON) of patients' follow-up.")
    sp.add_argument("--out", required=True, help="the file to write (JSON)")
    sp.add_argument("--since", help="only check-ins and messages from this date, YYYY-MM-DD")
    sp.add_argument("--patient", help="only this patient (id)")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(fn=cmd_export_fhir)
    return p


def cmd_export_fhir(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import fhir_export

    since = _iso_date(args.since, "--since") if args.since else None
    patient = None
    if args.patient is not None:
        if not args.patient.isdigit() or len(args.patient) > 12:
            raise InvalidInput(
                f"--patient is a patient's id (a number), not “{args.patient[:40]}”."
            )
        patient = int(args.patient)
    db = _connect()
    with db.session() as s:
        bundle = fhir_export.export_bundle(
            session=s, actor=cli_actor(), patient_id=patient, since=since
        )
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    try:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise CheckinsError(
            f"The bundle could not be written to {args.out}: {exc.strerror}."
        ) from None
    n = len(bundle["entry"])
    _emit(
        out,
        {"ok": True, "out": args.out, "resources": n},
        args.json,
        f"Wrote {n} resources to {args.out}.",
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        args = parser.parse_args(argv)
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
