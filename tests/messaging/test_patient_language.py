"""A patient's reminders and reply notices are queued in the patient's own language: Spanish
for a Spanish-speaking patient, English for an English one, on every channel they chose; and
English for one whose language was never asked and who has not opened their link yet."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from checkins.messaging import outbox
from checkins.messaging.worker import worker_actor
from checkins.services import clinic, intake, patients, queue
from checkins.storage.db import Database
from checkins.storage.models import OutboxMessage
from checkins.storage.photos import PhotoStore

from ..services.helpers import ADMIN, LINK_KEY, RULES, calm_answers, make_provider

NOW = datetime(2026, 12, 2, 15, 0)  # naive UTC: 10:00 in New York, after the reminder hour

# What each message says, in each language (the catalog's words, checked here by hand).
EXPECTED: dict[str | None, dict[str, str]] = {
    "es": {
        "reminder": "hoy le toca enviar un control",
        "reply_notice": "su equipo de atención respondió a su control",
        "email": "Este enlace es personal",
        "sms": "Responda STOP para no recibir más mensajes.",
    },
    "en": {
        "reminder": "today is a check-in day",
        "reply_notice": "your care team replied to your check-in",
        "email": "This link is personal",
        "sms": "Reply STOP to opt out.",
    },
}
# Not asked, link never opened: no browser has chosen, so English (i18n.MESSAGE_FALLBACK).
EXPECTED[None] = EXPECTED["en"]
OTHER = {"es": "en", "en": "es", None: "es"}


def enrol(db: Database, language: str | None) -> int:
    """A patient speaking ``language``, messaged by email and SMS, whose day-3 check-in is due."""
    with db.session() as s:
        clinic.set_clinic(session=s, actor=ADMIN, name="Maple Skin", phone="(555) 010-0142",
                          office_hours=clinic.ALWAYS_OPEN)  # fmt: skip
        pid = patients.add_patient(
            session=s, actor=ADMIN, name="Lucía Prueba", birth_date=date(1985, 3, 2),
            phone="(555) 010-0300", email="lucia@example.com", language=language,
            contact_preference="both",
        ).id  # fmt: skip
        return patients.record_treatment(
            session=s, actor=ADMIN, patient_id=pid, procedure="microneedling",
            treated_at=NOW - timedelta(days=3, hours=1), now=NOW,
        ).treatment.id  # fmt: skip


def queued(db: Database, kind: str) -> dict[str, OutboxMessage]:
    with db.read() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        s.expunge_all()
    return {m.channel: m for m in rows}


@pytest.mark.parametrize("language", ["es", "en", None], ids=["es", "en", "not-asked"])
def test_reminders_and_reply_notices_are_queued_in_the_patients_language(
    sqlite_db: Database, store: PhotoStore, language: str | None
) -> None:
    db = sqlite_db
    tid = enrol(db, language)
    with db.session() as s:
        assert (
            outbox.queue_due_reminders(
                session=s, signing_key=LINK_KEY, actor_for=worker_actor, now=NOW
            )
            == 2
        )
    with db.session() as s:
        done = intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid,
            answers=calm_answers(temperature={"value": 102.4, "unit": "F"}), photos=[],
            client_submission_id="urgent-0001", submitted_at=NOW,
        )  # fmt: skip
    assert done.review_item_id is not None
    lee = make_provider(db, "dr.lee", "Dr. Lee")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=done.review_item_id)
        queue.reply(session=s, signing_key=LINK_KEY, actor=lee, item_id=done.review_item_id,
                    body="Please come in at 3 pm today.")  # fmt: skip

    said, other = EXPECTED[language], EXPECTED[OTHER[language]]
    for kind in ("reminder", "reply_notice"):
        messages = queued(db, kind)
        assert set(messages) == {"email", "sms"}, kind
        for channel, m in messages.items():
            text = f"{m.subject}\n{m.body}"
            assert said[kind] in text, (kind, channel, text)
            assert said[channel] in text, (kind, channel, text)
            assert other[kind] not in text and other[channel] not in text, (kind, channel, text)
