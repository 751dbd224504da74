"""Builders shared by the service tests: a clinic, a patient with a treatment, answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from checkins.domain import Answers, Role
from checkins.links import LinkKey
from checkins.rules import load_rules
from checkins.services import clinic
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import User

TREATED_AT = datetime(2026, 11, 20, 10, 0, 0)
# The clinic every migrated database starts with (migration 0009); tests of several clinics
# add more with `clinic.add_clinic`.
CLINIC = 1
ADMIN = Actor(role=Role.ADMIN, name="test admin", clinic_id=CLINIC)
# The shipped rules, loaded once as an entry point does, for every service call that needs them.
RULES = load_rules()
# The link key tests sign and verify with (the entry points load theirs with links.load_key).
LINK_KEY = LinkKey(b"a test link key, long enough to sign with")


def calm_answers(**overrides: Any) -> Answers:
    data: dict[str, Any] = {
        "temperature": {"value": 98.6, "unit": "F"},
        "drainage_like_pus": False,
        "increased_warmth": False,
        "swelling": "none",
        "redness": "mild",
        "oozing": False,
        "pain": 2,
        "picked_or_peeled_skin": False,
        "notes": "",
    }
    data.update(overrides)
    return Answers.model_validate(data)


def make_treatment(
    db: Database,
    *,
    procedure: str = "microneedling_rf",
    name: str = "Pat Test",
    treated_at: datetime = TREATED_AT,
) -> int:
    with db.session() as s:
        clinic.set_clinic(
            session=s,
            actor=ADMIN,
            name="Test Clinic",
            phone="(555) 000-1234",
            office_hours=clinic.ALWAYS_OPEN,
        )
        pid = clinic.create_patient(session=s, actor=ADMIN, display_name=name)
        return clinic.create_treatment(
            session=s, actor=ADMIN, patient_id=pid, procedure=procedure, treated_at=treated_at
        ).id


def make_provider(db: Database, username: str, name: str) -> Actor:
    with db.session() as s:
        u = User(username=username, display_name=name, role=Role.PROVIDER.value, clinic_id=CLINIC)
        s.add(u)
        s.flush()
        return Actor(role=Role.PROVIDER, name=name, user_id=u.id, clinic_id=CLINIC)


def at(hours: float) -> datetime:
    return TREATED_AT + timedelta(hours=hours)
