"""Enrolment: find and add patients, record treatments and their schedules, discharge.

Every function takes the acting user and checks access first (front desk, providers, admins);
every read of a patient's record and every change is audited through ``audit.record``.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from checkins import access, contact, i18n, schedule
from checkins.domain import (
    PROCEDURES,
    ChannelName,
    Conflict,
    ContactPreference,
    InvalidInput,
    NotFound,
    ReviewStatus,
    Role,
    Severity,
    utcnow,
)
from checkins.rules import RuleSet
from checkins.services import audit, scope, trends
from checkins.services.convert import checkin_view, message_view, treatment_view
from checkins.services.views import (
    Actor,
    AuditView,
    CaseSummary,
    PatientPage,
    PatientRecord,
    PatientView,
    ScheduledView,
    TreatmentDetail,
)
from checkins.storage.models import (
    AuditEvent,
    CheckIn,
    ClinicSettings,
    Message,
    Patient,
    ReviewItem,
    ScheduledCheckin,
    Treatment,
)

if TYPE_CHECKING:
    from checkins.links import LinkKey

# What the front desk may record. None, the first and default: not asked, so the patient's own
# phone decides (their page follows its language and keeps it for their messages).
LANGUAGES: dict[str | None, str] = {
    None: "Not asked: the phone's own language",
    "en": "English",
    "es": "Español",
}
CONTACT_PREFERENCES: dict[str, str] = {
    ContactPreference.SMS: "Text message",
    ContactPreference.EMAIL: "Email",
    ContactPreference.BOTH: "Text and email",
    ContactPreference.NONE: "No messages",
}
AREAS: dict[str, str] = {
    "face": "Face",
    "neck": "Neck",
    "decollete": "Décolleté",
    "hands": "Hands",
    "scar": "Scar",
    "other": "Other",
}
MIN_DEPTH_MM, MAX_DEPTH_MM = 0.25, 4.0
MAX_RF_LEVEL = 100.0
MAX_PAGE_SIZE = 100
# How many name matches a fuzzy search scores in Python after the database narrowed them down.
FUZZY_CANDIDATES = 2000
# A treatment entered up to this far ahead of the server's clock is clock skew, not the future.
CLOCK_SKEW = timedelta(minutes=10)


def language_label(language: str | None) -> str:
    """A patient's language as their record states it (the form's choice reads as a choice)."""
    return "language not asked (their phone's)" if language is None else LANGUAGES[language]


def search_key(name: str) -> str:
    """Lower case, accents and punctuation dropped, spaces folded: "José  O'Neil" → "jose oneil"."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() or c.isspace() else "" for c in plain.lower())
    return " ".join(kept.split())


def _clinic(session: Session, actor: Actor) -> ClinicSettings:
    row = session.get(ClinicSettings, access.clinic_of(actor))
    if row is None:
        raise InvalidInput(
            "The clinic is not set up yet: run `checkins init --clinic-name NAME --phone PHONE`.",
            code="no_clinic",
        )
    return row


def _view(p: Patient) -> PatientView:
    return PatientView(
        id=p.id,
        name=p.display_name,
        birth_date=p.birth_date,
        phone_e164=p.phone_e164,
        email=p.email,
        language=p.language,
        contact_preference=p.contact_preference,
        caregiver_name=p.caregiver_name,
        caregiver_phone_e164=p.caregiver_phone_e164,
        caregiver_email=p.caregiver_email,
        discharged_at=p.discharged_at,
        discharge_reason=p.discharge_reason,
        opted_out_at=p.opted_out_at,
        created_at=p.created_at,
    )


def _patient(session: Session, patient_id: int, actor: Actor) -> Patient:
    try:
        return scope.get(
            session, Patient, patient_id, actor, missing=f"There is no patient {patient_id}."
        )
    except NotFound as missing:
        missing.code = "unknown_patient"
        raise


def _treatment(session: Session, treatment_id: int, actor: Actor) -> Treatment:
    try:
        return scope.get(
            session, Treatment, treatment_id, actor,
            missing=f"There is no treatment {treatment_id}.",
            options=[selectinload(Treatment.patient)],
        )  # fmt: skip
    except NotFound as missing:
        missing.code = "unknown_treatment"
        raise


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise InvalidInput("A patient needs a name.", code="invalid_name")
    if len(text) > 200:
        raise InvalidInput("A name is at most 200 characters.", code="invalid_name")
    return text


