"""FHIR R4 (R4B) resources for the clinic's health record, built from stored rows as plain dicts.

``bundle(rows)`` turns one patient's (or several patients') treatments, check-ins, photos, cases
and messages into a ``collection`` Bundle:

- ``Patient``; ``Procedure`` per treatment (body sites as text, depth and RF level as notes);
- one ``Questionnaire`` (the check-in questions) and a ``QuestionnaireResponse`` per check-in;
- ``Observation`` body temperature (LOINC 8310-5, ``[degF]`` or ``Cel`` as the patient reported
  it) and the photo redness figures (local code system ``REDNESS_SYSTEM``, docs/fhir.md);
- ``Media`` per photo (the file is not embedded: its SHA-256 is the identifier);
- ``Flag`` per warning sign that fired (SNOMED CT where a code exists, ``SNOMED``);
- ``Task`` per review item (new → requested, claimed → in-progress, resolved → completed);
- ``Communication`` per message between the care team and the patient.

Every reference is a ``urn:uuid:`` full URL of an entry in the same bundle (uuid5 of the row, so
the same row always has the same id). Nothing here reads the database; services/fhir_export.py
does, after the access check. The tests validate the output with fhir.resources' R4B models.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from checkins.domain import PROCEDURE_LABELS, ReviewStatus
from checkins.questionnaire import QUESTIONS as CHECKIN_QUESTIONS
from checkins.questionnaire import Kind

NAMESPACE = uuid.UUID("6f1d3c1e-7b7a-4d52-9f3e-0c6c1e2f9a41")
QUESTIONNAIRE_URL = "https://checkins.invalid/fhir/Questionnaire/post-treatment-checkin"
REDNESS_SYSTEM = "https://checkins.invalid/fhir/CodeSystem/photo-redness"
RULE_SYSTEM = "https://checkins.invalid/fhir/CodeSystem/warning-rule"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"

# Warning signs with a SNOMED CT finding (the rest carry the rule's own code and its text).
SNOMED_FOR_RULE: dict[str, tuple[str, str]] = {
    "increased_warmth": ("17038008", "Increased skin temperature"),
    "pus_drainage": ("225550006", "Purulent discharge"),
    "photo_redness_rising": ("239163008", "Wound erythema"),
    "redness_after_7_days": ("239163008", "Wound erythema"),
    "severe_redness": ("239163008", "Wound erythema"),
}
REDNESS_CODES: dict[str, str] = {
    "mean_a_star": "Mean CIELAB a* over the measured skin",
    "erythema_index": "Erythema index, 100·log10(R/G)",
    "red_area_fraction": "Share of measured skin with a* above 15",
}
TASK_STATUS = {
    ReviewStatus.NEW: "requested",
    ReviewStatus.CLAIMED: "in-progress",
    ReviewStatus.RESOLVED: "completed",
}

# The FHIR item type of each kind of question.
ITEM_TYPES: dict[Kind, str] = {
    Kind.TEMPERATURE: "quantity",
    Kind.YES_NO: "boolean",
    Kind.CHOICE: "choice",
    Kind.SCALE: "integer",
    Kind.TEXT: "text",
}
# The check-in questions, from the questionnaire's table: (linkId, text, FHIR item type, answer
# options as (code, display) for choices, required). A temperature not taken is an answer the
# patient may give, but FHIR has no null answer, so its item is not required.
QUESTIONS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...], bool], ...] = tuple(
    (q.name, q.prompt, ITEM_TYPES[q.kind], q.choices, q.required and q.kind is not Kind.TEMPERATURE)
    for q in CHECKIN_QUESTIONS
)


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None  # None: never asked, so the Bundle claims none


@dataclass(frozen=True)
class TreatmentRow:
    id: int
    patient_id: int
    procedure: str
    treated_at: datetime
    areas: tuple[str, ...] = ()
    needle_depth_mm: float | None = None
    rf_level: float | None = None


@dataclass(frozen=True)
class PhotoRow:
    id: int
    sha256: str
    content_type: str
    width: int
    height: int
    created_at: datetime


@dataclass(frozen=True)
class CheckInRow:
    id: int
    treatment_id: int
    submitted_at: datetime
    is_baseline: bool
    answers: dict[str, Any]  # by question linkId; temperature as (value, "F"|"C")
    redness: dict[str, float]  # REDNESS_CODES name → value (the measured ones only)
    rules: tuple[tuple[str, str], ...] = ()  # (rule id, message) of the warning signs fired
    photos: tuple[PhotoRow, ...] = ()


@dataclass(frozen=True)
class CaseRow:
    id: int
    checkin_id: int
    status: ReviewStatus
    created_at: datetime
    owner: str | None = None
    resolved_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class MessageRow:
    id: int
    treatment_id: int
    case_id: int | None
    from_patient: bool
    author: str
    body: str
    sent_at: datetime


@dataclass(frozen=True)
class Record:
    patients: Sequence[PatientRow]
    treatments: Sequence[TreatmentRow] = ()
    checkins: Sequence[CheckInRow] = ()
    cases: Sequence[CaseRow] = ()
    messages: Sequence[MessageRow] = ()
    clinic: str = "the clinic"


def _urn(kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


def _when(t: datetime) -> str:
    """An instant with its zone (stored times are naive UTC)."""
    aware = t if t.tzinfo else t.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class _Builder:
    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, full_url: str, resource: dict[str, Any]) -> str:
        self.entries.append({"fullUrl": full_url, "resource": resource})
        return full_url


def questionnaire() -> dict[str, Any]:
    items = []
    for link, text, kind, options, required in QUESTIONS:
        item: dict[str, Any] = {"linkId": link, "text": text, "type": kind}
        if required:
            item["required"] = True
        if options:
            item["answerOption"] = [
                {"valueCoding": {"code": code, "display": shown}} for code, shown in options
            ]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "status": "active",
        "title": "Check-in after micro-needling",
        "item": items,
    }


def _answer(kind: str, value: Any, wording: dict[str, str]) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if kind == "quantity":
        v, unit = value
        code = "[degF]" if unit == "F" else "Cel"
        return {"valueQuantity": {"value": v, "unit": f"°{unit}", "system": UCUM, "code": code}}
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "integer":
        return {"valueInteger": int(value)}
    if kind == "choice":
        return {"valueCoding": {"code": str(value), "display": wording.get(str(value), str(value))}}
    return {"valueString": str(value)}


def bundle(record: Record, *, generated_at: datetime) -> dict[str, Any]:
    """The Bundle (a plain dict, JSON-ready) for ``record``."""
    b = _Builder()
    patient_ref: dict[int, str] = {}
    for p in record.patients:
        res: dict[str, Any] = {
            "resourceType": "Patient",
            "identifier": [{"system": "https://checkins.invalid/patient", "value": str(p.id)}],
            "name": [{"text": p.name}],
        }
        if p.language is not None:
            bcp47 = {"system": "urn:ietf:bcp:47", "code": p.language}
            res["communication"] = [{"language": {"coding": [bcp47]}}]
        if p.birth_date:
            res["birthDate"] = p.birth_date.isoformat()
        telecom = [{"system": "phone", "value": p.phone, "use": "mobile"}] if p.phone else []
        if p.email:
            telecom.append({"system": "email", "value": p.email})
        if telecom:
            res["telecom"] = telecom
        patient_ref[p.id] = b.add(_urn("patient", p.id), res)
    treatment_patient: dict[int, str] = {}
    procedure_ref: dict[int, str] = {}
    for t in record.treatments:
        subject = patient_ref[t.patient_id]
        treatment_patient[t.id] = subject
        notes = []
        if t.needle_depth_mm is not None:
            notes.append({"text": f"Needle depth {t.needle_depth_mm:g} mm"})
        if t.rf_level is not None:
            notes.append({"text": f"RF level {t.rf_level:g}"})
        proc: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": "completed",
            "code": {"text": PROCEDURE_LABELS.get(t.procedure, t.procedure)},
            "subject": {"reference": subject},
            "performedDateTime": _when(t.treated_at),
        }
        if t.areas:
            proc["bodySite"] = [{"text": a} for a in t.areas]
        if notes:
            proc["note"] = notes
        procedure_ref[t.id] = b.add(_urn("procedure", t.id), proc)
    q_ref = (
        b.add(_urn("questionnaire", QUESTIONNAIRE_URL), questionnaire())
        if any(not c.is_baseline for c in record.checkins)
        else None
    )
    response_ref: dict[int, str] = {}
    for c in record.checkins:
        subject = treatment_patient[c.treatment_id]
        when = _when(c.submitted_at)
        if not c.is_baseline and q_ref is not None:
            items = []
            for link, text, kind, options, _ in QUESTIONS:
                ans = _answer(kind, c.answers.get(link), dict(options))
                if ans is not None:
                    items.append({"linkId": link, "text": text, "answer": [ans]})
            response_ref[c.id] = b.add(
                _urn("response", c.id),
                {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": QUESTIONNAIRE_URL,
                    "status": "completed",
                    "subject": {"reference": subject},
                    "authored": when,
                    "partOf": [{"reference": procedure_ref[c.treatment_id]}],
                    "item": items,
                },
            )
        focus = response_ref.get(c.id)
        temp = c.answers.get("temperature")
        if temp is not None:
            v, unit = temp
            b.add(
                _urn("temperature", c.id),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "category": [_category("vital-signs", "Vital Signs")],
                    "code": {
                        "coding": [
                            {"system": LOINC, "code": "8310-5", "display": "Body temperature"}
                        ],
                        "text": "Body temperature",
                    },
                    "subject": {"reference": subject},
                    "effectiveDateTime": when,
                    "valueQuantity": {
                        "value": v,
                        "unit": f"°{unit}",
                        "system": UCUM,
                        "code": "[degF]" if unit == "F" else "Cel",
                    },
                    **({"derivedFrom": [{"reference": focus}]} if focus else {}),
                },
            )
        media_refs = []
        for ph in c.photos:
            media_refs.append(
                b.add(
                    _urn("media", ph.id),
                    {
                        "resourceType": "Media",
                        "status": "completed",
                        "identifier": [
                            {"system": "urn:ietf:rfc:6920", "value": f"sha-256;{ph.sha256}"}
                        ],
                        "subject": {"reference": subject},
                        "partOf": [{"reference": procedure_ref[c.treatment_id]}],
                        "createdDateTime": when,
                        "width": ph.width,
                        "height": ph.height,
                        "content": {
                            "contentType": ph.content_type,
                            "title": f"Check-in photo, {when[:10]}",
                        },
                    },
                )
            )
        for name, value in c.redness.items():
            b.add(
                _urn(f"redness-{name}", c.id),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "category": [_category("imaging", "Imaging")],
                    "code": {
                        "coding": [
                            {"system": REDNESS_SYSTEM, "code": name, "display": REDNESS_CODES[name]}
                        ],
                        "text": REDNESS_CODES[name],
                    },
                    "subject": {"reference": subject},
                    "effectiveDateTime": when,
                    "valueQuantity": {"value": round(value, 4), "system": UCUM, "code": "1"},
                    **(
                        {"derivedFrom": [{"reference": r} for r in media_refs]}
                        if media_refs
                        else {}
                    ),
                },
            )
        for rule, message in c.rules:
            code: dict[str, Any] = {
                "coding": [{"system": RULE_SYSTEM, "code": rule}],
                "text": message,
            }
            if rule in SNOMED_FOR_RULE:
                sct, display = SNOMED_FOR_RULE[rule]
                code["coding"].insert(0, {"system": SNOMED, "code": sct, "display": display})
            b.add(
                _urn(f"flag-{rule}", c.id),
                {
                    "resourceType": "Flag",
                    "status": "active",
                    "category": [{"text": "Warning sign after treatment"}],
                    "code": code,
                    "subject": {"reference": subject},
                    "period": {"start": when},
                },
            )
    checkin_of = {c.id: c for c in record.checkins}
    task_ref: dict[int, str] = {}
    for case in record.cases:
        c = checkin_of[case.checkin_id]
        task: dict[str, Any] = {
            "resourceType": "Task",
            "status": TASK_STATUS.get(case.status, "requested"),
            "intent": "order",
            "description": "Review a post-treatment check-in",
            "for": {"reference": treatment_patient[c.treatment_id]},
            "authoredOn": _when(case.created_at),
            "focus": {"reference": response_ref.get(c.id) or procedure_ref[c.treatment_id]},
        }
        if case.owner:
            task["owner"] = {"display": case.owner}
        if case.resolved_at:
            task["lastModified"] = _when(case.resolved_at)
        if case.note:
            task["note"] = [{"text": case.note}]
        task_ref[case.id] = b.add(_urn("task", case.id), task)
    for m in record.messages:
        subject = treatment_patient[m.treatment_id]
        comm: dict[str, Any] = {
            "resourceType": "Communication",
            "status": "completed",
            "subject": {"reference": subject},
            "sent": _when(m.sent_at),
            "payload": [{"contentString": m.body}],
            "sender": {"reference": subject} if m.from_patient else {"display": m.author},
            "recipient": [{"display": record.clinic}]
            if m.from_patient
            else [{"reference": subject}],
        }
        if m.case_id is not None and m.case_id in task_ref:
            comm["about"] = [{"reference": task_ref[m.case_id]}]
        b.add(_urn("message", m.id), comm)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _when(generated_at),
        "entry": b.entries,
    }


def _category(code: str, display: str) -> dict[str, Any]:
    return {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": code,
                "display": display,
            }
        ]
    }


def references(value: Any) -> Iterable[str]:
    """Every ``reference`` string anywhere in a resource or bundle (for the resolution test)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)
