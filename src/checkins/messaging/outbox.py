"""The transactional outbox: what to send is written with what caused it; a worker sends it.

- ``queue_*`` functions add rows inside the caller's transaction (the check-in, the reply, the
  schedule): if that transaction rolls back, nothing is sent.
- ``claim`` takes due rows atomically (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite writes
  are serialised by ``BEGIN IMMEDIATE``); a row left ``sending`` by a worker that died is taken
  again after ``lease``: at most that one message is sent twice, none is skipped.
- Nothing here names a patient or a symptom in a message body: email and SMS carry no PHI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checkins import i18n, links
from checkins.domain import ChannelName, ContactPreference, OutboxStatus, ReviewStatus, utcnow
from checkins.i18n import ENGLISH, N_, Translator
from checkins.messaging.channels import Channels, Outgoing, Permanent, Temporary
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import (
    AlertContact,
    ClinicSettings,
    OutboxMessage,
    Patient,
    ReviewItem,
    ScheduledCheckin,
    Treatment,
)

# Who issues a link: the caller's actor (the provider replying), or for the worker's own
# reminders the actor its entry point gives for each clinic (messaging/worker.py).
ActorFor = Callable[[int], Actor]


LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
# A reminder for a check-in missed long ago is noise: remind within this window after it is due.
REMIND_WITHIN = timedelta(days=2)


def base_url() -> str:
    return os.environ.get("CHECKINS_BASE_URL", "http://localhost:8501").rstrip("/")


def add(session: Session, **fields: object) -> bool:
    """Insert one row unless its idempotency key is there already; True when added."""
    key = fields["idempotency_key"]
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return False
    try:
        with session.begin_nested():
            session.add(OutboxMessage(**fields))
            session.flush()
    except IntegrityError:
        return False  # another transaction queued the same message first
    return True


def _patient_addresses(p: Patient) -> list[tuple[ChannelName, str]]:
    if p.opted_out_at is not None or p.discharged_at is not None:
        return []
    out = []
    wants = ContactPreference(p.contact_preference).wants
    if wants(ChannelName.SMS) and p.phone_e164:
        out.append((ChannelName.SMS, p.phone_e164.split(";")[0]))
    if wants(ChannelName.EMAIL) and p.email:
        out.append((ChannelName.EMAIL, p.email))
    return out


def _clinic(session: Session, clinic_id: int) -> ClinicSettings | None:
    return session.get(ClinicSettings, clinic_id)


def _patient_text(
    clinic_name: str, lead: str, url: str, channel: str, tr: Translator = ENGLISH
) -> tuple[str, str]:
    """A message to a patient in their language (``lead`` is an English msgid)."""
    lead = tr(lead)
    subject = f"{clinic_name}: {lead.rstrip('.')}"
    body = f"{clinic_name}: {lead} {url}"
    if channel == ChannelName.EMAIL:
        body += "\n\n" + tr("This link is personal: please do not forward it.") + "\n"
        body += tr("To stop these messages, open: %(url)s", url=f"{url}&stop=1")
    else:
        # STOP stays STOP: the SMS carrier acts on that keyword in any language.
        body += " " + tr("Reply STOP to opt out.")
    return subject, body


def queue_patient_message(
    *,
    session: Session,
    signing_key: links.LinkKey,
    actor: Actor,
    treatment_id: int,
    kind: str,
    lead: str,
    key: str,
    now: datetime | None = None,
) -> int:
    """Queue ``lead`` + a fresh personal link to the patient on each channel they chose; the
    link is issued (checked and audited) as ``actor``."""
    t = session.get(Treatment, treatment_id)
    if t is None:
        return 0
    p = session.get(Patient, t.patient_id)
    clinic = _clinic(session, t.clinic_id)
    if p is None or clinic is None:
        return 0
    addresses = _patient_addresses(p)
    if not addresses:
        return 0
    url = links.issue_link(
        session=session, key=signing_key, treatment_id=treatment_id, base_url=base_url() + "/",
        ttl_days=clinic.link_validity_days, now=now, actor=actor,
    )  # fmt: skip
    added = 0
    for channel, address in addresses:
        tr = i18n.translator(i18n.for_messages(p.language))
        subject, body = _patient_text(clinic.name, lead, url, channel, tr)
        added += add(
            session, idempotency_key=f"{key}:{channel}", kind=kind, channel=channel,
            to_address=address, subject=subject, body=body, patient_id=p.id,
            clinic_id=t.clinic_id, next_attempt_at=now or utcnow(), created_at=now or utcnow(),
        )  # fmt: skip
    return added


def queue_reply_notice(
    *,
    session: Session,
    signing_key: links.LinkKey,
    actor: Actor,
    message_id: int,
    treatment_id: int,
) -> int:
    """The patient is told their care team replied (the link issued as the replying actor)."""
    return queue_patient_message(
        session=session, signing_key=signing_key, actor=actor, treatment_id=treatment_id,
        kind="reply_notice",
        lead=N_("your care team replied to your check-in. Read it here:"),
        key=f"reply:{message_id}",
    )  # fmt: skip


def queue_link(
    *, session: Session, signing_key: links.LinkKey, actor: Actor, treatment_id: int, nonce: str
) -> int:
    return queue_patient_message(
        session=session, signing_key=signing_key, actor=actor, treatment_id=treatment_id,
        kind="link",
        lead=N_("your check-in link for the days after your treatment:"), key=f"link:{nonce}",
    )  # fmt: skip


def _office_open(clinic: ClinicSettings, now: datetime) -> bool:
    from checkins.services.clinic import _clinic_view, office_open

    return office_open(_clinic_view(clinic), now)


def queue_urgent_alerts(*, session: Session, item_id: int, now: datetime | None = None) -> int:
    """Alert the on-call contacts of an urgent case: the first now, then one every
    ``escalation_minutes`` while nobody has claimed it. Out of hours only the on-call rota."""
    now = now or utcnow()
    item = session.get(ReviewItem, item_id)
    clinic = None if item is None else _clinic(session, item.clinic_id)
    if clinic is None:
        return 0
    contacts = session.scalars(
        select(AlertContact)
        .where(AlertContact.clinic_id == clinic.id, AlertContact.active.is_(True))
        .order_by(AlertContact.position)
    ).all()
    if not _office_open(clinic, now):
        contacts = [c for c in contacts if c.on_call] or list(contacts)
    step = timedelta(minutes=clinic.escalation_minutes)
    url = f"{base_url()}/case?item={item_id}"
    body = f"{clinic.name}: an urgent check-in is waiting for review. Sign in to see it: {url}"
    added = 0
    for i, c in enumerate(contacts):
        added += add(
            session, idempotency_key=f"alert:{item_id}:{c.id}", kind="alert", channel=c.channel,
            to_address=c.address, subject=f"{clinic.name}: urgent check-in waiting",
            body=body + ("" if i == 0 else " (escalated: not yet claimed)"),
            review_item_id=item_id, alert_contact_id=c.id, only_if_unclaimed=i > 0,
            clinic_id=clinic.id, next_attempt_at=now + i * step,
        )  # fmt: skip
    return added


def _local_minutes(at: datetime, tz: str) -> tuple[datetime, int]:
    local = at.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
    return local, local.hour * 60 + local.minute


def _quiet(clinic: ClinicSettings, minutes: int) -> bool:
    q = clinic.quiet_hours or {}
    start, end = str(q.get("start", "21:00")), str(q.get("end", "08:00"))
    s = int(start[:2]) * 60 + int(start[3:5])
    e = int(end[:2]) * 60 + int(end[3:5])
    return (s <= minutes or minutes < e) if s > e else (s <= minutes < e)


def queue_due_reminders(
    *,
    session: Session,
    signing_key: links.LinkKey,
    actor_for: ActorFor,
    now: datetime | None = None,
) -> int:
    """Reminders for today's due check-ins (at the reminder hour, never in quiet hours), and a
    second one the next day for a check-in still missing: each clinic by its own hours, its
    links issued as ``actor_for(clinic id)`` (the worker's entry point says who that is)."""
    now = now or utcnow()
    clinics = session.scalars(select(ClinicSettings).order_by(ClinicSettings.id)).all()
    return sum(
        _clinic_reminders(
            session=session, signing_key=signing_key, actor=actor_for(c.id), clinic=c, now=now
        )
        for c in clinics
    )


def _clinic_reminders(
    *,
    session: Session,
    signing_key: links.LinkKey,
    actor: Actor,
    clinic: ClinicSettings,
    now: datetime,
) -> int:
    local, minutes = _local_minutes(now, clinic.time_zone)
    if minutes < clinic.reminder_hour * 60 or _quiet(clinic, minutes):
        return 0
    due = session.execute(
        select(ScheduledCheckin.id, ScheduledCheckin.treatment_id, ScheduledCheckin.due_at)
        .join(Treatment, Treatment.id == ScheduledCheckin.treatment_id)
        .join(Patient, Patient.id == Treatment.patient_id)
        .where(
            ScheduledCheckin.clinic_id == clinic.id,
            ScheduledCheckin.due_at <= now,
            ScheduledCheckin.due_at > now - REMIND_WITHIN,
            ScheduledCheckin.checkin_id.is_(None),
            ScheduledCheckin.cancelled_at.is_(None),
            Treatment.ended_at.is_(None),
            Patient.discharged_at.is_(None),
            Patient.opted_out_at.is_(None),
            Patient.contact_preference != ContactPreference.NONE.value,
        )
    ).all()
    # Which reminders exist already: one indexed range scan, not a query per due check-in (at
    # 10,000 due rows that was minutes per round). Nothing is issued for a reminder that exists.
    sent = {
        key.rsplit(":", 1)[0]
        for key in session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.clinic_id == clinic.id,
                OutboxMessage.kind == "reminder",
                OutboxMessage.created_at > now - REMIND_WITHIN - timedelta(days=1),
            )
        )
    }
    added = 0
    for sched_id, treatment_id, due_at in due:
        due_day = _local_minutes(due_at, clinic.time_zone)[0].date()
        n = 1 if local.date() == due_day or f"reminder:{sched_id}:1" not in sent else 2
        key = f"reminder:{sched_id}:{n}"
        if key in sent:
            continue
        lead = (
            N_("today is a check-in day. Please send your photos and answers:")
            if n == 1
            else N_("we have not received your check-in yet. Please send it here:")
        )
        added += queue_patient_message(
            session=session, signing_key=signing_key, actor=actor, treatment_id=treatment_id,
            kind="reminder", lead=lead, key=key, now=now,
        )  # fmt: skip
    return added


