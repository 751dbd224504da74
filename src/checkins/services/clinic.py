"""Clinic settings, patients and treatments; the patient's own view of their treatment."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, selectinload

from checkins import access, contact, schedule
from checkins.domain import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_SCHEDULE_DAYS,
    PROCEDURES,
    WEEKDAYS,
    AccessDenied,
    Conflict,
    InvalidInput,
    MessageDirection,
    NotFound,
    utcnow,
)
from checkins.guidance import CallNow
from checkins.i18n import N_
from checkins.services import audit, scope, trends
from checkins.services.convert import checkin_view, message_view, treatment_view
from checkins.services.views import Actor, ClinicView, PatientHome, TreatmentView
from checkins.storage.models import CheckIn, ClinicSettings, Message, Patient, Treatment

# What a database without clinic settings reads as, until `checkins init` saves the clinic's
# own: no phone (staff pages then say so), never a number that rings nowhere.
UNSET_CLINIC = ClinicView(
    name="The clinic",
    phone="",
    time_zone="America/New_York",
    target_response_minutes=60,
    office_hours=dict(DEFAULT_OFFICE_HOURS),
)
# Said wherever a clinic without a phone would otherwise pass unnoticed (the CLI, staff pages).
NOT_SET_UP = (
    "The clinic is not set up: it has no phone number, so patients are told to contact the "
    "office without one. Set it with `checkins init --phone PHONE` or on Admin → Clinic."
)
_HHMM = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
ALWAYS_OPEN: dict[str, list[str] | None] = {d: ["00:00", "24:00"] for d in WEEKDAYS}


def parse_office_hours(text: str) -> dict[str, list[str] | None]:
    """``"mon-fri 09:00-17:00, sat 10:00-14:00"`` (other days closed), or ``"always"``."""
    text = text.strip().lower()
    if text in ("always", "24/7"):
        return dict(ALWAYS_OPEN)
    hours: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        days, _, times = part.partition(" ")
        first, _, last = days.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise InvalidInput(
                f"“{part}” is not like “mon-fri 09:00-17:00”.", code="invalid_office_hours"
            )
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        for d in WEEKDAYS[lo : hi + 1]:
            hours[d] = times.strip()
    return clean_office_hours(hours)


def _clinic_view(row: ClinicSettings) -> ClinicView:
    return ClinicView(
        name=row.name,
        phone=contact.display_phone(row.phone),
        phone_e164=row.phone,
        time_zone=row.time_zone,
        target_response_minutes=row.target_response_minutes,
        reference_card=row.reference_card,
        office_hours=dict(row.office_hours or DEFAULT_OFFICE_HOURS),
        after_hours_phone=row.after_hours_phone,
        after_hours_phone_display=contact.display_phone(row.after_hours_phone),
        default_schedule_days=tuple(int(d) for d in row.default_schedule_days or ()),
        link_validity_days=row.link_validity_days,
        reminder_hour=row.reminder_hour,
        escalation_minutes=row.escalation_minutes,
        id=row.id,
        organisation=row.organisation,
        rules_path=row.rules_path,
    )


def get_clinic(*, session: Session, actor: Actor) -> ClinicView:
    """The settings of the actor's own clinic."""
    return clinic_settings(session=session, clinic_id=access.clinic_of(actor))


def clinic_settings(*, session: Session, clinic_id: int) -> ClinicView:
    """One clinic's settings by id, for code that already holds a row of that clinic (the
    worker, intake). Settings carry no patient data."""
    row = session.get(ClinicSettings, clinic_id)
    return UNSET_CLINIC if row is None else _clinic_view(row)


def list_clinics(*, session: Session) -> list[ClinicView]:
    """Every clinic of the deployment, by id: for its operator (`checkins clinics list`) and
    the sign-in page's choice. Names and settings only, never a patient's data."""
    return [
        _clinic_view(r) for r in session.scalars(select(ClinicSettings).order_by(ClinicSettings.id))
    ]


