"""Two clinics in one database: a user of clinic A never reads or changes anything of clinic B.

Each clinic holds a patient with an urgent case (a check-in with a photo), a provider, an admin
and an on-call contact. Every service is called as A's staff with B's ids (a forged case id,
photo id, patient id, treatment id, link, username): each answers exactly as it answers a
missing id, and B's rows are unchanged afterwards. A's own ids work (so each check can fail).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkins import links
from checkins.domain import AccessDenied, NotFound, Role
from checkins.imaging import synthetic
from checkins.services import (
    alerts,
    case_export,
    clinic,
    drafts,
    fhir_export,
    intake,
    patients,
    queue,
    trends,
    users,
)
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, Message, Patient, ReviewItem, Treatment, User
from checkins.storage.photos import PhotoStore
from tests.services.helpers import ADMIN, LINK_KEY, RULES, TREATED_AT, at, calm_answers


@dataclass(frozen=True)
class Clinic:
    id: int
    admin: Actor
    provider: Actor
    patient_id: int
    treatment_id: int
    item_id: int
    photo_id: int
    token: str
    username: str


def _photo() -> intake.PreparedPhoto:
    data = synthetic.to_jpeg(
        synthetic.skin_photo(width=640, height=480, tone="medium", redness=0.3, seed=3)
    )
    return intake.prepare_photo(data, name="cheek.jpg", isolated=False)


def _staff(s: Session, clinic_id: int, username: str, role: Role) -> Actor:
    u = User(clinic_id=clinic_id, username=username, display_name=username, role=role.value)
    s.add(u)
    s.flush()
    return users.actor_for(u)


def _clinic(db: Database, store: PhotoStore, clinic_id: int, tag: str) -> Clinic:
    with db.session() as s:
        admin = _staff(s, clinic_id, f"admin.{tag}", Role.ADMIN)
        provider = _staff(s, clinic_id, f"dr.{tag}", Role.PROVIDER)
        alerts.set_contacts(session=s, actor=admin, emails=[f"oncall@{tag}.example"])
        p = patients.add_patient(
            session=s, actor=admin, name=f"Pat {tag}", birth_date=TREATED_AT.date().replace(
                year=1980
            ), phone="(555) 010-0199",
        )  # fmt: skip
        t = clinic.create_treatment(
            session=s, actor=admin, patient_id=p.id, procedure="microneedling_rf",
            treated_at=TREATED_AT,
        )  # fmt: skip
        result = intake.submit_checkin(
            session=s, store=store, actor=admin, treatment_id=t.id,
            answers=calm_answers(drainage_like_pus=True), photos=[_photo()],
            client_submission_id=f"isolation-{tag}", submitted_at=at(30), ruleset=RULES,
        )  # fmt: skip
        assert result.review_item_id is not None
        token = links.make_token(
            key=LINK_KEY, treatment_id=t.id, generation=1, expires_at=at(24 * 60)
        )
        return Clinic(
            id=clinic_id, admin=admin, provider=provider, patient_id=p.id, treatment_id=t.id,
            item_id=result.review_item_id, photo_id=result.photos[0].id, token=token,
            username=f"dr.{tag}",
        )  # fmt: skip


@pytest.fixture
def two(db: Database, store: PhotoStore) -> tuple[Database, PhotoStore, Clinic, Clinic]:
    with db.session() as s:
        clinic.set_clinic(
            session=s, actor=Actor.system(1), name="Clinic A", phone="(555) 010-0101",
            office_hours=clinic.ALWAYS_OPEN,
        )  # fmt: skip
        b_id = clinic.add_clinic(
            session=s,
            actor=ADMIN,
            name="Clinic B",
            phone="(555) 010-0202",
            office_hours=clinic.ALWAYS_OPEN,
        ).id
    return db, store, _clinic(db, store, 1, "a"), _clinic(db, store, b_id, "b")


def _snapshot(db: Database, c: Clinic) -> tuple[Any, ...]:
    """Everything of clinic ``c`` a forged call could change."""
    with db.read() as r:
        item = r.get(ReviewItem, c.item_id)
        t = r.get(Treatment, c.treatment_id)
        p = r.get(Patient, c.patient_id)
        u = r.scalar(select(User).where(User.username == c.username))
        assert item and t and p and u
        return (
            item.status, item.claimed_by, item.version, item.disposition,
            t.link_generation, tuple(t.schedule_days), p.display_name, p.discharged_at,
            u.active, u.password_hash, u.locked_until,
            r.scalar(select(func.count(Message.id)).where(Message.treatment_id == t.id)),
            tuple(v.address for v in alerts.list_contacts(session=r, actor=Actor.system(c.id))),
            clinic.get_clinic(session=r, actor=Actor.system(c.id)),
        )  # fmt: skip


# Each call: (name, what it does as `actor` with ids of `target`). Called with A's staff and
# B's ids it must raise the same error a missing id raises; with A's ids it must work.
Call = Callable[[Session, PhotoStore, Actor, Clinic], Any]
MISSING = 10**6


def _missing(c: Clinic) -> Clinic:
    from dataclasses import replace

    return replace(
        c, patient_id=MISSING, treatment_id=MISSING, item_id=MISSING, photo_id=MISSING,
        token=links.make_token(key=LINK_KEY, treatment_id=MISSING, generation=1,
                               expires_at=at(24 * 60)),
        username="nobody.here",
    )  # fmt: skip


BY_ID: dict[str, Call] = {
    "case view": lambda s, st, a, c: queue.open_case(session=s, actor=a, item_id=c.item_id),
    "claim": lambda s, st, a, c: queue.claim(session=s, actor=a, item_id=c.item_id),
    "release": lambda s, st, a, c: queue.release(session=s, actor=a, item_id=c.item_id),
    "resolve": lambda s, st, a, c: queue.resolve(
        session=s, actor=a, item_id=c.item_id, disposition="no_action_needed"
    ),
    "reply": lambda s, st, a, c: queue.reply(
        session=s, actor=a, signing_key=LINK_KEY, item_id=c.item_id, body="Hello"
    ),
    "take over": lambda s, st, a, c: queue.take_over(
        session=s, actor=a, item_id=c.item_id, reason="away"
    ),
    "photo fetch": lambda s, st, a, c: queue.photo_bytes(
        session=s, store=st, actor=a, photo_id=c.photo_id
    ),
    "patient view": lambda s, st, a, c: patients.get_patient(
        session=s, actor=a, patient_id=c.patient_id
    ),
    "patient record": lambda s, st, a, c: patients.patient_record(
        session=s, actor=a, patient_id=c.patient_id
    ),
    "patient edit": lambda s, st, a, c: patients.update_patient(
        session=s,
        actor=a,
        patient_id=c.patient_id,
        name="Changed",
        birth_date=TREATED_AT.date(),
        phone="(555) 010-0199",
        email=None,
        language="en",
        contact_preference="sms",
    ),
    "discharge": lambda s, st, a, c: patients.discharge(
        session=s, actor=a, patient_id=c.patient_id, reason="done"
    ),
    "treatment detail": lambda s, st, a, c: patients.get_treatment_detail(
        session=s, actor=a, treatment_id=c.treatment_id
    ),
    "schedule edit": lambda s, st, a, c: patients.set_schedule(
        session=s, actor=a, treatment_id=c.treatment_id, days=[2, 4]
    ),
    "new treatment": lambda s, st, a, c: patients.record_treatment(
        session=s,
        actor=a,
        patient_id=c.patient_id,
        procedure="microneedling",
        treated_at=at(24 * 5),
        now=at(24 * 6),
    ),
    "link issue": lambda s, st, a, c: links.issue_link(
        session=s, actor=a, key=LINK_KEY, treatment_id=c.treatment_id
    ),
    "link revoke": lambda s, st, a, c: links.revoke_links(
        session=s, actor=a, treatment_id=c.treatment_id
    ),
    "link for patient": lambda s, st, a, c: links.treatment_to_link(
        session=s, actor=a, patient_id=c.patient_id
    ),
    "check-in": lambda s, st, a, c: intake.submit_checkin(
        session=s,
        store=st,
        actor=a,
        treatment_id=c.treatment_id,
        answers=calm_answers(),
        photos=[],
        client_submission_id=f"forged-{c.treatment_id}",
        submitted_at=at(50),
        ruleset=RULES,
    ),
    "case export": lambda s, st, a, c: case_export.case_summary_pdf(
        session=s, store=st, actor=a, item_id=c.item_id
    ),
    "FHIR export of a case": lambda s, st, a, c: fhir_export.export_bundle(
        session=s, actor=a, item_id=c.item_id
    ),
    "FHIR export of a patient": lambda s, st, a, c: fhir_export.export_bundle(
        session=s, actor=a, patient_id=c.patient_id
    ),
    "user set password": lambda s, st, a, c: users.set_password(
        session=s, actor=a, username=c.username, password="a long new password 1"
    ),
    "user deactivate": lambda s, st, a, c: users.set_active(
        session=s, actor=a, username=c.username, active=False
    ),
    "user unlock": lambda s, st, a, c: users.unlock(session=s, actor=a, username=c.username),
    "user read": lambda s, st, a, c: users.get_user(session=s, actor=a, username=c.username),
}
PROVIDER_CALLS = {
    "case view", "claim", "release", "resolve", "reply", "take over", "photo fetch",
    "case export", "FHIR export of a case", "FHIR export of a patient",
}  # fmt: skip


def _unquoted(message: str, c: Clinic) -> str:
    for value in (c.patient_id, c.treatment_id, c.item_id, c.photo_id):
        message = re.sub(rf"\b{value}\b", "N", message)
    return message.replace(repr(c.username), "NAME")


def _error(call: Call, db: Database, store: PhotoStore, actor: Actor, c: Clinic) -> Exception:
    with db.session() as s:
        try:
            call(s, store, actor, c)
        except (NotFound, AccessDenied) as e:
            s.rollback()
            return e
    raise AssertionError("the call went through")


@pytest.mark.parametrize("name", sorted(BY_ID))
def test_a_forged_id_of_another_clinic_reads_as_a_missing_one(
    two: tuple[Database, PhotoStore, Clinic, Clinic], name: str
) -> None:
    db, store, a, b = two
    actor = a.provider if name in PROVIDER_CALLS else a.admin
    call = BY_ID[name]
    before = _snapshot(db, b)
    forged = _error(call, db, store, actor, b)
    missing = _error(call, db, store, actor, _missing(b))
    # The same sentence (only the id it quotes differs) and the same code.
    assert (type(forged), forged.code, _unquoted(forged.message, b)) == (
        type(missing), missing.code, _unquoted(missing.message, _missing(b)),
    )  # fmt: skip
    assert _snapshot(db, b) == before
    if name not in ("release", "take over"):  # these need a case someone else holds
        with db.session() as s:
            call(s, store, actor, a)  # the same call on A's own ids works


def _visible_patients(s: Session, actor: Actor) -> set[int]:
    page = patients.search_patients(session=s, actor=actor, text="")
    return {p.id for p in page.rows}


def test_lists_hold_only_the_actors_clinic(
    two: tuple[Database, PhotoStore, Clinic, Clinic],
) -> None:
    db, _, a, b = two
    with db.session() as s:
        for who, other in ((a, b), (b, a)):
            rows = queue.list_queue(session=s, actor=who.provider).rows
            assert {r.item_id for r in rows} == {who.item_id}
            assert queue.count_open(session=s, actor=who.provider) == 1
            assert _visible_patients(s, who.admin) == {who.patient_id}
            found = patients.search_patients(session=s, actor=who.admin, text="Pat")
            assert {p.id for p in found.rows} == {who.patient_id}
            assert {t.id for t in clinic.list_treatments(session=s, actor=who.provider)} == {
                who.treatment_id
            }
            assert {t.treatment_id for t in links.list_link_targets(
                session=s, actor=who.provider)} == {who.treatment_id}  # fmt: skip
            assert {u.username for u in users.list_users(session=s, actor=who.admin)} == {
                who.username,
                who.username.replace("dr.", "admin."),
            }
            contacts = alerts.list_contacts(session=s, actor=who.admin)
            assert [c.address for c in contacts] == [
                f"oncall@{who.username.removeprefix('dr.')}.example"
            ]
            bundle = fhir_export.export_bundle(session=s, actor=who.provider)
            names = {
                e["resource"]["name"][0]["text"]
                for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Patient"
            }
            assert names == {f"Pat {who.username.removeprefix('dr.')}"}
            assert other.patient_id not in _visible_patients(s, who.admin)
            delivered = alerts.deliveries(session=s, actor=who.admin)
            assert {d.to for d in delivered} == {
                f"oncall@{who.username.removeprefix('dr.')}.example"
            }
            assert alerts.deliveries(session=s, actor=who.admin, patient_id=other.patient_id) == []


def test_clinic_settings_and_contacts_are_each_clinics_own(
    two: tuple[Database, PhotoStore, Clinic, Clinic],
) -> None:
    db, _, a, b = two
    with db.session() as s:
        clinic.set_clinic(session=s, actor=a.admin, name="Clinic A renamed", phone="(555) 010-0303")
        alerts.set_contacts(session=s, actor=a.admin, emails=["new@a.example"])
    with db.read() as r:
        assert clinic.get_clinic(session=r, actor=a.admin).name == "Clinic A renamed"
        mine_b = clinic.get_clinic(session=r, actor=b.admin)
        assert (mine_b.name, mine_b.phone) == ("Clinic B", "(555) 010-0202")
        assert [c.address for c in alerts.list_contacts(session=r, actor=b.admin)] == [
            "oncall@b.example"
        ]


def test_a_link_acts_in_its_treatments_clinic_only(
    two: tuple[Database, PhotoStore, Clinic, Clinic],
) -> None:
    db, store, a, b = two
    with db.session() as s:
        patient_b = links.verify_token(session=s, key=LINK_KEY, token=b.token, now=at(40))
        assert patient_b.clinic_id == b.id
        with pytest.raises(AccessDenied):  # B's patient, A's treatment
            clinic.patient_home(session=s, actor=patient_b, treatment_id=a.treatment_id)
        with pytest.raises(NotFound) as photo:  # A's photo through B's link
            queue.photo_bytes(session=s, store=store, actor=patient_b, photo_id=a.photo_id)
        assert photo.value.message == "That photo is not available."
        # A patient actor claiming A's treatment while holding B's clinic reads nothing of A.
        forged = Actor(role=Role.PATIENT, name="forged", patient_id=b.patient_id,
                       treatment_id=a.treatment_id, clinic_id=b.id)  # fmt: skip
        with pytest.raises(NotFound):
            clinic.patient_home(session=s, actor=forged, treatment_id=a.treatment_id)
        with pytest.raises(NotFound):
            queue.photo_bytes(session=s, store=store, actor=forged, photo_id=a.photo_id)
        # A draft is kept in the link's own clinic, and read back only there.
        drafts.save(
            session=s, store=store, actor=patient_b, signing_key=LINK_KEY, token=b.token,
            answers={"notes": "b's draft"}, photos=[], allowed=frozenset({"notes"}), now=at(40),
        )  # fmt: skip
    with db.session() as s:
        kept = drafts.load(
            session=s, store=store, actor=patient_b, signing_key=LINK_KEY, token=b.token,
            allowed=frozenset({"notes"}), now=at(41),
        )  # fmt: skip
        assert kept is not None and kept.answers == {"notes": "b's draft"}
        stranger = Actor(role=Role.PATIENT, name="x", patient_id=b.patient_id,
                         treatment_id=b.treatment_id, clinic_id=a.id)  # fmt: skip
        assert drafts.load(
            session=s, store=store, actor=stranger, signing_key=LINK_KEY, token=b.token,
            allowed=frozenset({"notes"}), now=at(41),
        ) is None  # fmt: skip


def test_trends_are_one_clinics_unless_a_manager_chooses_their_organisations(
    two: tuple[Database, PhotoStore, Clinic, Clinic],
) -> None:
    db, _, a, b = two
    with db.session() as s:
        third = clinic.add_clinic(session=s, actor=ADMIN, name="Clinic C", organisation="Org").id
        s.execute(ClinicSettingsUpdate.organisation(a.id, "Org"))
        manager_u = User(clinic_id=a.id, username="boss", display_name="Boss", role="manager")
        s.add(manager_u)
        s.flush()
    with db.read() as r:
        manager = users.active_actor(session=r, user_id=manager_u.id)
        assert manager is not None
        assert manager.organisation_clinics == frozenset({a.id, third})
        own = trends.overview(session=r, actor=a.provider)
        assert (own.open_cases, own.resolved_cases) == (1, 0)
        both = trends.overview(session=r, actor=manager, clinics=[a.id, third])
        assert both.open_cases == 1
        with pytest.raises(AccessDenied):  # B is not of the manager's organisation
            trends.overview(session=r, actor=manager, clinics=[b.id])
        with pytest.raises(AccessDenied):  # nobody but a manager reads another clinic
            trends.overview(session=r, actor=a.provider, clinics=[b.id])
        report = trends.report(session=r, actor=manager, clinics=[third])
        assert report.overview.open_cases == 0 and report.volume == ()


class ClinicSettingsUpdate:
    @staticmethod
    def organisation(clinic_id: int, org: str) -> Any:
        from sqlalchemy import update

        from checkins.storage.models import ClinicSettings

        return update(ClinicSettings).where(ClinicSettings.id == clinic_id).values(organisation=org)


def test_audit_events_carry_their_clinic(two: tuple[Database, PhotoStore, Clinic, Clinic]) -> None:
    db, _, a, b = two
    with db.read() as r:
        clinics = set(r.scalars(select(AuditEvent.clinic_id)).all())
    assert clinics == {a.id, b.id}
