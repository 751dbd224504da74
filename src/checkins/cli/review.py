"""`checkins triage`, `submit` and `queue`: check-ins in, the review queue out."""

from __future__ import annotations

import argparse
import os
import sys
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
)
from checkins.domain import InvalidInput

if TYPE_CHECKING:
    pass


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