def _clean_birth_date(value: date | None, today: date) -> date:
    if value is None:
        raise InvalidInput("A patient needs a date of birth.", code="invalid_birth_date")
    if value > today:
        raise InvalidInput(
            f"A date of birth cannot be in the future ({value.isoformat()}).",
            code="invalid_birth_date",
        )
    if value.year < 1900:
        raise InvalidInput(
            f"{value.isoformat()} is too long ago for a date of birth.", code="invalid_birth_date"
        )
    return value


def _contact_fields(
    *,
    phone: str | None,
    email: str | None,
    language: str | None,
    contact_preference: str,
    caregiver_name: str | None,
    caregiver_phone: str | None,
    caregiver_email: str | None,
) -> dict[str, object]:
    if language not in LANGUAGES:
        codes = ", ".join(code for code in LANGUAGES if code is not None)
        raise InvalidInput(
            f"Unknown language {language!r}; use one of {codes}, or no language (not asked).",
            code="invalid_language",
        )
    if contact_preference not in CONTACT_PREFERENCES:
        raise InvalidInput(
            f"Unknown contact preference {contact_preference!r}; use one of "
            f"{', '.join(CONTACT_PREFERENCES)}.",
            code="invalid_contact_preference",
        )
    phone_e164 = contact.optional_phone(phone, mobile=True)
    email_norm = contact.optional_email(email)
    wants = ContactPreference(contact_preference).wants
    if wants(ChannelName.SMS) and phone_e164 is None:
        raise InvalidInput("Text messages need the patient's mobile number.", code="invalid_phone")
    if wants(ChannelName.EMAIL) and email_norm is None:
        raise InvalidInput("Email messages need the patient's email address.", code="invalid_email")
    return {
        "phone_e164": phone_e164,
        "phone": contact.display_phone(phone_e164) or None,
        "email": email_norm,
        "language": language,
        "contact_preference": contact_preference,
        "caregiver_name": " ".join((caregiver_name or "").split()) or None,
        "caregiver_phone_e164": contact.optional_phone(caregiver_phone),
        "caregiver_email": contact.optional_email(caregiver_email),
    }


def _validated(
    name: str, birth_date: date | None, today: date | None, **contacts: Any
) -> tuple[str, date, dict[str, object]]:
    """A patient's details checked the same way on enrolment and on every edit."""
    clean = _clean_name(name)
    dob = _clean_birth_date(birth_date, today or utcnow().date())
    return clean, dob, _contact_fields(**contacts)


def find_duplicate(*, session: Session, actor: Actor, name: str, birth_date: date) -> int | None:
    """The id of a patient with the same name and date of birth, if there is one."""
    access.require_enrolment_access(actor)
    found: int | None = session.scalar(
        select(Patient.id)
        .where(
            scope.mine(Patient.clinic_id, actor),
            Patient.search_name == search_key(name),
            Patient.birth_date == birth_date,
        )
        .order_by(Patient.id)
        .limit(1)
    )
    return found


def add_patient(
    *,
    session: Session,
    actor: Actor,
    name: str,
    birth_date: date | None,
    phone: str | None = None,
    email: str | None = None,
    language: str | None = None,
    contact_preference: str = ContactPreference.SMS,
    caregiver_name: str | None = None,
    caregiver_phone: str | None = None,
    caregiver_email: str | None = None,
    allow_duplicate: bool = False,
    today: date | None = None,
) -> PatientView:
    """Enrol a patient. The same name and date of birth twice raises ``Conflict`` naming the
    existing record, unless ``allow_duplicate`` (two different people can share both)."""
    access.require_enrolment_access(actor)
    clean, dob, fields = _validated(
        name, birth_date, today, phone=phone, email=email, language=language,
        contact_preference=contact_preference, caregiver_name=caregiver_name,
        caregiver_phone=caregiver_phone, caregiver_email=caregiver_email,
    )  # fmt: skip
    existing = find_duplicate(session=session, actor=actor, name=clean, birth_date=dob)
    if existing is not None and not allow_duplicate:
        raise Conflict(
            f"{clean}, born {dob.isoformat()}, is already enrolled as patient {existing}: "
            "open that record instead.",
            code="duplicate_patient",
        )
    p = Patient(
        clinic_id=access.clinic_of(actor), display_name=clean, search_name=search_key(clean),
        birth_date=dob, **fields,
    )  # fmt: skip
    session.add(p)
    session.flush()
    audit.record(
        session=session, actor=actor, action="patient.add", patient_id=p.id,
        object_type="patient", object_id=p.id,
    )  # fmt: skip
    return _view(p)