def find_clinic(*, session: Session, ref: str) -> ClinicView:
    """A clinic by id or by name (case-insensitive), or ``NotFound`` naming the choices."""
    clinics = list_clinics(session=session)
    text = ref.strip()
    found = [c for c in clinics if str(c.id) == text or c.name.casefold() == text.casefold()]
    if len(found) == 1:
        return found[0]
    names = ", ".join(f"{c.id} ({c.name})" for c in clinics) or "none"
    if found:
        raise InvalidInput(f"Several clinics are named {ref!r}; give its id: {names}.")
    raise NotFound(f"There is no clinic {ref!r}; the clinics are: {names}.")


def add_clinic(
    *,
    session: Session,
    actor: Actor,
    name: str,
    organisation: str = "",
    phone: str | None = None,
    time_zone: str = "America/New_York",
    office_hours: Mapping[str, object] | None = None,
    after_hours_phone: str | None = None,
    rules_path: str | None = None,
) -> ClinicView:
    """A new clinic in this deployment (an admin's act: `checkins clinics add` acts as the
    deployment's operator); audited in the actor's clinic. Its staff, patients and settings
    start empty."""
    access.require_admin(actor)
    if not name.strip():
        raise InvalidInput("The clinic needs a name.", code="invalid_name")
    if session.scalar(
        select(ClinicSettings.id).where(func.lower(ClinicSettings.name) == name.strip().lower())
    ):
        raise Conflict(f"There is already a clinic named {name.strip()!r}.")
    _check_zone(time_zone)
    row = ClinicSettings(
        name=name.strip(),
        organisation=organisation.strip(),
        phone=contact.optional_phone(phone),
        time_zone=time_zone,
        target_response_minutes=60,
        office_hours=clean_office_hours(office_hours)
        if office_hours is not None
        else dict(DEFAULT_OFFICE_HOURS),
        after_hours_phone=contact.optional_phone(after_hours_phone),
        rules_path=rules_path,
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session, actor=actor, action="clinic.add", object_type="clinic",
        object_id=row.id, detail=f"{row.name} ({row.organisation or 'no organisation'})",
    )  # fmt: skip
    return _clinic_view(row)


def organisation_clinics(*, session: Session, clinic_id: int) -> frozenset[int]:
    """The clinics of the organisation ``clinic_id`` belongs to (itself alone without one):
    what a manager of that clinic may read the trends of."""
    org = session.scalar(select(ClinicSettings.organisation).where(ClinicSettings.id == clinic_id))
    if not org:
        return frozenset({clinic_id})
    ids = session.scalars(select(ClinicSettings.id).where(ClinicSettings.organisation == org))
    return frozenset(ids)


def _check_zone(time_zone: str) -> None:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"“{time_zone}” is not a time zone we know; use a name like America/New_York.",
            code="invalid_time_zone",
        ) from None


def clean_office_hours(hours: Mapping[str, object]) -> dict[str, list[str] | None]:
    """``{"mon": ["09:00", "17:00"], "sat": None, ...}``: each day open–close, or closed."""
    out: dict[str, list[str] | None] = {}
    for day in WEEKDAYS:
        value = hours.get(day)
        if value in (None, "", "closed"):
            out[day] = None
            continue
        if isinstance(value, str):
            value = [v.strip() for v in value.replace("–", "-").split("-")]
        if not (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, str) and _HHMM.fullmatch(v) for v in value)
            and value[0] < value[1]
        ):
            raise InvalidInput(
                f"Office hours for {day} are two times like 09:00-17:00, or closed.",
                code="invalid_office_hours",
            )
        out[day] = [str(value[0]), str(value[1])]
    return out


