"""Load the synthetic demo clinic from sample_data/ (made by sample_data/make_sample_data.py).

Times in the sample file are relative (days ago, hours after treatment) so the demo always looks
current. Loading is idempotent: check-ins carry fixed submission ids, so a second run adds
nothing. Historical cases are resolved by a demo provider so the manager's trends have data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from checkins import links, schedule
from checkins.domain import ContactPreference, OutboxStatus, Role, utcnow
from checkins.rules import RuleSet
from checkins.services import clinic, intake, queue
from checkins.services import patients as enrolment
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Message, OutboxMessage, ReviewItem, User
from checkins.storage.photos import BlobStore
from checkins.validation import parse_answers

DEMO_ACTOR = Actor.system(1, "demo loader")  # the first clinic's; see load_demo


def default_sample_dir() -> Path:
    here = Path.cwd() / "sample_data"
    if (here / "demo.json").exists():
        return here
    return Path(__file__).resolve().parents[2] / "sample_data"


@dataclass
class DemoSummary:
    patients: int = 0
    checkins: int = 0
    photos: int = 0
    open_items: int = 0
    already_loaded: bool = False
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # name, day, url

    def to_json(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "checkins": self.checkins,
            "photos": self.photos,
            "open_items": self.open_items,
            "already_loaded": self.already_loaded,
            "accounts": [{"username": u, "password": p, "role": r} for u, p, r in self.accounts],
            "links": [{"patient": n, "day": d, "url": u} for n, d, u in self.links],
        }

    def describe(self) -> str:
        lines = [
            "Demo clinic "
            + (
                "was already loaded."
                if self.already_loaded
                else f"loaded: {self.patients} patients, {self.checkins} check-ins, "
                f"{self.photos} photos."
            ),
            f"Open review items: {self.open_items}",
            "",
            "Staff accounts (sign in at http://localhost:8501):",
            *[f"  {r:<9} {u:<12} password: {p}" for u, p, r in self.accounts],
            "",
            "Patient check-in links (open one on a phone-sized window):",
            *[f"  {n} ({d}): {u}" for n, d, u in self.links],
        ]
        return "\n".join(lines)


def load_demo(
    *,
    db: Database,
    store: BlobStore,
    signing_key: links.LinkKey,
    sample_dir: Path | None = None,
    base_url: str = "http://localhost:8501",
    progress: TextIO | None = None,
    ruleset: RuleSet,
) -> DemoSummary:
    from checkins.demo_accounts import ensure_demo_accounts

    sample_dir = sample_dir or default_sample_dir()
    spec = json.loads((sample_dir / "demo.json").read_text(encoding="utf-8"))
    summary = DemoSummary()
    with db.session() as s:
        summary.accounts = ensure_demo_accounts(session=s, actor=DEMO_ACTOR)
        c = spec["clinic"]
        clinic.set_clinic(
            session=s,
            actor=DEMO_ACTOR,
            name=c["name"],
            phone=c["phone"],
            time_zone=c["time_zone"],
            target_response_minutes=int(c.get("target_response_minutes", 60)),
            reference_card=bool(c.get("reference_card", False)),
            after_hours_phone=c.get("after_hours_phone"),
            office_hours=clinic.parse_office_hours(c["office_hours"])
            if c.get("office_hours")
            else None,
        )
        summary.already_loaded = (
            s.scalar(select(CheckIn.id).where(CheckIn.client_submission_id == "demo-00-00"))
            is not None
        )
        summary.accounts += _second_clinic(s)
    if not summary.already_loaded:
        _load_patients(
            db, store, signing_key, sample_dir, spec["patients"], summary, progress, ruleset
        )
    with db.session() as s:
        summary.open_items = queue.count_open(session=s, actor=DEMO_ACTOR)
        for t in clinic.list_treatments(session=s, actor=DEMO_ACTOR):
            for p in spec["patients"]:
                if p["name"] == t.patient_name and p.get("show_link"):
                    day = schedule.day_since_treatment(treated_at=t.treated_at, at=utcnow())
                    label = "before treatment" if day < 0 else f"day {day}"
                    url = links.issue_link(
                        session=s,
                        actor=DEMO_ACTOR,
                        key=signing_key,
                        treatment_id=t.id,
                        base_url=base_url,
                    )
                    summary.links.append((t.patient_name, label, url))
    return summary


SECOND_CLINIC = "Harbor Skin Clinic"
ORGANISATION = "Demo Skin Group"


def _second_clinic(s: Session) -> list[tuple[str, str, str]]:
    """The demo's second clinic, of the same organisation as the first (so the demo manager
    reads both clinics' trends): its own staff, one enrolled patient, nothing shared."""
    from checkins.demo_accounts import SECOND_CLINIC_ACCOUNTS, ensure_demo_accounts
    from checkins.storage.models import ClinicSettings

    first = s.get(ClinicSettings, DEMO_ACTOR.clinic_id)
    if first is not None:
        first.organisation = ORGANISATION
    row = s.scalar(select(ClinicSettings).where(ClinicSettings.name == SECOND_CLINIC))
    clinic_id = (
        row.id
        if row is not None
        else clinic.add_clinic(
            session=s, actor=DEMO_ACTOR, name=SECOND_CLINIC, organisation=ORGANISATION,
            phone="(555) 010-0242", time_zone="America/Chicago", after_hours_phone="(555) 010-0243",
        ).id
    )  # fmt: skip
    admin = Actor.system(clinic_id, "demo loader")
    accounts = ensure_demo_accounts(session=s, actor=admin, accounts=SECOND_CLINIC_ACCOUNTS)
    if not enrolment.search_patients(session=s, actor=admin, text="", audit_read=False).rows:
        p = enrolment.add_patient(
            session=s, actor=admin, name="Noor Harbor", birth_date=date(1988, 3, 9),
            phone="(555) 010-0244",
        )  # fmt: skip
        enrolment.record_treatment(
            session=s, actor=admin, patient_id=p.id, procedure="microneedling",
            treated_at=utcnow() - timedelta(days=2),
        )  # fmt: skip
    return accounts


