"""ORM rows to plain views. Services call these before their session closes."""

from __future__ import annotations

from checkins import questionnaire
from checkins.domain import (
    Answers,
    MessageDirection,
    PhotoMetrics,
    Reason,
    Severity,
    Temperature,
    calibrated,
    measured,
)
from checkins.questionnaire import Kind
from checkins.services.views import CheckInView, MessageView, PhotoView, TreatmentView
from checkins.storage.models import CheckIn, Message, Photo, Treatment

# A temperature is stored as the patient gave it (value, unit) and in °F; every other answer in
# the column of its question's name.
TEMPERATURE_COLUMNS: tuple[str, ...] = ("temperature_value", "temperature_unit", "temperature_f")
ANSWER_COLUMNS: tuple[str, ...] = tuple(
    column
    for q in questionnaire.QUESTIONS
    for column in (TEMPERATURE_COLUMNS if q.kind is Kind.TEMPERATURE else (q.name,))
)
_REQUIRED_COLUMNS = tuple(
    q.name for q in questionnaire.QUESTIONS if q.required and q.kind is not Kind.TEMPERATURE
)


def store_answers(row: CheckIn, answers: Answers | None) -> None:
    """Each answer into its column; with no answers (a baseline photo) every column is empty."""
    for q in questionnaire.QUESTIONS:
        value = None if answers is None else answers.answer(q.name)
        if q.kind is Kind.TEMPERATURE:
            t = value if isinstance(value, Temperature) else None
            row.temperature_value = t.value if t else None
            row.temperature_unit = t.unit if t else None
            row.temperature_f = t.fahrenheit if t else None
        elif q.kind is Kind.TEXT:
            setattr(row, q.name, value or "")
        else:
            setattr(row, q.name, value)


def has_answers(c: CheckIn) -> bool:
    """Whether the row holds a questionnaire (a baseline photo may come without one)."""
    return not c.is_baseline or any(getattr(c, n) is not None for n in _REQUIRED_COLUMNS)


def treatment_view(t: Treatment) -> TreatmentView:
    return TreatmentView(
        id=t.id,
        patient_id=t.patient_id,
        patient_name=t.patient.display_name,
        procedure=t.procedure,
        treated_at=t.treated_at,
        areas=tuple(t.areas or ()),
        needle_depth_mm=t.needle_depth_mm,
        antiviral_prescribed=t.antiviral_prescribed,
        schedule_days=tuple(int(d) for d in t.schedule_days or ()),
    )


def photo_view(p: Photo) -> PhotoView:
    return PhotoView(
        id=p.id,
        sha256=p.sha256,
        storage_key=p.storage_key,
        display_key=p.display_key,
        thumb_key=p.thumb_key,
        original_name=p.original_name,
        width=p.width,
        height=p.height,
        format=p.format,
        quality_acceptable=p.quality_acceptable,
        quality_issues=tuple(str(i) for i in p.quality_issues or ()),
        metrics=PhotoMetrics(
            mean_a_star=p.mean_a_star,
            erythema_index=p.erythema_index,
            red_area_fraction=p.red_area_fraction,
            ita=p.ita,
            calibrated=p.calibrated,
        ),
        algorithm_version=p.algorithm_version,
        mm_per_pixel=p.mm_per_pixel,
        region_kind=p.region_kind,
        has_region=p.region_key is not None,
    )


def reasons_from_json(raw: object) -> tuple[Reason, ...]:
    out = []
    for r in raw if isinstance(raw, list) else []:
        if isinstance(r, dict):
            out.append(
                Reason(
                    rule=str(r.get("rule", "")),
                    severity=Severity(r.get("severity", Severity.REVIEW)),
                    message=str(r.get("message", "")),
                    patient_message=str(r.get("patient_message", "")),
                    because=tuple(str(b) for b in r.get("because", ())),
                )
            )
    return tuple(out)


def reasons_to_json(reasons: tuple[Reason, ...]) -> list[dict[str, object]]:
    return [
        {
            "rule": r.rule,
            "severity": r.severity.value,
            "message": r.message,
            "patient_message": r.patient_message,
            "because": list(r.because),
        }
        for r in reasons
    ]


def answers_of(c: CheckIn) -> dict[str, object]:
    """The stored answers by question name (the temperature as text, and its °F figure)."""
    if not has_answers(c):
        return {}
    out: dict[str, object] = {
        q.name: getattr(c, q.name)
        for q in questionnaire.QUESTIONS
        if q.kind is not Kind.TEMPERATURE
    }
    out["temperature_f"] = c.temperature_f
    out["temperature"] = (
        None if c.temperature_value is None else f"{c.temperature_value:g} °{c.temperature_unit}"
    )
    return out


def checkin_view(c: CheckIn) -> CheckInView:
    tr = c.triage
    photos = tuple(photo_view(p) for p in c.photos)
    return CheckInView(
        id=c.id,
        treatment_id=c.treatment_id,
        submitted_at=c.submitted_at,
        hours_since_treatment=c.hours_since_treatment,
        day_since_treatment=c.day_since_treatment,
        is_baseline=c.is_baseline,
        answers=answers_of(c),
        photos=photos,
        severity=Severity(tr.severity) if tr else None,
        reasons=reasons_from_json(tr.reasons) if tr else (),
        patient_message=tr.patient_message if tr else "",
        rules_version=tr.rules_version if tr else None,
        metrics=PhotoMetrics(
            mean_a_star=c.mean_a_star,
            erythema_index=c.erythema_index,
            red_area_fraction=c.red_area_fraction,
            calibrated=calibrated(
                [
                    v.metrics
                    for v in photos
                    if measured(acceptable=bool(v.quality_acceptable), metrics=v.metrics)
                ]
            ),
        ),
        delta_a_star_baseline=c.delta_a_star_baseline,
        delta_a_star_previous=c.delta_a_star_previous,
        zones=dict(c.zones or {}),
    )


def message_view(m: Message, authors: dict[int, str]) -> MessageView:
    name = authors.get(m.author_user_id, "Your care team") if m.author_user_id else "Patient"
    return MessageView(
        id=m.id,
        direction=MessageDirection(m.direction),
        author_name=name,
        body=m.body,
        created_at=m.created_at,
    )
