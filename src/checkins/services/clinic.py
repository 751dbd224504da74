"""Clinic settings, patients and treatments; the patient's own view of their treatment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkins import access
from checkins.domain import (
    DEFAULT_SCHEDULE_DAYS,
    PROCEDURES,
    InvalidInput,
    NotFound,
    day_since,
    utcnow,
)
from checkins.services import audit
from checkins.services.convert import checkin_view, message_view, treatment_view
from checkins.services.views import Actor, ClinicView, PatientHome, TreatmentView
from checkins.storage.models import CheckIn, ClinicSettings, Message, Patient, Treatment

DEFAULT_CLINIC = ClinicView(
    name="Demo Skin Clinic",
    phone="(555) 010-0100",
    time_zone="America/New_York",
    target_response_minutes=60,
)


def get_clinic(*, session: Session) -> ClinicView:
    row = session.get(ClinicSettings, 1)
    if row is None:
        return DEFAULT_CLINIC
    return ClinicView(
        name=row.name,
        phone=row.phone,
        time_zone=row.time_zone,
        target_response_minutes=row.target_response_minutes,
        reference_card=row.reference_card,
    )


def set_clinic(
    *,
    session: Session,
    name: str,
    phone: str,
    time_zone: str = "America/New_York",
    target_response_minutes: int = 60,
    reference_card: bool | None = None,
    by: Actor | None = None,
) -> ClinicView:
    """Save the clinic's settings (audited when ``by`` names who changed them)."""
    if not name.strip() or not phone.strip():
        raise InvalidInput("The clinic needs a name and a phone number patients can call.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"“{time_zone}” is not a time zone we know; use a name like America/New_York."
        ) from None
    if target_response_minutes <= 0:
        raise InvalidInput("The target response time must be at least one minute.")
    row = session.get(ClinicSettings, 1)
    if row is None:
        row = ClinicSettings(id=1, name=name, phone=phone)
        session.add(row)
    row.name, row.phone, row.time_zone = name.strip(), phone.strip(), time_zone
    row.target_response_minutes = target_response_minutes
    if reference_card is not None:
        row.reference_card = reference_card
    if by is not None:
        audit.record(session=session, actor=by, action="clinic.update")
    session.flush()
    return get_clinic(session=session)


def create_patient(*, session: Session, display_name: str, phone: str | None = None) -> int:
    if not display_name.strip():
        raise InvalidInput("A patient needs a name.")
    patient = Patient(display_name=display_name.strip(), phone=phone)
    session.add(patient)
    session.flush()
    return patient.id


def create_treatment(
    *,
    session: Session,
    patient_id: int,
    procedure: str,
    treated_at: datetime,
    areas: Sequence[str] = ("face",),
    needle_depth_mm: float | None = None,
    antiviral_prescribed: bool = False,
    schedule_days: Sequence[int] = DEFAULT_SCHEDULE_DAYS,
) -> TreatmentView:
    if procedure not in PROCEDURES:
        raise InvalidInput(f"Unknown procedure {procedure!r}; use one of {', '.join(PROCEDURES)}.")
    if session.get(Patient, patient_id) is None:
        raise NotFound(f"There is no patient {patient_id}.")
    if needle_depth_mm is not None and not 0 < needle_depth_mm <= 4:
        raise InvalidInput("Needle depth is given in millimetres, between 0 and 4.")
    t = Treatment(
        patient_id=patient_id,
        procedure=procedure,
        treated_at=treated_at,
        areas=list(areas),
        needle_depth_mm=needle_depth_mm,
        antiviral_prescribed=antiviral_prescribed,
        schedule_days=sorted({int(d) for d in schedule_days}),
    )
    session.add(t)
    session.flush()
    return get_treatment(session=session, treatment_id=t.id)


def _treatment(session: Session, treatment_id: int) -> Treatment:
    t = session.get(Treatment, treatment_id, options=[selectinload(Treatment.patient)])
    if t is None:
        raise NotFound("That treatment no longer exists; please contact the clinic.")
    return t


def get_treatment(*, session: Session, treatment_id: int) -> TreatmentView:
    return treatment_view(_treatment(session, treatment_id))


def list_treatments(*, session: Session) -> list[TreatmentView]:
    rows = session.scalars(
        select(Treatment).options(selectinload(Treatment.patient)).order_by(Treatment.id)
    )
    return [treatment_view(t) for t in rows]


def next_checkin_day(schedule_days: Sequence[int], today: int) -> int | None:
    later = [d for d in sorted(schedule_days) if d > today]
    return later[0] if later else None


def patient_home(
    *,
    session: Session,
    actor: Actor,
    treatment_id: int,
    now: datetime | None = None,
    audit_read: bool = True,
) -> PatientHome:
    """What a patient's link opens: their treatment, today's day, history and replies.

    ``audit_read=False`` is for a page's reruns after its first, audited, read in one visit.
    """
    access.require_treatment_access(actor, treatment_id)
    t = _treatment(session, treatment_id)
    now = now or utcnow()
    if now >= t.treated_at:
        day = day_since(t.treated_at, now)
    else:
        day = -max(1, (t.treated_at.date() - now.date()).days)
    checkins = session.scalars(
        select(CheckIn)
        .where(CheckIn.treatment_id == treatment_id)
        .options(selectinload(CheckIn.photos), selectinload(CheckIn.triage))
        .order_by(CheckIn.submitted_at)
    ).all()
    messages = session.scalars(
        select(Message).where(Message.treatment_id == treatment_id).order_by(Message.created_at)
    ).all()
    authors = _author_names(session, [m.author_user_id for m in messages])
    if audit_read:
        audit.record(
            session=session,
            actor=actor,
            action="view_patient_home",
            patient_id=t.patient_id,
            object_type="treatment",
            object_id=t.id,
        )
    return PatientHome(
        clinic=get_clinic(session=session),
        treatment=treatment_view(t),
        day_since_treatment=day,
        history=tuple(checkin_view(c) for c in checkins),
        messages=tuple(message_view(m, authors) for m in messages),
        next_checkin_day=next_checkin_day(t.schedule_days, day),
    )


def _author_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    from checkins.storage.models import User

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}
