"""`checkins init`, `demo`, `reconcile` and `worker`: setting up and running the clinic."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from checkins.cli import output
from checkins.cli.context import (
    EXIT_OK,
    _connect,
    cli_actor,
    link_key,
    photo_store,
)
from checkins.domain import InvalidInput

if TYPE_CHECKING:
    from checkins.services.views import ClinicView


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from checkins import contact, schedule
    from checkins.services import clinic

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
    settings = (args.clinic_name, phone, args.time_zone, on_call, days, args.link_days, hours)
    changes = any(v is not None for v in settings) or bool(args.alert_email or args.alert_sms)
    with db.session() as s:
        if not changes and not args.clinic and len(clinic.list_clinics(session=s)) > 1:
            # Only the upgrade was asked for (`make run` again): no clinic to choose.
            output.emit(
                out, {"ok": True, "database": db.url, "clinic": None, "phone": None}, args.json,
                f"Database ready at {db.url}.",
            )  # fmt: skip
            return EXIT_OK
        actor = cli_actor(s, args)
        current = clinic.get_clinic(session=s, actor=actor)
        if any(v is not None for v in settings):
            clinic.set_clinic(
                session=s,
                actor=actor,
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
                session=s, actor=actor, emails=args.alert_email or (),
                phones=args.alert_sms or (),
            )  # fmt: skip
        view = clinic.get_clinic(session=s, actor=actor)
    warning = "" if view.phone else f" {clinic.NOT_SET_UP}"
    output.emit(
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
        signing_key=link_key(),
        sample_dir=args.sample_dir,
        base_url=args.base_url,
        progress=None if args.json else out,
        ruleset=rules.load_active_rules(),
    )
    output.emit(out, {"ok": True, **summary.to_json()}, args.json, summary.describe())
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.context import deployment_actor
    from checkins.services.reconcile import reconcile

    db = _connect()  # the service refuses a grace that is not 0 or more seconds
    with db.session() as s:
        report = reconcile(
            session=s,
            actor=deployment_actor(s),
            store=photo_store(),
            repair=args.repair,
            grace_seconds=args.grace,
        )
    output.emit(
        out, report.to_json(), args.json, output.reconcile_text(report, repaired=args.repair)
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
    key = link_key()  # read once: every reminder's link is signed with it
    db = _connect()
    lease = timedelta(seconds=args.lease_seconds)
    if args.once:
        report = worker.run_once(db, configured, signing_key=key, lease=lease)
        human = f"Sent {report.sent}, retrying {report.retried}, failed {report.failed}."
        output.emit(out, {"ok": True, **report.to_json()}, args.json, human)
        return EXIT_OK
    out.write("checkins worker: sending from the outbox (Ctrl-C stops)\n")
    out.flush()
    worker.run_forever(db, configured, signing_key=key, interval_s=args.interval, lease=lease)
    return EXIT_OK


def _clinic_json(view: ClinicView) -> dict[str, object]:
    return {
        "id": view.id,
        "name": view.name,
        "organisation": view.organisation or None,
        "phone": view.phone or None,
        "time_zone": view.time_zone,
        "rules_path": view.rules_path,
    }


def cmd_clinics_add(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.context import deployment_actor
    from checkins.services import clinic

    hours = clinic.parse_office_hours(args.office_hours) if args.office_hours else None
    db = _connect()
    with db.session() as s:
        view = clinic.add_clinic(
            session=s, actor=deployment_actor(s), name=args.name,
            organisation=args.organisation or "", phone=args.phone,
            time_zone=args.time_zone or "America/New_York", office_hours=hours,
            after_hours_phone=args.after_hours_phone, rules_path=args.rules_file,
        )  # fmt: skip
    output.emit(
        out,
        {"ok": True, "clinic": _clinic_json(view)},
        args.json,
        f"Clinic {view.id} added: {view.name}. Give it staff with "
        f"`checkins users add NAME --role admin --clinic {view.id}`.",
    )
    return EXIT_OK


def cmd_clinics_list(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.services import clinic

    db = _connect()
    with db.read() as s:
        views = clinic.list_clinics(session=s)
    text = "\n".join(
        f"{v.id}\t{v.name}\t{v.organisation or '-'}\t{v.phone or '(no phone)'}" for v in views
    )
    output.emit(out, {"ok": True, "clinics": [_clinic_json(v) for v in views]}, args.json, text)
    return EXIT_OK
