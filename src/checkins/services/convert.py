"""ORM rows to plain views. Services call these before their session closes."""

from __future__ import annotations

from checkins.domain import PhotoMetrics, Reason, Severity
from checkins.services.views import CheckInView, MessageView, PhotoView, TreatmentView
from checkins.storage.models import CheckIn, Message, Photo, Treatment

ANSWER_FIELDS: tuple[str, ...] = (
    "temperature_f",
    "drainage_like_pus",
    "increased_warmth",
    "swelling",
    "redness",
    "oozing",
    "pain",
    "picked_or_peeled_skin",
    "sun_exposure",
    "routine_followed",
    "antiviral_taken",
    "notes",
)


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
    if c.is_baseline and c.swelling is None:
        return {}
    out: dict[str, object] = {name: getattr(c, name) for name in ANSWER_FIELDS}
    out["temperature"] = (
        None if c.temperature_value is None else f"{c.temperature_value:g} °{c.temperature_unit}"
    )
    return out


def checkin_view(c: CheckIn) -> CheckInView:
    tr = c.triage
    return CheckInView(
        id=c.id,
        treatment_id=c.treatment_id,
        submitted_at=c.submitted_at,
        hours_since_treatment=c.hours_since_treatment,
        day_since_treatment=c.day_since_treatment,
        is_baseline=c.is_baseline,
        answers=answers_of(c),
        photos=tuple(photo_view(p) for p in c.photos),
        severity=Severity(tr.severity) if tr else None,
        reasons=reasons_from_json(tr.reasons) if tr else (),
        patient_message=tr.patient_message if tr else "",
        rules_version=tr.rules_version if tr else None,
        metrics=PhotoMetrics(
            mean_a_star=c.mean_a_star,
            erythema_index=c.erythema_index,
            red_area_fraction=c.red_area_fraction,
            calibrated=any(p.calibrated for p in c.photos),
        ),
        delta_a_star_baseline=c.delta_a_star_baseline,
        delta_a_star_previous=c.delta_a_star_previous,
        zones=dict(c.zones or {}),
    )


def message_view(m: Message, authors: dict[int, str]) -> MessageView:
    name = authors.get(m.author_user_id, "Your care team") if m.author_user_id else "Patient"
    return MessageView(
        id=m.id, direction=m.direction, author_name=name, body=m.body, created_at=m.created_at
    )
