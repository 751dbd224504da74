"""`checkins export fhir`: the clinic's health-record export."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from checkins.cli import output
from checkins.cli.context import (
    EXIT_OK,
    _connect,
    _iso_date,
    cli_actor,
)
from checkins.domain import CheckinsError, InvalidInput


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
            session=s, actor=cli_actor(s, args), patient_id=patient, since=since
        )
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    try:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise CheckinsError(
            f"The bundle could not be written to {args.out}: {exc.strerror}."
        ) from None
    n = len(bundle["entry"])
    output.emit(
        out,
        {"ok": True, "out": args.out, "resources": n},
        args.json,
        f"Wrote {n} resources to {args.out}.",
    )
    return EXIT_OK