def update_patient(
    *,
    session: Session,
    actor: Actor,
    patient_id: int,
    name: str,
    birth_date: date | None,
    phone: str | None,
    email: str | None,
    language: str | None,
    contact_preference: str,
    caregiver_name: str | None = None,
    caregiver_phone: str | None = None,
    caregiver_email: str | None = None,
    today: date | None = None,
) -> PatientView:
    access.require_enrolment_access(actor)
    p = _patient(session, patient_id, actor)
    clean, dob, fields = _validated(
        name, birth_date, today, phone=phone, email=email, language=language,
        contact_preference=contact_preference, caregiver_name=caregiver_name,
        caregiver_phone=caregiver_phone, caregiver_email=caregiver_email,
    )  # fmt: skip
    p.display_name, p.search_name, p.birth_date = clean, search_key(clean), dob
    for key, value in fields.items():
        setattr(p, key, value)
    audit.record(
        session=session, actor=actor, action="patient.update", patient_id=p.id,
        object_type="patient", object_id=p.id,
    )  # fmt: skip
    session.flush()
    return _view(p)


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _score(query: str, name: str) -> float:
    """How well the query's words match the name's words (0..1), tolerant of typos."""
    words = name.split()
    if not words:
        return 0.0
    total = 0.0
    for q in query.split():
        total += max(
            1.0 if w.startswith(q) else difflib.SequenceMatcher(None, q, w).ratio() for w in words
        )
    return total / max(1, len(query.split()))


