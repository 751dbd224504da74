"""Reminders, urgent alerts with escalation, reply notices: through a real SMTP server and the
SMS stand-in; an outage, a bounce and a second run lose and double nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from checkins.messaging import worker
from checkins.messaging.channels import Channels
from checkins.services import alerts, clinic, intake, patients, queue
from checkins.storage.db import Database
from checkins.storage.models import AlertContact, AuditEvent, OutboxMessage
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from ..services.helpers import ADMIN, LINK_KEY, calm_answers, make_provider
from .servers import SmsApi, SmtpServer

NOW = datetime(2026, 12, 2, 15, 0)  # naive UTC: 10:00 in New York, a Wednesday
NAME = "Ana Zyxwvutsrq"
NOTE = "there is pus near my left ear"


def enrol(db: Database, *, pref: str = "both", treated: datetime | None = None) -> int:
    with db.session() as s:
        clinic.set_clinic(session=s, actor=ADMIN, name="Maple Skin", phone="(555) 010-0142",
                          office_hours=clinic.ALWAYS_OPEN)  # fmt: skip
        alerts.set_contacts(session=s, actor=ADMIN, emails=["oncall@maple.example"],
                            phones=["(555) 010-0900"])  # fmt: skip
        pid = patients.add_patient(
            session=s, actor=ADMIN, name=NAME, birth_date=date(1985, 3, 2),
            phone="(555) 010-0300", email="ana@example.com", contact_preference=pref,
        ).id  # fmt: skip
        return patients.record_treatment(
            session=s, actor=ADMIN, patient_id=pid, procedure="microneedling",
            treated_at=treated or NOW - timedelta(days=2, hours=3), now=NOW,
        ).treatment.id  # fmt: skip


def urgent(db: Database, store: PhotoStore, tid: int, csid: str = "urgent-0001") -> int:
    answers = calm_answers(temperature={"value": 102.4, "unit": "F"}, notes=NOTE)
    with db.session() as s:
        res = intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, answers=answers, photos=[],
            client_submission_id=csid, submitted_at=NOW,
        )  # fmt: skip
    assert res.review_item_id is not None
    return res.review_item_id


def statuses(db: Database) -> dict[str, str]:
    with db.read() as s:
        return {m.idempotency_key: m.status for m in s.scalars(select(OutboxMessage))}


def test_an_urgent_case_alerts_on_call_by_email_and_sms_without_phi(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer, sms: SmsApi
) -> None:
    tid = enrol(db)
    item = urgent(db, store, tid)
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW)
    assert report.sent == 1  # the first contact now; the second only if nobody claims it
    mail = smtp.inbox.wait_for(1)[0]
    assert mail["To"] == "oncall@maple.example"
    body = mail.get_payload(decode=True).decode()
    assert f"/case?item={item}" in body
    for secret in (NAME, "Ana", "102", "pus", NOTE, "fever", "ana@example.com"):
        assert secret.lower() not in (str(mail["Subject"]) + body).lower()
    assert sms.received == []
    # 15 minutes on, still unclaimed: the alert escalates to the SMS contact.
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(minutes=16))
    assert report.sent == 1 and len(sms.received) == 1
    text = sms.received[0]
    assert text["To"] == "+15550100900" and "urgent check-in" in text["Body"]
    assert NAME not in text["Body"] and "102" not in text["Body"]
    assert text["_auth"].startswith("Basic ") and text["_key"] == f"alert:{item}:2"
    # Nothing more, however often the worker runs.
    assert (
        worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(hours=2)).sent == 0
    )
    assert len(smtp.inbox.messages) == 1 and len(sms.received) == 1


def test_a_claimed_case_does_not_escalate(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer, sms: SmsApi
) -> None:
    tid = enrol(db)
    item = urgent(db, store, tid)
    worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW)
    lee = make_provider(db, "dr.lee", "Dr. Lee")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(minutes=16))
    assert report.skipped == 1 and sms.received == []
    assert statuses(db)[f"alert:{item}:2"] == "skipped"


def test_an_outage_keeps_messages_queued_until_the_server_is_back(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer
) -> None:
    tid = enrol(db)
    item = urgent(db, store, tid)
    smtp.stop()
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW)
    assert report.retried == 1 and report.sent == 0
    with db.read() as s:
        row = s.scalars(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"alert:{item}:1")).one()  # fmt: skip
        assert row.status == "queued" and "could not be reached" in row.last_error
        retry_at = row.next_attempt_at
    assert retry_at > NOW
    smtp.start()
    assert (
        worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(seconds=10)).sent
        == 0
    )  # backing off
    assert worker.run_once(db, channels, signing_key=LINK_KEY, now=retry_at).sent == 1
    assert len(smtp.inbox.wait_for(1)) == 1


def test_a_refused_address_is_marked_failed_with_its_reason_and_stops_nothing_else(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer, sms: SmsApi
) -> None:
    tid = enrol(db)
    with db.session() as s:
        alerts.set_contacts(session=s, actor=ADMIN,
                            emails=["gone@bounce.example", "oncall@maple.example"])  # fmt: skip
    item = urgent(db, store, tid)
    worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(minutes=20))
    with db.read() as s:
        bounced = s.scalars(select(AlertContact).where(AlertContact.address.like("gone@%"))).one()
    assert statuses(db)[f"alert:{item}:{bounced.id}"] == "failed"
    assert bounced.failed_at is not None and "550" in bounced.failure_reason
    assert [m["To"] for m in smtp.inbox.wait_for(1)] == ["oncall@maple.example"]


def test_reminders_on_check_in_days_once_then_a_second_the_next_day(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer, sms: SmsApi
) -> None:
    tid = enrol(db, treated=NOW - timedelta(days=3, hours=1))  # day 3 is due today
    early = NOW.replace(hour=13)  # 08:00 in New York, before the reminder hour
    assert worker.run_once(db, channels, signing_key=LINK_KEY, now=early).queued_reminders == 0
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW)
    assert report.queued_reminders == 2 and report.sent == 2  # email and SMS, as preferred
    assert _link_issuers(db) == [(worker.WORKER_NAME, "admin")]  # the worker, as it says
    mail = smtp.inbox.wait_for(1)[0]
    assert (
        "check-in day" in mail.get_payload(decode=True).decode()
        and "?t=" in mail.get_payload(decode=True).decode()
    )
    assert "&stop=1" in mail.get_payload(decode=True).decode()  # the opt-out link
    assert "STOP" in sms.received[0]["Body"] and NAME not in sms.received[0]["Body"]
    assert (
        worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW + timedelta(hours=2)).sent == 0
    )
    late_night = NOW + timedelta(hours=12)  # 22:00: quiet hours
    assert worker.run_once(db, channels, signing_key=LINK_KEY, now=late_night).queued_reminders == 0
    next_day = NOW + timedelta(days=1)
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=next_day)
    assert report.sent == 2 and "not received" in sms.received[-1]["Body"]
    with db.session() as s:
        intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, answers=calm_answers(),
            photos=[], client_submission_id="day3-checkin", submitted_at=next_day,
        )  # fmt: skip
    assert (
        worker.run_once(db, channels, signing_key=LINK_KEY, now=next_day + timedelta(hours=1)).sent
        == 0
    )


@pytest.mark.parametrize("stop", ["discharge", "opt_out", "none"])
def test_no_reminders_after_discharge_opt_out_or_for_no_messages(
    db: Database, channels: Channels, smtp: SmtpServer, sms: SmsApi, stop: str
) -> None:
    enrol(db, treated=NOW - timedelta(days=3, hours=1), pref="none" if stop == "none" else "both")
    with db.session() as s:
        from checkins.storage.models import Patient

        p = s.scalars(select(Patient)).one()
        if stop == "discharge":
            patients.discharge(session=s, actor=ADMIN, patient_id=p.id, reason="done", now=NOW)
        elif stop == "opt_out":
            p.opted_out_at = NOW
    report = worker.run_once(db, channels, signing_key=LINK_KEY, now=NOW)
    assert report.queued_reminders == 0 and report.sent == 0
    assert smtp.inbox.messages == [] and sms.received == []


def test_a_reply_tells_the_patient_with_their_link_and_nothing_clinical(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer, sms: SmsApi
) -> None:
    tid = enrol(db, pref="email")
    item = urgent(db, store, tid)
    lee = make_provider(db, "dr.lee", "Dr. Lee")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
        queue.reply(
            session=s,
            signing_key=LINK_KEY,
            actor=lee,
            item_id=item,
            body="Please come in at 3 pm today.",
        )
    # The reply is queued at the real time it was written (after NOW): run the worker then.
    worker.run_once(db, channels, signing_key=LINK_KEY)
    # Only the reply notice matters here: run at the real time, the worker may also send the
    # day-3 reminder, which falls due on the calendar day after NOW (from 09:00 in New York).
    to_patient = [
        m
        for m in smtp.inbox.wait_for(2)
        if m["To"] == "ana@example.com" and "reminder" not in m["Message-ID"]
    ]
    assert len(to_patient) == 1
    body = to_patient[0].get_payload(decode=True).decode()
    assert "care team replied" in body and "?t=" in body and "3 pm" not in body
    # The notice's link is issued (checked and audited) as the provider who replied.
    assert ("Dr. Lee", "provider") in _link_issuers(db)


def _link_issuers(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEvent.actor, AuditEvent.role).where(AuditEvent.action == "link.issue")
        )
        return sorted({(str(a), str(r)) for a, r in rows})


def test_out_of_hours_the_rota_decides_who_is_alerted(
    db: Database, store: PhotoStore, channels: Channels, smtp: SmtpServer
) -> None:
    tid = enrol(db)
    with db.session() as s:
        hours = clinic.parse_office_hours("mon-fri 09:00-17:00")
        clinic.set_clinic(
            session=s, actor=ADMIN, name="Maple Skin", phone="(555) 010-0142", office_hours=hours
        )
        rota = ["front@maple.example daytime", "night@maple.example"]
        alerts.set_contacts(session=s, actor=ADMIN, emails=rota)
    night = NOW + timedelta(hours=10)  # 01:00 in New York: the office is closed
    answers = calm_answers(temperature={"value": 102.4, "unit": "F"})
    with db.session() as s:
        intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, answers=answers, photos=[],
            client_submission_id="night-0001", submitted_at=night,
        )  # fmt: skip
    worker.run_once(db, channels, signing_key=LINK_KEY, now=night + timedelta(hours=1))
    assert [m["To"] for m in smtp.inbox.wait_for(1)] == ["night@maple.example"]
