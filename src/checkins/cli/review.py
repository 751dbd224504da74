"""`checkins triage`, `submit` and `queue`: check-ins in, the review queue out."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import TextIO

from checkins.cli.context import (
    EXIT_OK,
    MAX_CHECKIN_FILE_BYTES,
    _connect,
    _now,
    _read,
    cli_actor,
    home,
    photo_store,
)
from checkins.cli.output import _emit
from checkins.domain import InvalidInput


def cmd_triage(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from checkins import rules
    from checkins.services.clinic import NOT_SET_UP, UNSET_CLINIC, call_now, get_clinic
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
        hours_since_treatment=inp.hours_since_treatment,
        clinic_phone=view.phone,
        contact=call_now(view, inp.submitted_at),
    )
    if not view.phone:  # the advice then names no number: say why, beside the result
        sys.stderr.write(f"checkins: {NOT_SET_UP}\n")
    reasons = "\n".join(f"  - {r.rule}: {r.message}" for r in result.reasons)
    _emit(
        out,
        result.to_json(),
        args.json,
        f"{result.severity.value.upper()}\n{reasons}\n\n{result.patient_message}",
    )
    return EXIT_OK


def cmd_submit(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import clinic, intake
    from checkins.validation import parse_checkin_json

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
        stored = intake.treatment_of_submission(
            session=s, actor=cli_actor(), client_submission_id=csid
        )
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
