"""`checkins triage`, `submit` and `queue`: check-ins in, the review queue out."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from checkins.cli import output
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
from checkins.domain import MAX_PHOTOS, InvalidInput

if TYPE_CHECKING:
    from checkins.imaging.results import ProcessedPhoto


def cmd_triage(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from checkins import rules, schedule
    from checkins.cli.context import chosen_clinic
    from checkins.services.clinic import NOT_SET_UP, UNSET_CLINIC, call_now
    from checkins.validation import parse_checkin_json

    inp = parse_checkin_json(_read(args.file, MAX_CHECKIN_FILE_BYTES), now=_now())
    view = UNSET_CLINIC
    if os.environ.get("CHECKINS_DATABASE_URL") or (home() / "checkins.db").exists():
        try:
            with _connect(migrate=False).read() as s:
                view = chosen_clinic(s, args.clinic)
        except SQLAlchemyError:
            raise InvalidInput(
                "The database could not be read; run `checkins init` first.", code="no_database"
            ) from None
    result = rules.triage(
        ruleset=rules.load_clinic_rules(view.rules_path),
        answers=inp.answers,
        procedure=inp.treatment.procedure,
        hours_since_treatment=schedule.hours_since(
            treated_at=inp.treatment.treated_at, at=inp.submitted_at
        ),
        clinic_phone=view.phone,
        contact=call_now(view, inp.submitted_at),
    )
    if not view.phone:  # the advice then names no number: say why, beside the result
        sys.stderr.write(f"checkins: {NOT_SET_UP}\n")
    output.emit(out, result.to_json(), args.json, output.triage_text(result))
    return EXIT_OK


def _photo_paths(raw: bytes, base: Path) -> list[Path] | None:
    """The photo paths a check-in file names, read with ``json`` alone; None if it names none
    clearly (the full validation, later, says what is wrong)."""
    import json

    try:
        photos = json.loads(raw).get("photos")
    except (ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(photos, list) or not all(isinstance(p, str) and p for p in photos):
        return None
    return [Path(p) if Path(p).is_absolute() else base / p for p in photos]


@lru_cache(maxsize=1)
def _photo_threads() -> ThreadPoolExecutor:
    from checkins.imaging import isolate

    # One thread per imaging worker: the photos are checked side by side, one per core.
    return ThreadPoolExecutor(max_workers=isolate.MAX_WORKERS)


def _start_photos(paths: list[Path] | None) -> dict[Path, Future[ProcessedPhoto]]:
    """Hand each photo to the imaging workers now, before this command's own imports (the
    rules, the models, the database: most of a second), which then run beside them. Best
    effort: a photo that cannot be read or is refused here is left to the checks that follow."""
    from checkins.imaging import isolate
    from checkins.imaging.opening import check_bytes

    started: dict[Path, Future[ProcessedPhoto]] = {}
    if not paths or len(paths) > MAX_PHOTOS:
        return started
    for path in dict.fromkeys(paths):
        try:
            data = _read(str(path))
            check_bytes(data)
        except (InvalidInput, OSError):
            continue
        started[path] = _photo_threads().submit(isolate.process_photo_isolated, data)
    return started


def _checked(data: bytes) -> ProcessedPhoto:
    """Intake's own checks and the worker, for a photo that was not started early."""
    from checkins.services import intake

    return intake.prepare_photo(data).processed


def cmd_submit(args: argparse.Namespace, out: TextIO) -> int:
    raw = _read(args.file, MAX_CHECKIN_FILE_BYTES)
    base = Path(args.file).resolve().parent
    started = _start_photos(_photo_paths(raw, base))

    from checkins import rules
    from checkins.services import clinic, intake
    from checkins.validation import parse_checkin_json

    # The rules file is checked before any photo is waited for: a bad one fails first.
    ruleset = rules.load_active_rules()
    inp = parse_checkin_json(raw, now=_now())
    paths = [Path(n) if Path(n).is_absolute() else base / n for n in inp.photos]
    for path in paths:
        if path not in started:  # not started early (unreadable or refused): say why, in order
            started[path] = _photo_threads().submit(_checked, _read(str(path)))
    csid = (
        inp.client_submission_id
        or uuid.uuid5(uuid.NAMESPACE_URL, raw.decode("utf-8", "replace")).hex
    )
    db = _connect()
    with db.session() as s:
        # The reads first, while the photos are still being worked on; the writes after them.
        actor = cli_actor(s, args)
        own_rules = clinic.get_clinic(session=s, actor=actor).rules_path
        if own_rules:  # this clinic's own rule file, not the deployment's
            ruleset = rules.load_clinic_rules(own_rules)
        stored = intake.treatment_of_submission(session=s, actor=actor, client_submission_id=csid)
        # The first refused photo is the one reported, and nothing is stored until all pass.
        prepared = [
            intake.PreparedPhoto(name=intake.display_name(p.name), processed=started[p].result())
            for p in paths
        ]
        if args.treatment is not None:
            treatment_id = args.treatment
        elif stored is not None:
            treatment_id = stored  # sent before: answer with what was stored, add no patient
        else:
            pid = clinic.create_patient(
                session=s, actor=actor, display_name="Patient (command line)"
            )
            treatment_id = clinic.create_treatment(
                session=s,
                actor=actor,
                patient_id=pid,
                procedure=inp.treatment.procedure,
                treated_at=inp.treatment.treated_at,
            ).id
        result = intake.submit_checkin(
            session=s,
            store=photo_store(),
            actor=actor,
            treatment_id=treatment_id,
            answers=inp.answers,
            photos=prepared,
            client_submission_id=csid,
            submitted_at=inp.submitted_at,
            ruleset=ruleset,
        )
    output.emit(
        out, output.submit_json(result, treatment_id), args.json, output.submit_text(result)
    )
    return EXIT_OK


def cmd_queue(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import queue

    db = _connect()
    with db.session() as s:
        page = queue.list_queue(
            session=s,
            actor=cli_actor(s, args),
            severity=args.severity,
            page=args.page,
            page_size=args.page_size,
        )
    output.emit(out, output.queue_json(page), args.json, output.queue_text(page))
    return EXIT_OK
