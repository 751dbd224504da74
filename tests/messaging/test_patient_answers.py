"""The patient answers from their page: the message joins the case's thread and the case is a
review again; the email's stop link opts them out of reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from checkins.domain import AccessDenied, InvalidInput, Role
from checkins.services import clinic, queue
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import Message, Patient, ReviewItem
from checkins.storage.photos import PhotoStore

from ..services.helpers import LINK_KEY, make_provider
from .test_outbox import NOW, enrol, urgent


def patient(tid: int) -> Actor:
    return Actor(role=Role.PATIENT, name="patient link", treatment_id=tid, clinic_id=1)


def test_an_answer_reopens_the_resolved_case_as_a_review(db: Database, store: PhotoStore) -> None:
    tid = enrol(db)
    item = urgent(db, store, tid)
    lee = make_provider(db, "dr.lee", "Dr. Lee")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
        queue.reply(
            session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="How is it today?"
        )
        queue.resolve(session=s, actor=lee, item_id=item, disposition="contacted_patient")
    with db.session() as s:
        version = s.get(ReviewItem, item).version  # type: ignore[union-attr]
        clinic.patient_reply(session=s, actor=patient(tid), body="Better, thank you",
                             now=NOW + timedelta(hours=3))  # fmt: skip
    with db.read() as s:
        row = s.get(ReviewItem, item)
        assert row is not None and row.status == "new" and row.claimed_by is None
        assert row.version == version + 1
        thread = s.scalars(select(Message.direction).where(Message.review_item_id == item)).all()
    assert thread == ["to_patient", "from_patient"]  # stored as the enum's values
    with db.session() as s:
        page = queue.list_queue(session=s, actor=lee)
    assert item in [r.item_id for r in page.rows]


def test_answers_are_checked(db: Database) -> None:
    tid = enrol(db)
    with db.session() as s:
        with pytest.raises(InvalidInput):
            clinic.patient_reply(session=s, actor=patient(tid), body="  ")
        with pytest.raises(AccessDenied):
            clinic.patient_reply(session=s, actor=make_provider(db, "x", "X"), body="hi")


def test_the_stop_link_opts_the_patient_out_once(db: Database) -> None:
    tid = enrol(db)
    with db.session() as s:
        assert clinic.opt_out(session=s, actor=patient(tid), now=NOW) is True
        assert clinic.opt_out(session=s, actor=patient(tid), now=NOW) is False
    with db.read() as s:
        assert s.scalars(select(Patient.opted_out_at)).one() == NOW
