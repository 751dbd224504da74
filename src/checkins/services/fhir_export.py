"""Export to the clinic's health record: a FHIR R4 Bundle (``checkins.fhir``), after the check.

``export_bundle`` reads the rows for one patient, one case, or every patient with check-ins
since a date; providers and admins only; one ``export_fhir`` audit event per patient exported.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkins import access, fhir, questionnaire
from checkins.domain import MessageDirection, ReviewStatus, utcnow
from checkins.questionnaire import Kind
from checkins.services import audit, scope
from checkins.services.clinic import _author_names, get_clinic
from checkins.services.convert import has_answers, reasons_from_json
from checkins.services.views import Actor
from checkins.storage.models import CheckIn, Message, Patient, ReviewItem, Treatment

_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}


def _answers(c: CheckIn) -> dict[str, Any]:
    if not has_answers(c):
        return {}
    out: dict[str, Any] = {
        q.name: getattr(c, q.name)
        for q in questionnaire.QUESTIONS
        if q.kind is not Kind.TEMPERATURE
    }
    if c.temperature_value is not None and c.temperature_unit in ("F", "C"):
        out["temperature"] = (c.temperature_value, c.temperature_unit)
    return out


def _checkin_row(c: CheckIn) -> fhir.CheckInRow:
    tr = c.triage
    rules = tuple((r.rule, r.message) for r in reasons_from_json(tr.reasons)) if tr else ()
    redness = {name: float(v) for name in fhir.REDNESS_CODES if (v := getattr(c, name)) is not None}
    return fhir.CheckInRow(
        id=c.id,
        treatment_id=c.treatment_id,
        submitted_at=c.submitted_at,
        is_baseline=c.is_baseline,
        answers=_answers(c),
        redness=redness,
        rules=rules,
        photos=tuple(
            fhir.PhotoRow(
                id=p.id,
                sha256=p.sha256,
                content_type=_CONTENT_TYPES.get(p.format, "image/jpeg"),
                width=p.width,
                height=p.height,
                created_at=p.created_at,
            )
            for p in c.photos
        ),
    )


def export_bundle(
    *,
    session: Session,
    actor: Actor,
    patient_id: int | None = None,
    item_id: int | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The Bundle for one patient, one case (``item_id``), or everyone with check-ins ``since``."""
    access.require_case_access(actor)
    # Every row read below is of the actor's clinic: the check-ins are filtered here and the
    # rest follow from them (or from a patient looked up in the clinic).
    checkins_q = (
        select(CheckIn)
        .where(scope.mine(CheckIn.clinic_id, actor))
        .options(selectinload(CheckIn.photos), selectinload(CheckIn.triage))
    )
    case: ReviewItem | None = None
    if item_id is not None:
        case = scope.get(
            session, ReviewItem, item_id, actor, missing=f"There is no case {item_id}."
        )
        checkins_q = checkins_q.where(CheckIn.id == case.checkin_id)
    if patient_id is not None:
        scope.get(session, Patient, patient_id, actor, missing=f"There is no patient {patient_id}.")
        checkins_q = checkins_q.join(Treatment).where(Treatment.patient_id == patient_id)
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=UTC).replace(tzinfo=None)
        checkins_q = checkins_q.where(CheckIn.submitted_at >= start)
    checkins = list(session.scalars(checkins_q.order_by(CheckIn.submitted_at, CheckIn.id)))
    treatment_ids = {c.treatment_id for c in checkins}
    treatments_q = (
        select(Treatment).where(scope.mine(Treatment.clinic_id, actor)).order_by(Treatment.id)
    )
    if patient_id is not None and case is None:
        treatments_q = treatments_q.where(Treatment.patient_id == patient_id)
    else:
        treatments_q = treatments_q.where(Treatment.id.in_(treatment_ids))
    treatments = list(session.scalars(treatments_q))
    patient_ids = sorted(
        {t.patient_id for t in treatments} | ({patient_id} if patient_id else set())
    )
    patients = list(session.scalars(select(Patient).where(Patient.id.in_(patient_ids))))
    cases = list(
        session.scalars(
            select(ReviewItem)
            .where(ReviewItem.checkin_id.in_([c.id for c in checkins]))
            .order_by(ReviewItem.id)
        )
    )
    messages_q = select(Message).where(Message.treatment_id.in_([t.id for t in treatments]))
    if case is not None:
        messages_q = messages_q.where(Message.review_item_id == case.id)
    if since is not None:
        messages_q = messages_q.where(Message.created_at >= start)
    messages = list(session.scalars(messages_q.order_by(Message.created_at, Message.id)))
    names = _author_names(
        session, [i.claimed_by for i in cases] + [m.author_user_id for m in messages]
    )
    record = fhir.Record(
        patients=[
            fhir.PatientRow(
                id=p.id,
                name=p.display_name,
                birth_date=p.birth_date,
                phone=p.phone,
                email=p.email,
                language=p.language,
            )
            for p in patients
        ],
        treatments=[
            fhir.TreatmentRow(
                id=t.id,
                patient_id=t.patient_id,
                procedure=t.procedure,
                treated_at=t.treated_at,
                areas=tuple(str(a) for a in t.areas or ()),
                needle_depth_mm=t.needle_depth_mm,
                rf_level=t.rf_level,
            )
            for t in treatments
        ],
        checkins=[_checkin_row(c) for c in checkins],
        cases=[
            fhir.CaseRow(
                id=i.id,
                checkin_id=i.checkin_id,
                status=ReviewStatus(i.status),
                created_at=i.created_at,
                owner=names.get(i.claimed_by) if i.claimed_by else None,
                resolved_at=i.resolved_at,
                note=i.resolution_note or "",
            )
            for i in cases
        ],
        messages=[
            fhir.MessageRow(
                id=m.id,
                treatment_id=m.treatment_id,
                case_id=m.review_item_id,
                from_patient=m.direction == MessageDirection.FROM_PATIENT,
                author=names.get(m.author_user_id or 0, "Your care team"),
                body=m.body,
                sent_at=m.created_at,
            )
            for m in messages
        ],
        clinic=get_clinic(session=session, actor=actor).name,
    )
    out = fhir.bundle(record, generated_at=now or utcnow())
    for p in patients:
        audit.record(
            session=session,
            actor=actor,
            action="export_fhir",
            patient_id=p.id,
            object_type="review_item" if case is not None else "patient",
            object_id=case.id if case is not None else p.id,
            detail=f"{len(out['entry'])} resources",
        )
    return out
