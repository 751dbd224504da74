"""`checkins users`, `patients`, `treatments`, `handout` and `link`: staff and patients."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from checkins.cli import output
from checkins.cli.context import (
    EXIT_OK,
    _connect,
    _iso_date,
    cli_actor,
    link_key,
)
from checkins.domain import ContactPreference, InvalidInput, Role


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
            actor=cli_actor(s, args),
            username=args.username,
            display_name=args.name or args.username,
            role=Role(args.role),
            password=password,
        )
    output.emit(
        out,
        {"ok": True, "username": args.username, "role": args.role},
        args.json,
        f"Added {args.role} {args.username}.",
    )
    return EXIT_OK


def cmd_patients_add(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import patients

    birth = _iso_date(args.birth_date, "The birth date")
    db = _connect()
    with db.session() as s:
        view = patients.add_patient(
            session=s,
            actor=cli_actor(s, args),
            name=args.name,
            birth_date=birth,
            phone=args.phone,
            email=args.email,
            language=args.language,
            contact_preference=args.contact
            or (ContactPreference.BOTH if args.email else ContactPreference.SMS),
            caregiver_name=args.caregiver_name,
            caregiver_phone=args.caregiver_phone,
            allow_duplicate=args.allow_duplicate,
        )
    output.emit(out, {"ok": True, "patient_id": view.id}, args.json, f"Added patient {view.id}.")
    return EXIT_OK


def cmd_patients_list(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import patients

    db = _connect()
    with db.session() as s:
        page = patients.search_patients(
            session=s, actor=cli_actor(s, args), text=args.search or "", page=args.page,
            page_size=args.page_size,
        )  # fmt: skip
    output.emit(out, output.patients_json(page), args.json, output.patients_text(page))
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
        actor = cli_actor(s, args)
        tz = clinic.get_clinic(session=s, actor=actor).time_zone
        detail = patients.record_treatment(
            session=s,
            actor=actor,
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
    output.emit(out, output.treatment_json(detail), args.json, output.treatment_text(detail))
    return EXIT_OK


def cmd_handout(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import rules
    from checkins.services import clinic, patients

    target = Path(args.out)
    if target.is_dir() or not target.parent.is_dir():
        raise InvalidInput(f"Cannot write the handout to {args.out}.", code="unwritable_file")
    db = _connect()
    with db.session() as s:
        actor = cli_actor(s, args)
        pdf, url = patients.handout(
            session=s,
            actor=actor,
            signing_key=link_key(),
            treatment_id=args.treatment,
            base_url=args.base_url,
            ruleset=rules.load_clinic_rules(clinic.get_clinic(session=s, actor=actor).rules_path),
        )
    target.write_bytes(pdf)
    output.emit(
        out, {"ok": True, "out": str(target), "url": url}, args.json, f"Handout written: {target}"
    )
    return EXIT_OK


def cmd_link(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import links

    db = _connect()
    key = link_key()
    with db.session() as s:
        actor = cli_actor(s, args)
        treatment_id = links.treatment_to_link(
            session=s, actor=actor, patient_id=args.patient, treatment_id=args.treatment
        )
        if args.revoke:  # every earlier link for the treatment goes stale first
            links.revoke_links(session=s, actor=actor, treatment_id=treatment_id)
        url = links.issue_link(
            session=s, actor=actor, key=key, treatment_id=treatment_id, base_url=args.base_url,
            ttl_days=args.days,
        )  # fmt: skip
    output.emit(out, {"ok": True, "patient_id": args.patient, "url": url}, args.json, url)
    return EXIT_OK