def _load_patients(
    db: Database,
    store: BlobStore,
    signing_key: links.LinkKey,
    sample_dir: Path,
    patients: list[dict[str, Any]],
    summary: DemoSummary,
    progress: TextIO | None,
    ruleset: RuleSet,
) -> None:
    now = utcnow()
    with db.session() as s:
        provider = s.scalar(
            select(User)
            .where(User.clinic_id == DEMO_ACTOR.clinic_id, User.role == Role.PROVIDER.value)
            .order_by(User.id)
        )
        provider_actor = (
            Actor(
                role=Role.PROVIDER,
                name=provider.display_name,
                user_id=provider.id,
                clinic_id=provider.clinic_id,
            )
            if provider
            else DEMO_ACTOR
        )
    for pi, p in enumerate(patients):
        if progress is not None and (pi == 0 or progress.isatty()):
            # A terminal gets a counter that updates in place; a log gets one line.
            counter = f"{pi + 1}/{len(patients)}" if progress.isatty() else f"{len(patients)}"
            progress.write(f"\rLoading demo patients: {counter}")
            progress.flush()
        treated_at = now - timedelta(days=float(p["treated_days_ago"]))
        with db.session() as s:
            first = p["name"].split()[0].lower()
            pid = enrolment.add_patient(
                session=s,
                actor=DEMO_ACTOR,
                name=p["name"],
                birth_date=date(1960 + (pi * 7) % 40, 1 + pi % 12, 1 + (pi * 5) % 28),
                phone=f"(555) 010-{200 + pi:04d}",
                email=f"{first}.demo{pi:02d}@example.com",
                language="es" if pi % 5 == 3 else "en",
                contact_preference=(
                    ContactPreference.SMS,
                    ContactPreference.EMAIL,
                    ContactPreference.BOTH,
                )[pi % 3],
            ).id
            t = enrolment.record_treatment(
                session=s,
                actor=DEMO_ACTOR,
                patient_id=pid,
                procedure=p["procedure"],
                treated_at=treated_at,
                areas=p.get("areas", ["face"]),
                needle_depth_mm=p.get("needle_depth_mm"),
                antiviral_prescribed=bool(p.get("antiviral", False)),
                pre_treatment_prep=True,
                now=now,
                booked=treated_at > now,
            ).treatment
        summary.patients += 1
        for ci, spec in enumerate(p["checkins"]):
            submitted_at = treated_at + timedelta(hours=float(spec["hours"]))
            if submitted_at > now:
                continue
            photos = [
                intake.prepare_photo(
                    (sample_dir / "photos" / name).read_bytes(), name=name, isolated=False
                )
                for name in spec.get("photos", [])
            ]
            answers = parse_answers(spec["answers"]) if spec.get("answers") else None
            with db.session() as s:
                res = intake.submit_checkin(
                    session=s,
                    store=store,
                    actor=DEMO_ACTOR,
                    treatment_id=t.id,
                    answers=answers,
                    photos=photos,
                    client_submission_id=f"demo-{pi:02d}-{ci:02d}",
                    submitted_at=submitted_at,
                    is_baseline=bool(spec.get("baseline")),
                    ruleset=ruleset,
                )
                row = s.get(CheckIn, res.checkin_id)
                if row is not None:
                    row.received_at = submitted_at
                item = s.get(ReviewItem, res.review_item_id) if res.review_item_id else None
                if item is not None:  # back-dated in one UPDATE that bumps the version
                    s.execute(
                        update(ReviewItem)
                        .where(ReviewItem.id == item.id)
                        .values(created_at=submitted_at, version=ReviewItem.version + 1)
                    )
                    review = spec.get("review")
                    if review and provider is not None:
                        _resolve_historic(
                            s, provider_actor, signing_key, item, review, submitted_at
                        )
            summary.checkins += 1
            summary.photos += len(photos)
    with db.session() as s:
        # The demo's replies are history: their "your care team replied" notices are not sent.
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SKIPPED, last_error="demo history: not sent")
        )
    if progress is not None:
        progress.write("\n")


def _resolve_historic(
    s: Any,
    actor: Actor,
    signing_key: links.LinkKey,
    item: ReviewItem,
    review: dict[str, Any],
    submitted_at: Any,
) -> None:
    queue.claim(session=s, actor=actor, item_id=item.id)
    if review.get("reply"):
        queue.reply(
            session=s, actor=actor, signing_key=signing_key, item_id=item.id,
            body=review["reply"],
        )  # fmt: skip
    queue.resolve(
        session=s,
        actor=actor,
        item_id=item.id,
        disposition=review["disposition"],
        note=review.get("note", ""),
    )
    first = submitted_at + timedelta(minutes=float(review.get("first_minutes", 20)))
    done = submitted_at + timedelta(minutes=float(review.get("resolve_minutes", 45)))
    s.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id)
        .values(
            claimed_at=first, first_reviewed_at=first, resolved_at=done,
            version=ReviewItem.version + 1,
        )
    )  # fmt: skip
    for m in s.scalars(select(Message).where(Message.review_item_id == item.id)):
        m.created_at = first
