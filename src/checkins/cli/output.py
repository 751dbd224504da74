"""How the commands print: one JSON object under --json, else a few human lines. Every
command's output shape is here, so the command modules only gather what to show."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    from checkins.domain import TriageResult
    from checkins.services.reconcile import ReconcileReport
    from checkins.services.views import (
        PatientPage,
        PatientView,
        QueuePage,
        SubmitResult,
        TreatmentDetail,
    )


def emit(out: TextIO, payload: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        out.write(json.dumps(payload, default=str) + "\n")
    else:
        out.write(human.rstrip() + "\n")


def triage_text(result: TriageResult) -> str:
    reasons = "\n".join(f"  - {r.rule}: {r.message}" for r in result.reasons)
    return f"{result.severity.value.upper()}\n{reasons}\n\n{result.patient_message}"


def submit_json(result: SubmitResult, treatment_id: int) -> dict[str, Any]:
    return {
        **result.triage.to_json(),
        "checkin_id": result.checkin_id,
        "created": result.created,
        "review_item_id": result.review_item_id,
        "treatment_id": treatment_id,
        "photos": [
            {
                "sha256": p.sha256,
                "quality_acceptable": p.quality_acceptable,
                "mean_a_star": p.metrics.mean_a_star,
            }
            for p in result.photos
        ],
    }


def submit_text(result: SubmitResult) -> str:
    return f"Check-in {result.checkin_id} stored ({result.triage.severity.value})" + (
        "" if result.created else " — already received before, not stored twice"
    )


def queue_json(page: QueuePage) -> dict[str, Any]:
    rows = [
        {
            "item_id": r.item_id,
            "severity": r.severity.value,
            "rules": list(r.rules),
            "patient": r.patient_name,
            "procedure": r.procedure,
            "day": r.day_since_treatment,
            "status": r.status.value,
            "claimed_by": r.claimed_by_name,
            "waiting_minutes": round(r.waiting_minutes, 1),
        }
        for r in page.rows
    ]
    return {"ok": True, "total": page.total, "page": page.page, "items": rows}


def queue_text(page: QueuePage) -> str:
    lines = "\n".join(
        f"{r.item_id:>6}  {r.severity.value:<7} {r.patient_name:<24} "
        f"day {r.day_since_treatment:<3} {r.status.value:<8} {r.summary}"
        for r in page.rows
    )
    return lines or "The queue is empty."


def patient_json(v: PatientView) -> dict[str, Any]:
    from checkins import contact

    return {
        "patient_id": v.id,
        "name": v.name,
        "birth_date": v.birth_date.isoformat() if v.birth_date else None,
        "phone": v.phone_e164,
        "phone_display": contact.display_phone(v.phone_e164),
        "email": v.email,
        "language": v.language,
        "contact_preference": v.contact_preference,
        "discharged": v.discharged_at is not None,
    }


def patients_json(page: PatientPage) -> dict[str, Any]:
    rows = [patient_json(v) for v in page.rows]
    return {"ok": True, "total": page.total, "page": page.page, "patients": rows}


def patients_text(page: PatientPage) -> str:
    lines = "\n".join(
        f"{r['patient_id']:>6}  {r['name']:<28} {r['birth_date'] or '':<10}  {r['phone_display']}"
        for r in map(patient_json, page.rows)
    )
    return lines or "No patients match."


def treatment_json(detail: TreatmentDetail) -> dict[str, Any]:
    schedule = [
        {"day": d.day, "due": d.due_at.isoformat() + "Z"}
        for d in detail.schedule
        if not d.cancelled
    ]
    return {
        "ok": True,
        "treatment_id": detail.treatment.id,
        "series_number": detail.series_number,
        "schedule": schedule,
    }


def treatment_text(detail: TreatmentDetail) -> str:
    days = ", ".join(str(d.day) for d in detail.schedule if not d.cancelled)
    return f"Recorded treatment {detail.treatment.id}; check-ins on days {days}"


def reconcile_text(report: ReconcileReport, *, repaired: bool) -> str:
    if report.clean:
        return "Photo store and database agree."
    return (
        f"{len(report.rows_without_files)} photo rows without files, "
        f"{len(report.files_without_rows)} files without rows, "
        f"{len(report.temp_files)} interrupted writes"
        + (" — repaired." if repaired else " — run with --repair to fix.")
    )
