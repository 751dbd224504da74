"""Clinic settings and link issuing: validated, and audited when a person makes the change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from checkins import links
from checkins.domain import InvalidInput
from checkins.services import clinic
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent

from .helpers import ADMIN, LINK_KEY, make_treatment


def test_settings_refuse_an_unknown_time_zone_and_audit_a_change(db: Database) -> None:
    with db.session() as s, pytest.raises(InvalidInput, match="not a time zone"):
        clinic.set_clinic(
            session=s, name="C", phone="(555) 010-0111", time_zone="Mars/Olympus", actor=ADMIN
        )
    with db.session() as s:
        view = clinic.set_clinic(
            session=s, name="C", phone="(555) 010-0111", time_zone="Europe/Paris", actor=ADMIN
        )
    assert view.time_zone == "Europe/Paris"
    with db.read() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert actions == ["clinic.update"]


def test_issuing_a_link_is_audited_with_the_patient(db: Database) -> None:
    tid = make_treatment(db)
    with db.session() as s:
        url = links.issue_link(session=s, key=LINK_KEY, actor=ADMIN, treatment_id=tid)
    assert "?t=" in url
    with db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "link.issue")).one()
    assert event.object_id == tid and event.patient_id is not None and event.actor == ADMIN.name


def test_the_reference_card_setting_defaults_off_and_is_kept(db: Database) -> None:
    with db.session() as s:
        assert (
            clinic.set_clinic(
                session=s, actor=ADMIN, name="C", phone="(555) 010-0111"
            ).reference_card
            is False
        )
        assert clinic.set_clinic(
            session=s, actor=ADMIN, name="C", phone="(555) 010-0111", reference_card=True
        ).reference_card
        # A change to other settings leaves it as it was.
        assert (
            clinic.set_clinic(
                session=s, actor=ADMIN, name="C2", phone="(555) 010-0111"
            ).reference_card
            is True
        )


def test_the_browsers_language_is_kept_once_and_never_over_a_choice(db: Database) -> None:
    """A not-asked patient's first visit keeps their browser's language (audited); a later
    browser, or one of a patient whose language was chosen, changes nothing."""
    from checkins.domain import Role
    from checkins.services.views import Actor
    from checkins.storage.models import Patient, Treatment

    tid = make_treatment(db)
    me = Actor(role=Role.PATIENT, name="Pat", treatment_id=tid, clinic_id=1)

    def language() -> str | None:
        with db.read() as s:
            treatment = s.get(Treatment, tid)
            assert treatment is not None
            patient = s.get(Patient, treatment.patient_id)
            assert patient is not None
            return patient.language

    assert language() is None
    with db.session() as s:
        assert clinic.keep_browser_language(session=s, actor=me, language="es")
    assert language() == "es"
    with db.session() as s:  # another visit, from an English browser: the first one stands
        assert not clinic.keep_browser_language(session=s, actor=me, language="en")
    assert language() == "es"
    with db.session() as s:  # the patient's own switch still changes it
        assert clinic.set_patient_language(session=s, actor=me, language="en")
        assert not clinic.keep_browser_language(session=s, actor=me, language="es")
    assert language() == "en"
    with db.read() as s:
        details = s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "patient.language")
            .order_by(AuditEvent.id)
        ).all()
    assert details == ["language=es (their browser's)", "language=en"]
    with db.session() as s, pytest.raises(InvalidInput, match="Unknown language"):
        clinic.keep_browser_language(session=s, actor=me, language="fr")