def office_open(clinic: ClinicView, at: datetime) -> bool:
    """Whether the office is open at ``at`` (naive UTC), by its hours in its own zone."""
    local = at.replace(tzinfo=UTC).astimezone(ZoneInfo(clinic.time_zone))
    hours = (clinic.office_hours or DEFAULT_OFFICE_HOURS).get(WEEKDAYS[local.weekday()])
    if not hours:
        return False
    return hours[0] <= local.strftime("%H:%M") < hours[1]


def call_now(clinic: ClinicView, at: datetime) -> CallNow:
    """Whom a patient should call at ``at``: the office, or out of hours the on-call line."""
    return CallNow(
        office_phone=clinic.phone,
        office_open=office_open(clinic, at),
        on_call_phone=contact.display_phone(clinic.after_hours_phone) or None,
    )


def set_clinic(
    *,
    session: Session,
    actor: Actor,
    name: str,
    phone: str | None,
    time_zone: str = "America/New_York",
    target_response_minutes: int = 60,
    reference_card: bool | None = None,
    office_hours: Mapping[str, object] | None = None,
    after_hours_phone: str | None = None,
    default_schedule_days: Sequence[int] | None = None,
    link_validity_days: int | None = None,
) -> ClinicView:
    """Save the settings of the actor's clinic (its admins only; audited). ``phone`` None
    keeps it unset."""
    access.require_admin(actor)
    clinic_id = access.clinic_of(actor)
    if not name.strip():
        raise InvalidInput("The clinic needs a name.", code="invalid_name")
    phone_e164 = contact.optional_phone(phone)
    on_call = contact.optional_phone(after_hours_phone)
    _check_zone(time_zone)
    if target_response_minutes <= 0:
        raise InvalidInput("The target response time must be at least one minute.")
    hours = clean_office_hours(office_hours) if office_hours is not None else None
    days = schedule.clean_days(default_schedule_days) if default_schedule_days else None
    if link_validity_days is not None and not 1 <= link_validity_days <= 365:
        raise InvalidInput("A link lasts from 1 to 365 days.", code="invalid_link_validity")
    row = session.get(ClinicSettings, clinic_id)
    if row is None:
        raise NotFound("That clinic no longer exists.")
    row.name, row.phone, row.time_zone = name.strip(), phone_e164, time_zone
    row.target_response_minutes = target_response_minutes
    if reference_card is not None:
        row.reference_card = reference_card
    if hours is not None:
        row.office_hours = hours
    row.after_hours_phone = on_call
    if days is not None:
        row.default_schedule_days = list(days)
    if link_validity_days is not None:
        row.link_validity_days = link_validity_days
    audit.record(session=session, actor=actor, action="clinic.update")
    session.flush()
    return _clinic_view(row)


def create_patient(
    *,
    session: Session,
    actor: Actor,
    display_name: str,
    phone: str | None = None,
    language: str | None = None,
) -> int:
    """A patient by name only (the command line's, tests'); ``language`` None: not asked."""
    access.require_enrolment_access(actor)
    if not display_name.strip():
        raise InvalidInput("A patient needs a name.")
    from checkins.services.patients import LANGUAGES, search_key

    if language not in LANGUAGES:
        raise InvalidInput(f"Unknown language {language!r}.", code="invalid_language")
    name = display_name.strip()
    patient = Patient(
        clinic_id=access.clinic_of(actor), display_name=name, search_name=search_key(name),
        phone=phone, language=language,
    )  # fmt: skip
    session.add(patient)
    session.flush()
    return patient.id