def search_patients(
    *,
    session: Session,
    actor: Actor,
    text: str = "",
    page: int = 1,
    page_size: int = 25,
    audit_read: bool = True,
) -> PatientPage:
    """Patients by name (typos tolerated), date of birth or phone, paged; an audited read
    (``audit_read=False``: a page's reruns after its first read of this search in one visit).

    The database narrows the rows down with indexed or short LIKE scans on a normalised name,
    then at most ``FUZZY_CANDIDATES`` of them are scored here, so a search stays fast at 100k
    patients.
    """
    access.require_enrolment_access(actor)
    if not (isinstance(page, int) and 1 <= page <= 1_000_000):
        raise InvalidInput("The page is a whole number from 1.", code="invalid_page")
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    query = text.strip()
    mine = scope.mine(Patient.clinic_id, actor)
    if audit_read:
        audit.record(session=session, actor=actor, action="patient.search", detail=query[:200])
    if not query:
        total = session.scalar(select(func.count()).select_from(Patient).where(mine)) or 0
        rows = session.scalars(
            select(Patient)
            .where(mine)
            .order_by(Patient.search_name, Patient.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        return PatientPage(tuple(_view(p) for p in rows), total, page, page_size)
    dob = _parse_date(query)
    digits = "".join(c for c in query if c.isdigit())
    if dob is not None:
        where = Patient.birth_date == dob
        exact = session.scalars(
            select(Patient).where(mine, where).order_by(Patient.search_name)
        ).all()
        return _page(list(exact), page, page_size)
    if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) * 0.6:
        try:  # a whole number: the index finds it
            e164 = contact.normalize_phone(query).split(";")[0]
        except InvalidInput:
            e164 = None
        if e164 is not None:
            exact = session.scalars(
                select(Patient)
                .where(mine, Patient.phone_e164 == e164)
                .order_by(Patient.search_name)
            ).all()
            if exact:
                return _page(list(exact), page, page_size)
        exact = session.scalars(
            select(Patient)
            .where(mine, Patient.phone_e164.like(f"%{digits[-10:]}%"))
            .order_by(Patient.search_name)
            .limit(FUZZY_CANDIDATES)
        ).all()
        return _page(list(exact), page, page_size)
    key = search_key(query)
    # Candidates share a three-letter piece with a query word: its start or its end, so a typo
    # in either half of a word still finds it.
    pieces = {w[:3] for w in key.split()} | {w[-3:] for w in key.split() if len(w) >= 5}
    pieces = {p for p in pieces if p}
    conditions = [Patient.search_name.like(f"%{p}%") for p in pieces]
    candidates = session.scalars(
        select(Patient)
        .where(mine, or_(*conditions))
        .order_by(Patient.id.desc())
        .limit(FUZZY_CANDIDATES)
    ).all()
    scored = [(_score(key, c.search_name), c) for c in candidates]
    good = [(s, c) for s, c in scored if s >= 0.7]
    good.sort(key=lambda sc: (-sc[0], sc[1].search_name, sc[1].id))
    return _page([c for _, c in good], page, page_size)


def _page(rows: Sequence[Patient], page: int, page_size: int) -> PatientPage:
    start = (page - 1) * page_size
    chunk = rows[start : start + page_size]
    return PatientPage(tuple(_view(p) for p in chunk), len(rows), page, page_size)


def get_patient(*, session: Session, actor: Actor, patient_id: int) -> PatientView:
    access.require_enrolment_access(actor)
    return _view(_patient(session, patient_id, actor))


# --- treatments and schedules -------------------------------------------------------------


def _clean_treatment(
    *,
    procedure: str,
    treated_at: datetime,
    areas: Sequence[str],
    needle_depth_mm: float | None,
    rf_level: float | None,
    now: datetime,
) -> tuple[str, ...]:
    if procedure not in PROCEDURES:
        raise InvalidInput(
            f"Unknown procedure {procedure!r}; use one of {', '.join(PROCEDURES)}.",
            code="invalid_procedure",
        )
    if treated_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "A treatment is recorded after it is done: its date and time cannot be in the future.",
            code="invalid_treated_at",
        )
    if treated_at < now - timedelta(days=365):
        raise InvalidInput(
            "That treatment is more than a year ago; check the date.", code="invalid_treated_at"
        )
    cleaned = tuple(dict.fromkeys(a.strip().lower().replace("é", "e") for a in areas if a.strip()))
    unknown = [a for a in cleaned if a not in AREAS]
    if unknown or not cleaned:
        raise InvalidInput(
            f"Treated areas are one or more of {', '.join(AREAS)}"
            + (f"; {', '.join(unknown)} is not one." if unknown else "."),
            code="invalid_areas",
        )
    if needle_depth_mm is not None and not (
        math.isfinite(needle_depth_mm) and MIN_DEPTH_MM <= needle_depth_mm <= MAX_DEPTH_MM
    ):
        raise InvalidInput(
            f"Needle depth is between {MIN_DEPTH_MM} and {MAX_DEPTH_MM} mm; "
            f"{needle_depth_mm:g} mm is not.",
            code="invalid_depth",
        )
    if rf_level is not None:
        if procedure != "microneedling_rf":
            raise InvalidInput(
                "An RF level goes with micro-needling with RF only.", code="invalid_rf_level"
            )
        if not (math.isfinite(rf_level) and 0 < rf_level <= MAX_RF_LEVEL):
            raise InvalidInput(
                f"The RF level is the device's setting, above 0 and at most {MAX_RF_LEVEL:g}.",
                code="invalid_rf_level",
            )
    return cleaned


def _write_schedule(
    session: Session, t: Treatment, days: Sequence[int], time_zone: str, now: datetime
) -> None:
    """Make the treatment's schedule rows match ``days``; answered rows are kept as they are."""
    existing = {
        r.day: r
        for r in session.scalars(
            select(ScheduledCheckin).where(ScheduledCheckin.treatment_id == t.id)
        )
    }
    dues = schedule.due_dates(treated_at=t.treated_at, days=days, time_zone=time_zone)
    wanted = {d.day: d for d in dues}
    for day, old in existing.items():
        if day not in wanted and old.checkin_id is None and old.cancelled_at is None:
            old.cancelled_at = now
    for day, due in wanted.items():
        row = existing.get(day)
        if row is None:
            session.add(
                ScheduledCheckin(
                    clinic_id=t.clinic_id, treatment_id=t.id, day=day, due_at=due.due_at
                )
            )
        else:
            row.cancelled_at = None
            row.due_at = due.due_at
    t.schedule_days = list(days)


