"""The vocabulary of a check-in: validated inputs and the plain results services return.

Inputs are pydantic models (they parse and refuse; defined in ``checkins.inputs`` and loaded
from here on first use); results are frozen dataclasses (they only carry). Times are naive UTC
throughout the library; the clinic's time zone is for display only.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from checkins import questionnaire
from checkins.i18n import N_

if TYPE_CHECKING:
    from checkins.inputs import Answers as Answers
    from checkins.inputs import AnswersBase as AnswersBase
    from checkins.inputs import CheckInInput as CheckInInput
    from checkins.inputs import Temperature as Temperature
    from checkins.inputs import TreatmentRef as TreatmentRef

Procedure = Literal["microneedling", "microneedling_rf"]
PROCEDURES: tuple[str, ...] = ("microneedling", "microneedling_rf")
PROCEDURE_LABELS: dict[str, str] = {
    "microneedling": N_("Micro-needling"),
    "microneedling_rf": N_("Micro-needling with RF"),
}
SWELLING_LEVELS: tuple[str, ...] = questionnaire.choice_words("swelling")
REDNESS_LEVELS: tuple[str, ...] = questionnaire.choice_words("redness")
# The clinic's default: days 1, 3, 7 and 14, and a late check-in on day 28, because infections
# after cosmetic procedures can show about three weeks later (PMC12065458).
DEFAULT_SCHEDULE_DAYS: tuple[int, ...] = (1, 3, 7, 14, 28)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OFFICE_HOURS: dict[str, list[str] | None] = {
    **{d: ["09:00", "17:00"] for d in WEEKDAYS[:5]},
    "sat": None,
    "sun": None,
}

# The most photos one check-in holds (the form, intake and the JSON contract all say so).
MAX_PHOTOS = 8

# A body temperature no living patient reports: below 34 °C (93.2 °F) or above 43 °C (109.4 °F)
# is a typo or a wrong unit, not a reading. We refuse it with a sentence rather than guess.
MIN_PLAUSIBLE_F = 93.2
MAX_PLAUSIBLE_F = 109.4


class Severity(enum.StrEnum):
    """How soon a provider must look. Ordered: routine < review < urgent."""

    ROUTINE = "routine"
    REVIEW = "review"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ROUTINE: 0, Severity.REVIEW: 1, Severity.URGENT: 2}


class Role(enum.StrEnum):
    PATIENT = "patient"
    PROVIDER = "provider"
    MANAGER = "manager"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"


class ReviewStatus(enum.StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class OutboxStatus(enum.StrEnum):
    """Where an outgoing message is: queued (due at ``next_attempt_at``), sending (claimed by a
    worker under a lease), sent, failed for good, or skipped (never to be sent)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class ChannelName(enum.StrEnum):
    """How a message leaves the software."""

    EMAIL = "email"
    SMS = "sms"


class ContactPreference(enum.StrEnum):
    """Which channels a patient is messaged on."""

    SMS = "sms"
    EMAIL = "email"
    BOTH = "both"
    NONE = "none"

    def wants(self, channel: ChannelName) -> bool:
        return self is ContactPreference.BOTH or self.value == channel.value


class MessageDirection(enum.StrEnum):
    """Which way a message of a case's thread went."""

    TO_PATIENT = "to_patient"  # a provider's reply
    FROM_PATIENT = "from_patient"  # the patient's answer from their page


class Disposition(enum.StrEnum):
    CONTACTED_PATIENT = "contacted_patient"
    VISIT_SCHEDULED = "visit_scheduled"
    SELF_CARE_ADVISED = "self_care_advised"
    NO_ACTION_NEEDED = "no_action_needed"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Actor:
    """Who is acting, for access checks and the audit log."""

    role: Role
    name: str
    user_id: int | None = None
    patient_id: int | None = None  # set for a patient acting through their link
    treatment_id: int | None = None  # the one treatment a patient link opens
    # The clinic the actor acts in (every read and write is scoped to it); None only for an
    # actor outside any clinic (a refused link), who sees nothing.
    clinic_id: int | None = field(kw_only=True)
    # A manager's organisation: every clinic whose trends they may read (with ``clinic_id``).
    organisation_clinics: frozenset[int] = field(default=frozenset(), kw_only=True)

    @classmethod
    def system(cls, clinic_id: int, name: str = "system") -> Actor:
        """The software itself acting for one clinic (the worker, the command line)."""
        return cls(role=Role.ADMIN, name=name, clinic_id=clinic_id)


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the library stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00+05:00 has no UTC time: a ValueError says so
        raise ValueError("that date and time is out of range; check the year") from None


_INPUTS = frozenset({"Answers", "AnswersBase", "CheckInInput", "Temperature", "TreatmentRef"})


def __getattr__(name: str) -> Any:
    """The pydantic input models, imported from ``checkins.inputs`` on first use (PEP 562)."""
    if name in _INPUTS:
        from checkins import inputs

        return getattr(inputs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class PhotoMetrics:
    """Redness of one photo or one check-in, in the units docs/metrics.md defines."""

    mean_a_star: float | None = None
    erythema_index: float | None = None
    red_area_fraction: float | None = None
    ita: float | None = None
    calibrated: bool = False


def measured(*, acceptable: bool, metrics: PhotoMetrics) -> bool:
    """Whether a photo's redness counts: it passed the quality gate and could be measured."""
    return acceptable and metrics.mean_a_star is not None


def calibrated(measured_photos: Sequence[PhotoMetrics]) -> bool:
    """Whether a check-in's figures are calibrated: only when every measured photo was (and
    there was one). Erring toward caution: one uncalibrated photo makes the set uncalibrated."""
    return bool(measured_photos) and all(m.calibrated for m in measured_photos)


@dataclass(frozen=True)
class MetricChange:
    """A check-in's redness and its change against the baseline and the previous check-in."""

    current: PhotoMetrics = field(default_factory=PhotoMetrics)
    delta_a_star_baseline: float | None = None
    delta_a_star_previous: float | None = None
    delta_ei_baseline: float | None = None
    delta_ei_previous: float | None = None
    photos_total: int = 0
    photos_unusable: int = 0


@dataclass(frozen=True)
class Reason:
    """One rule that fired, with what it tells the provider and the patient and why it fired."""

    rule: str
    severity: Severity
    message: str
    patient_message: str
    because: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriageResult:
    severity: Severity
    reasons: tuple[Reason, ...]
    patient_message: str
    rules_version: str
    day_since_treatment: int
    next_checkin_day: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "ok": True,
            "severity": self.severity.value,
            "reasons": [
                {"rule": r.rule, "severity": r.severity.value, "message": r.message}
                for r in self.reasons
            ],
            "patient_message": self.patient_message,
            "rules_version": self.rules_version,
        }


class CheckinsError(Exception):
    """An error with a code for programs and a sentence for people."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_json(self) -> dict[str, object]:
        return {"ok": False, "error": {"code": self.code, "message": self.message}}


class InvalidInput(CheckinsError):
    code = "invalid_input"


class NotFound(CheckinsError):
    code = "not_found"


class AccessDenied(CheckinsError):
    code = "access_denied"


class Conflict(CheckinsError):
    code = "conflict"