# --- sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    to: str
    subject: str
    body: str
    key: str
    attempts: int
    alert_contact_id: int | None
    review_item_id: int | None
    only_if_unclaimed: bool


def claim(
    session: Session, *, worker: str, now: datetime, limit: int = 20, lease: timedelta = LEASE
) -> list[Claimed]:
    """Take up to ``limit`` due rows for ``worker`` (call inside a write transaction)."""
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at <= now - lease),
    )
    stmt = select(OutboxMessage).where(due).order_by(OutboxMessage.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.scalars(stmt).all()
    out = []
    for r in rows:
        r.status, r.claimed_by, r.claimed_at = OutboxStatus.SENDING, worker, now
        r.attempts += 1
        out.append(
            Claimed(r.id, r.channel, r.to_address, r.subject, r.body, r.idempotency_key,
                    r.attempts, r.alert_contact_id, r.review_item_id, r.only_if_unclaimed)
        )  # fmt: skip
    session.flush()
    return out


def still_unclaimed(session: Session, item_id: int | None) -> bool:
    if item_id is None:
        return True
    item = session.get(ReviewItem, item_id)
    return item is not None and item.claimed_by is None and item.status == ReviewStatus.NEW


def finish(session: Session, c: Claimed, *, worker: str, error: Exception | None,
           now: datetime, skipped: bool = False) -> None:  # fmt: skip
    """Record what happened to one claimed row (only if this worker still holds it)."""
    values: dict[str, object]
    if skipped:
        values = {"status": OutboxStatus.SKIPPED, "last_error": "claimed before it was due"}
    elif error is None:
        values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
    elif isinstance(error, Permanent):
        values = {"status": OutboxStatus.FAILED, "last_error": str(error)[:2000]}
        if c.alert_contact_id is not None:
            session.execute(
                update(AlertContact)
                .where(AlertContact.id == c.alert_contact_id)
                .values(failed_at=now, failure_reason=str(error)[:2000])
            )
    else:
        wait = min(MAX_BACKOFF, timedelta(seconds=30) * (2 ** min(c.attempts - 1, 10)))
        values = {"status": OutboxStatus.QUEUED, "next_attempt_at": now + wait,
                  "last_error": str(error)[:2000]}  # fmt: skip
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == c.id, OutboxMessage.claimed_by == worker)
        .values(**values)
    )