def _cancel_open(session: Session, treatment_id: int, now: datetime) -> None:
    for row in session.scalars(
        select(ScheduledCheckin).where(
            ScheduledCheckin.treatment_id == treatment_id,
            ScheduledCheckin.checkin_id.is_(None),
            ScheduledCheckin.cancelled_at.is_(None),
            ScheduledCheckin.due_at > now,
        )
    ):
        row.cancelled_at = now


def record_treatment(
    *,
    session: Session,
    actor: Actor,
    patient_id: int,
    procedure: str,
    treated_at: datetime,
    areas: Sequence[str] = ("face",),
    needle_depth_mm: float | None = None,
    rf_level: float | None = None,
    antiviral_prescribed: bool = False,
    pre_treatment_prep: bool | None = None,
    staff_note: str = "",
    schedule_days: Sequence[int] | None = None,
    now: datetime | None = None,
    booked: bool = False,
) -> TreatmentDetail:
    """Record a treatment (``treated_at`` naive UTC) and start its schedule.

    ``booked=True`` records one that is still to come (the patient sends a baseline photo
    before it); otherwise a treatment in the future is refused as a typo.

    A patient's earlier treatment makes this one the next of its series: it links to it, and
    the earlier schedule's check-ins not yet due are cancelled. A discharged patient who is
    treated again is back in follow-up.
    """
    access.require_enrolment_access(actor)
    now = now or utcnow()
    p = _patient(session, patient_id, actor)
    clinic = _clinic(session, actor)
    cleaned_areas = _clean_treatment(
        procedure=procedure,
        treated_at=min(treated_at, now) if booked else treated_at,
        areas=areas,
        needle_depth_mm=needle_depth_mm,
        rf_level=rf_level,
        now=now,
    )
    days = schedule.clean_days(
        schedule_days if schedule_days is not None else clinic.default_schedule_days
    )
    if len(staff_note) > 2000:
        raise InvalidInput("A staff note is at most 2,000 characters.", code="invalid_note")
    previous = session.scalar(
        select(Treatment)
        .where(Treatment.patient_id == patient_id, Treatment.treated_at <= treated_at)
        .order_by(Treatment.treated_at.desc(), Treatment.id.desc())
        .limit(1)
    )
    t = Treatment(
        clinic_id=p.clinic_id,
        patient_id=patient_id,
        procedure=procedure,
        treated_at=treated_at,
        areas=list(cleaned_areas),
        needle_depth_mm=needle_depth_mm,
        rf_level=rf_level,
        antiviral_prescribed=antiviral_prescribed,
        pre_treatment_prep=pre_treatment_prep,
        staff_note=staff_note.strip(),
        series_number=(previous.series_number + 1) if previous else 1,
        previous_treatment_id=previous.id if previous else None,
        schedule_days=list(days),
    )
    session.add(t)
    session.flush()
    if previous is not None:
        _cancel_open(session, previous.id, treated_at)
    _write_schedule(session, t, days, clinic.time_zone, now)
    trends.schedule_written(session=session, actor=actor, treatment_id=t.id, new=True)  # adherence
    p.discharged_at, p.discharge_reason = None, ""
    audit.record(
        session=session, actor=actor, action="treatment.add", patient_id=patient_id,
        object_type="treatment", object_id=t.id, detail=procedure,
    )  # fmt: skip
    session.flush()
    return _detail(session, t, clinic.time_zone)