def create_treatment(
    *,
    session: Session,
    actor: Actor,
    patient_id: int,
    procedure: str,
    treated_at: datetime,
    areas: Sequence[str] = ("face",),
    needle_depth_mm: float | None = None,
    antiviral_prescribed: bool = False,
    schedule_days: Sequence[int] = DEFAULT_SCHEDULE_DAYS,
) -> TreatmentView:
    access.require_enrolment_access(actor)
    if procedure not in PROCEDURES:
        raise InvalidInput(f"Unknown procedure {procedure!r}; use one of {', '.join(PROCEDURES)}.")
    patient = scope.get(
        session, Patient, patient_id, actor, missing=f"There is no patient {patient_id}."
    )
    if needle_depth_mm is not None and not 0 < needle_depth_mm <= 4:
        raise InvalidInput("Needle depth is given in millimetres, between 0 and 4.")
    t = Treatment(
        clinic_id=patient.clinic_id,
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
    trends.schedule_written(session=session, actor=actor, treatment_id=t.id, new=True)  # adherence
    return treatment_view(_treatment(session, t.id, actor))


TREATMENT_GONE = "That treatment no longer exists; please contact the clinic."


def _treatment(session: Session, treatment_id: int, actor: Actor) -> Treatment:
    return scope.get(
        session, Treatment, treatment_id, actor, missing=TREATMENT_GONE,
        options=[selectinload(Treatment.patient)],
    )  # fmt: skip


def get_treatment(*, session: Session, actor: Actor, treatment_id: int) -> TreatmentView:
    access.require_treatment_access(actor, treatment_id)
    return treatment_view(_treatment(session, treatment_id, actor))


def list_treatments(*, session: Session, actor: Actor) -> list[TreatmentView]:
    access.require_case_access(actor)
    rows = session.scalars(
        select(Treatment)
        .where(scope.mine(Treatment.clinic_id, actor))
        .options(selectinload(Treatment.patient))
        .order_by(Treatment.id)
    )
    return [treatment_view(t) for t in rows]


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
    t = _treatment(session, treatment_id, actor)
    now = now or utcnow()
    day = schedule.day_since_treatment(treated_at=t.treated_at, at=now)
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
    view = get_clinic(session=session, actor=actor)
    return PatientHome(
        clinic=view,
        treatment=treatment_view(t),
        day_since_treatment=day,
        history=tuple(checkin_view(c) for c in checkins),
        messages=tuple(message_view(m, authors) for m in messages),
        next_checkin_day=schedule.next_checkin_day(schedule_days=t.schedule_days, day=day),
        call_now=call_now(view, now),
        next_treatment_window=schedule.next_treatment_window(t.treated_at, view.time_zone),
        language=t.patient.language,
    )


def _author_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    from checkins.storage.models import User

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


MAX_PATIENT_MESSAGE = 2000


def patient_reply(*, session: Session, actor: Actor, body: str, now: datetime | None = None) -> int:
    """A patient answers their care team from their page. The message joins the thread of the
    case, and the case goes back to the queue as a review: a provider reads every answer."""
    from checkins.domain import ReviewStatus, Role, Severity
    from checkins.storage.models import ReviewItem

    if actor.role is not Role.PATIENT or actor.treatment_id is None:
        raise AccessDenied("Only the patient answers from their own page.")
    text = body.strip()
    if not text:
        raise InvalidInput(N_("Write your message before sending it."))
    if len(text) > MAX_PATIENT_MESSAGE:
        raise InvalidInput(N_("Please keep it under 2000 characters."))
    now = now or utcnow()
    t = _treatment(session, actor.treatment_id, actor)
    item = session.scalar(
        select(ReviewItem)
        .where(ReviewItem.treatment_id == t.id)
        .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc())
        .limit(1)
    )
    if item is None:
        latest = session.scalar(
            select(CheckIn.id)
            .where(CheckIn.treatment_id == t.id, CheckIn.is_baseline.is_(False))
            .order_by(CheckIn.submitted_at.desc())
            .limit(1)
        )
        if latest is not None:
            item = ReviewItem(
                clinic_id=t.clinic_id, checkin_id=latest, treatment_id=t.id,
                severity=Severity.REVIEW.value,
                severity_rank=Severity.REVIEW.rank, status=ReviewStatus.NEW,
                created_at=now,
            )  # fmt: skip
            session.add(item)
            session.flush()
    elif item.status == ReviewStatus.RESOLVED:
        # Back to the queue, unclaimed, as a review at least: one UPDATE that bumps the version.
        to_review = ReviewItem.severity_rank < Severity.REVIEW.rank
        session.execute(
            update(ReviewItem)
            .where(ReviewItem.id == item.id, ReviewItem.status == ReviewStatus.RESOLVED)
            .values(
                status=ReviewStatus.NEW,
                claimed_by=None,
                claimed_at=None,
                resolved_at=None,
                disposition=None,
                severity=case((to_review, Severity.REVIEW.value), else_=ReviewItem.severity),
                severity_rank=case(
                    (to_review, Severity.REVIEW.rank), else_=ReviewItem.severity_rank
                ),
                created_at=now,
                version=ReviewItem.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
    msg = Message(
        clinic_id=t.clinic_id,
        treatment_id=t.id,
        review_item_id=item.id if item is not None else None,
        direction=MessageDirection.FROM_PATIENT,
        body=text,
        created_at=now,
    )
    session.add(msg)
    session.flush()
    audit.record(
        session=session, actor=actor, action="patient.reply", patient_id=t.patient_id,
        object_type="message", object_id=msg.id,
    )  # fmt: skip
    return msg.id


def opt_out(*, session: Session, actor: Actor, now: datetime | None = None) -> bool:
    """The patient's own "stop these messages" (the link in each email). True if it changed."""
    from checkins.domain import Role

    if actor.role is not Role.PATIENT or actor.treatment_id is None:
        raise AccessDenied("Only the patient can opt out from their own link.")
    p = session.get(Patient, _treatment(session, actor.treatment_id, actor).patient_id)
    if p is None or p.opted_out_at is not None:
        return False
    p.opted_out_at = now or utcnow()
    audit.record(session=session, actor=actor, action="patient.opt_out", patient_id=p.id)
    return True


def _own_language(actor: Actor, language: str) -> int:
    """Only the patient, from their link, sets their language; and only one the catalogs hold.
    Returns the link's treatment id."""
    from checkins import i18n
    from checkins.domain import Role

    if actor.role is not Role.PATIENT or actor.treatment_id is None:
        raise AccessDenied("Only the patient chooses their language from their own link.")
    if language not in i18n.SUPPORTED:
        raise InvalidInput(
            f"Unknown language {language!r}; use one of {', '.join(i18n.SUPPORTED)}."
        )
    return actor.treatment_id


def set_patient_language(*, session: Session, actor: Actor, language: str) -> bool:
    """The patient's own choice of language on their page; it is kept for their messages too.

    True when it changed (audited); a language the catalogs do not hold is refused.
    """
    treatment_id = _own_language(actor, language)
    p = session.get(Patient, _treatment(session, treatment_id, actor).patient_id)
    if p is None or p.language == language:
        return False
    p.language = language
    audit.record(
        session=session,
        actor=actor,
        action="patient.language",
        patient_id=p.id,
        detail=f"language={language}",
    )
    return True


def keep_browser_language(*, session: Session, actor: Actor, language: str) -> bool:
    """A patient whose language was never asked opened their link: the language their browser
    chose (and their page is in) is kept for their messages.

    One ``UPDATE ... WHERE language IS NULL``, so it happens once and never overwrites a choice
    made meanwhile (the switch in another tab, the front desk's edit). True when kept (audited,
    as the switch is, with where it came from).
    """
    patient_id = _treatment(session, _own_language(actor, language), actor).patient_id
    kept = session.execute(
        update(Patient)
        .where(Patient.id == patient_id, Patient.language.is_(None))
        .values(language=language)
        .execution_options(synchronize_session=False)
    )
    if getattr(kept, "rowcount", 0) != 1:
        return False
    audit.record(
        session=session,
        actor=actor,
        action="patient.language",
        patient_id=patient_id,
        detail=f"language={language} (their browser's)",
    )
    return True