def send_one(channels: Channels, c: Claimed) -> Exception | None:
    try:
        channels.for_name(c.channel).send(Outgoing(c.to, c.subject, c.body, c.key))
    except (Temporary, Permanent) as e:
        return e
    return None


@dataclass
class RunReport:
    queued_reminders: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


def deliver_due(db: Database, channels: Channels, *, worker: str, now: datetime | None = None,
                lease: timedelta = LEASE, batch: int = 20) -> RunReport:  # fmt: skip
    """Send everything due now, batch by batch, until nothing is due."""
    report = RunReport()
    while True:
        at = now or utcnow()
        with db.session() as s:
            claimed = claim(s, worker=worker, now=at, limit=batch, lease=lease)
        if not claimed:
            return report
        for c in claimed:
            with db.session() as s:
                skip = c.only_if_unclaimed and not still_unclaimed(s, c.review_item_id)
            error = None if skip else send_one(channels, c)
            with db.session() as s:
                finish(s, c, worker=worker, error=error, now=now or utcnow(), skipped=skip)
            if skip:
                report.skipped += 1
            elif error is None:
                report.sent += 1
            elif isinstance(error, Permanent):
                report.failed += 1
            else:
                report.retried += 1


def delivery_log(session: Session, *, clinic_id: int, patient_id: int | None = None,
                 limit: int = 100) -> Sequence[OutboxMessage]:  # fmt: skip
    """One clinic's messages, newest first (one patient's with ``patient_id``)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.clinic_id == clinic_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if patient_id is not None:
        stmt = stmt.where(OutboxMessage.patient_id == patient_id)
    return session.scalars(stmt).all()