def set_schedule(
    *,
    session: Session,
    actor: Actor,
    treatment_id: int,
    days: Sequence[int],
    now: datetime | None = None,
) -> TreatmentDetail:
    """Edit one treatment's check-in days; answered check-ins stay, removed ones are cancelled."""
    access.require_enrolment_access(actor)
    t = _treatment(session, treatment_id, actor)
    clinic = _clinic(session, actor)
    _write_schedule(session, t, schedule.clean_days(days), clinic.time_zone, now or utcnow())
    trends.schedule_written(session=session, actor=actor, treatment_id=t.id, new=False)  # adherence
    audit.record(
        session=session, actor=actor, action="treatment.schedule", patient_id=t.patient_id,
        object_type="treatment", object_id=t.id, detail=",".join(map(str, t.schedule_days)),
    )  # fmt: skip
    session.flush()
    return _detail(session, t, clinic.time_zone)


def discharge(
    *,
    session: Session,
    actor: Actor,
    patient_id: int,
    reason: str,
    now: datetime | None = None,
) -> PatientView:
    """End the follow-up: no further check-ins are due (answered ones stay on record)."""
    access.require_enrolment_access(actor)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why the follow-up ends.", code="invalid_reason")
    now = now or utcnow()
    p = _patient(session, patient_id, actor)
    for t in session.scalars(select(Treatment).where(Treatment.patient_id == patient_id)):
        _cancel_open(session, t.id, now)
        if t.ended_at is None:
            t.ended_at, t.end_reason = now, reason
    p.discharged_at, p.discharge_reason = now, reason[:2000]
    audit.record(
        session=session, actor=actor, action="patient.discharge", patient_id=p.id,
        object_type="patient", object_id=p.id, detail=reason[:200],
    )  # fmt: skip
    session.flush()
    return _view(p)


def _detail(session: Session, t: Treatment, time_zone: str) -> TreatmentDetail:
    rows = session.scalars(
        select(ScheduledCheckin)
        .where(ScheduledCheckin.treatment_id == t.id)
        .order_by(ScheduledCheckin.day)
    ).all()
    if t.__dict__.get("patient") is None:
        session.refresh(t, ["patient"])
    return TreatmentDetail(
        treatment=treatment_view(t),
        rf_level=t.rf_level,
        pre_treatment_prep=t.pre_treatment_prep,
        staff_note=t.staff_note,
        series_number=t.series_number,
        previous_treatment_id=t.previous_treatment_id,
        ended_at=t.ended_at,
        end_reason=t.end_reason,
        schedule=tuple(
            ScheduledView(r.day, r.due_at, r.checkin_id, r.cancelled_at is not None) for r in rows
        ),
        next_treatment_window=schedule.next_treatment_window(t.treated_at, time_zone),
    )


def get_treatment_detail(*, session: Session, actor: Actor, treatment_id: int) -> TreatmentDetail:
    """One treatment and its schedule: for staff who enrol, or the patient whose link it is."""
    if actor.role is Role.PATIENT:
        access.require_treatment_access(actor, treatment_id)
    else:
        access.require_enrolment_access(actor)
    t = _treatment(session, treatment_id, actor)
    return _detail(session, t, _clinic(session, actor).time_zone)


def _audit_views(rows: Sequence[AuditEvent]) -> tuple[AuditView, ...]:
    return tuple(
        AuditView(at=e.at, actor=e.actor, role=e.role, action=e.action, outcome=e.outcome,
                  detail=e.detail)
        for e in rows
    )  # fmt: skip


