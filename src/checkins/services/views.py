"""Plain, frozen results that services hand to the CLI and the dashboard (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Actor lives in the domain (access.py checks it without importing services); re-exported here.
from checkins.domain import Actor as Actor
from checkins.domain import (
    MessageDirection,
    PhotoMetrics,
    Reason,
    ReviewStatus,
    Severity,
    TriageResult,
)
from checkins.guidance import CallNow


@dataclass(frozen=True)
class ClinicView:
    name: str
    phone: str  # as people read it, "(555) 010-0199"; "" when the clinic has not set one
    time_zone: str
    target_response_minutes: int
    reference_card: bool = False  # patients were given the printed reference card
    office_hours: dict[str, list[str] | None] = field(default_factory=dict)
    after_hours_phone: str | None = None
    default_schedule_days: tuple[int, ...] = (1, 3, 7, 14, 28)
    link_validity_days: int = 42
    reminder_hour: int = 9
    escalation_minutes: int = 15
    phone_e164: str | None = None  # what is stored and dialled
    after_hours_phone_display: str = ""
    id: int = 0  # the clinic's row (0: UNSET_CLINIC, a database without one)
    organisation: str = ""
    rules_path: str | None = None  # its own rule file; None for the shipped rules


@dataclass(frozen=True)
class TreatmentView:
    id: int
    patient_id: int
    patient_name: str
    procedure: str
    treated_at: datetime
    areas: tuple[str, ...]
    needle_depth_mm: float | None
    antiviral_prescribed: bool
    schedule_days: tuple[int, ...]


@dataclass(frozen=True)
class PhotoView:
    id: int
    sha256: str
    storage_key: str
    display_key: str | None
    thumb_key: str | None
    original_name: str
    width: int
    height: int
    format: str
    quality_acceptable: bool | None
    quality_issues: tuple[str, ...]
    metrics: PhotoMetrics
    algorithm_version: str | None
    mm_per_pixel: float | None = None
    # The measured region: "face", "body" or "none" (None before imaging-2.0), and whether its
    # image is stored (for the "measured area" overlay).
    region_kind: str | None = None
    has_region: bool = False


@dataclass(frozen=True)
class CheckInView:
    id: int
    treatment_id: int
    submitted_at: datetime
    hours_since_treatment: float
    day_since_treatment: int
    is_baseline: bool
    answers: dict[str, object]  # the questionnaire's typed answers by name (empty for a baseline)
    photos: tuple[PhotoView, ...]
    severity: Severity | None
    reasons: tuple[Reason, ...]
    patient_message: str
    rules_version: str | None
    metrics: PhotoMetrics  # the check-in's redness: mean over its acceptable photos
    delta_a_star_baseline: float | None = None
    delta_a_star_previous: float | None = None
    zones: dict[str, dict[str, float]] = field(default_factory=dict)  # checkins.measures


@dataclass(frozen=True)
class SubmitResult:
    checkin_id: int
    created: bool  # False when this client submission id was stored before
    triage: TriageResult
    review_item_id: int | None
    photos: tuple[PhotoView, ...] = ()


@dataclass(frozen=True)
class QueueRow:
    item_id: int
    checkin_id: int
    treatment_id: int
    patient_id: int
    patient_name: str
    procedure: str
    day_since_treatment: int
    severity: Severity
    rules: tuple[str, ...]
    summary: str  # the rules that fired, in a few words
    status: ReviewStatus
    claimed_by_id: int | None
    claimed_by_name: str | None
    created_at: datetime
    waiting_minutes: float
    version: int
    patient_open_cases: int = 1  # this patient's open cases in the whole queue (with this one)


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: MessageDirection
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    role: str
    action: str
    outcome: str
    detail: str


@dataclass(frozen=True)
class CaseView:
    item: QueueRow
    treatment: TreatmentView
    checkin: CheckInView
    previous: CheckInView | None
    baseline: CheckInView | None
    history: tuple[CheckInView, ...]  # every check-in of this treatment, oldest first
    messages: tuple[MessageView, ...]
    audit: tuple[AuditView, ...]
    other_open: tuple[QueueRow, ...] = ()  # the same patient's other open cases


@dataclass(frozen=True)
class PatientHome:
    clinic: ClinicView
    treatment: TreatmentView
    day_since_treatment: int  # negative before the treatment
    history: tuple[CheckInView, ...] = field(default_factory=tuple)
    messages: tuple[MessageView, ...] = field(default_factory=tuple)
    next_checkin_day: int | None = None
    call_now: CallNow | None = None  # whom to call at the time of reading (office hours)
    next_treatment_window: tuple[date, date] | None = None  # the series: 4–6 weeks on
    # The patient's language (patients.language, i18n.SUPPORTED); None: not asked, so their
    # page follows their browser.
    language: str | None = None


@dataclass(frozen=True)
class PatientView:
    """A patient as the front desk sees them (contact details, no clinical content)."""

    id: int
    name: str
    birth_date: date | None
    phone_e164: str | None
    email: str | None
    language: str | None  # None: not asked (patients.LANGUAGES)
    contact_preference: str
    caregiver_name: str | None
    caregiver_phone_e164: str | None
    caregiver_email: str | None
    discharged_at: datetime | None
    discharge_reason: str
    opted_out_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class PatientPage:
    rows: tuple[PatientView, ...]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class ScheduledView:
    day: int
    due_at: datetime  # naive UTC
    checkin_id: int | None
    cancelled: bool


@dataclass(frozen=True)
class TreatmentDetail:
    treatment: TreatmentView
    rf_level: float | None
    pre_treatment_prep: bool | None
    staff_note: str
    series_number: int
    previous_treatment_id: int | None
    ended_at: datetime | None
    end_reason: str
    schedule: tuple[ScheduledView, ...]
    next_treatment_window: tuple[date, date]


@dataclass(frozen=True)
class CaseSummary:
    item_id: int
    checkin_id: int
    severity: Severity
    status: ReviewStatus
    created_at: datetime


@dataclass(frozen=True)
class PatientRecord:
    patient: PatientView
    treatments: tuple[TreatmentDetail, ...]  # newest first
    checkins: tuple[CheckInView, ...]  # oldest first
    cases: tuple[CaseSummary, ...]
    messages: tuple[MessageView, ...]
    links: tuple[AuditView, ...]  # links issued and revoked, newest first
    viewers: tuple[AuditView, ...]  # who opened this record, newest first