def patient_record(
    *, session: Session, actor: Actor, patient_id: int, audit_read: bool = True
) -> PatientRecord:
    """Everything the front desk needs on one patient, and who has looked at it."""
    access.require_enrolment_access(actor)
    p = _patient(session, patient_id, actor)
    if audit_read:
        audit.record(
            session=session, actor=actor, action="patient.view", patient_id=p.id,
            object_type="patient", object_id=p.id,
        )  # fmt: skip
        session.flush()
    tz = _clinic(session, actor).time_zone
    treatments = session.scalars(
        select(Treatment)
        .where(Treatment.patient_id == patient_id)
        .options(selectinload(Treatment.patient))
        .order_by(Treatment.treated_at.desc(), Treatment.id.desc())
    ).all()
    ids = [t.id for t in treatments]
    checkins = session.scalars(
        select(CheckIn)
        .where(CheckIn.treatment_id.in_(ids))
        .options(selectinload(CheckIn.photos), selectinload(CheckIn.triage))
        .order_by(CheckIn.submitted_at)
    ).all()
    cases = session.scalars(
        select(ReviewItem).where(ReviewItem.treatment_id.in_(ids)).order_by(ReviewItem.created_at)
    ).all()
    messages = session.scalars(
        select(Message).where(Message.treatment_id.in_(ids)).order_by(Message.created_at)
    ).all()
    events = select(AuditEvent).where(
        AuditEvent.patient_id == patient_id, scope.mine(AuditEvent.clinic_id, actor)
    )
    links = session.scalars(
        events.where(AuditEvent.action.in_(("link.issue", "link.revoke")))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(50)
    ).all()
    viewers = session.scalars(
        events.where(AuditEvent.action.in_(("patient.view", "view_case", "view_photo")))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(50)
    ).all()
    return PatientRecord(
        patient=_view(p),
        treatments=tuple(_detail(session, t, tz) for t in treatments),
        checkins=tuple(checkin_view(c) for c in checkins),
        cases=tuple(
            CaseSummary(
                c.id, c.checkin_id, Severity(c.severity), ReviewStatus(c.status), c.created_at
            )
            for c in cases
        ),
        messages=tuple(message_view(m, {}) for m in messages),
        links=_audit_views(links),
        viewers=_audit_views(viewers),
    )


def local_to_utc(value: datetime, time_zone: str) -> datetime:
    """A naive clinic-local time (as the front desk types it) → naive UTC."""
    from datetime import UTC

    try:
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(tzinfo=ZoneInfo(time_zone)).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 9999-12-31T23:59 in New York is past the last UTC datetime
        raise InvalidInput(
            f"{value:%Y-%m-%d %H:%M} is out of range; check the year.", code="invalid_date"
        ) from None


def issue_patient_link(
    *,
    session: Session,
    actor: Actor,
    signing_key: LinkKey,
    treatment_id: int,
    base_url: str,
    ttl_days: int | None = None,
    now: datetime | None = None,
) -> str:
    """The patient's personal check-in link for one treatment (the clinic's default validity)."""
    from checkins import links

    access.require_enrolment_access(actor)
    days = ttl_days or _clinic(session, actor).link_validity_days
    return links.issue_link(
        session=session, actor=actor, key=signing_key, treatment_id=treatment_id,
        base_url=base_url, ttl_days=days, now=now,
    )  # fmt: skip


def handout(
    *,
    session: Session,
    actor: Actor,
    signing_key: LinkKey,
    treatment_id: int,
    base_url: str,
    ruleset: RuleSet,
    now: datetime | None = None,
) -> tuple[bytes, str]:
    """The printable one-page handout (PDF bytes) with a freshly issued link, and that link.

    Its warning signs quote ``ruleset``, the rules in force (the fever line)."""
    from checkins import guidance, rules
    from checkins.handout import HandoutData, handout_pdf

    access.require_enrolment_access(actor)
    detail = get_treatment_detail(session=session, actor=actor, treatment_id=treatment_id)
    row = _clinic(session, actor)
    url = issue_patient_link(
        session=session, actor=actor, signing_key=signing_key, treatment_id=treatment_id,
        base_url=base_url, now=now,
    )  # fmt: skip
    t = detail.treatment
    patient = session.get(Patient, t.patient_id)
    # The handout is the patient's: in their language, printed before any browser could choose.
    language = i18n.for_messages(patient.language if patient is not None else None)
    data = HandoutData(
        clinic_name=row.name,
        clinic_phone=contact.display_phone(row.phone),
        on_call_phone=contact.display_phone(row.after_hours_phone) or None,
        patient_name=t.patient_name,
        procedure=t.procedure,
        treated_at=t.treated_at,
        time_zone=row.time_zone,
        url=url,
        schedule=tuple((s.day, s.due_at) for s in detail.schedule if not s.cancelled),
        next_window=detail.next_treatment_window,
        warning_signs=guidance.warning_signs(
            rules.thresholds(ruleset), tr=i18n.translator(language)
        ),
        language=language,
    )
    audit.record(
        session=session, actor=actor, action="handout.print", patient_id=t.patient_id,
        object_type="treatment", object_id=t.id,
    )  # fmt: skip
    return handout_pdf(data), url
