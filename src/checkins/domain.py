"""The vocabulary of a check-in: validated inputs and the plain results services return.

Inputs are pydantic models (they parse and refuse); results are frozen dataclasses (they only
carry). Times are naive UTC throughout the library; the clinic's time zone is for display only.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from checkins import questionnaire
from checkins.i18n import N_
from checkins.questionnaire import Kind

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

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(role=Role.ADMIN, name=name)


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


# ``defer_build``: a model's validator is built the first time it validates, not at import, so
# commands that never validate an answer (``checkins analyze``) do not pay for it at start-up.
_STRICT = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class Temperature(BaseModel):
    """A thermometer reading as the patient entered it."""

    model_config = _STRICT
    value: float
    unit: Literal["F", "C"]

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("the temperature must be a number")
        return v

    @model_validator(mode="after")
    def _plausible(self) -> Temperature:
        f = self.fahrenheit
        if not MIN_PLAUSIBLE_F <= f <= MAX_PLAUSIBLE_F:
            shown = f"{self.value:g} °{self.unit}"
            raise ValueError(
                f"a reading of {shown} is not a body temperature we can use; please check it "
                "and whether it is in °F or °C"
            )
        return self

    @property
    def fahrenheit(self) -> float:
        """The reading in °F, rounded to 0.01 so 38.5 °C compares exactly as 101.3 °F."""
        f = self.value if self.unit == "F" else self.value * 9.0 / 5.0 + 32.0
        return round(f, 2)


class AnswersBase(BaseModel):
    """The symptom questionnaire's answers; the fields come from ``questionnaire.QUESTIONS``.

    A required question's key must be present (a temperature may be null: not taken); an
    optional one may be left out. An unknown key is refused.
    """

    model_config = _STRICT

    def answer(self, name: str) -> object:
        """The answer to the question ``name`` (None when it was not given)."""
        questionnaire.question(name)  # KeyError for a question we do not ask
        return getattr(self, name, None)

    @property
    def temperature_reading(self) -> Temperature | None:
        value = self.answer("temperature")
        return value if isinstance(value, Temperature) else None


def _whole(q: questionnaire.Question) -> Any:
    scale = q.scale
    assert scale is not None

    def check(v: object) -> object:
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise ValueError(f"{q.in_sentence} is a whole number from {scale.low} to {scale.high}")
        return v

    return check


def _answer_field(q: questionnaire.Question) -> tuple[Any, Any]:
    """(type, default) of one question's field; ``...`` as the default means required."""
    kind: Any
    if q.kind is Kind.TEMPERATURE:
        kind = Temperature | None
    elif q.kind is Kind.YES_NO:
        kind = bool
    elif q.kind is Kind.CHOICE:
        kind = cast(Any, Literal)[q.words]
    elif q.kind is Kind.SCALE:
        assert q.scale is not None
        kind = Annotated[int, BeforeValidator(_whole(q)), Field(ge=q.scale.low, le=q.scale.high)]
    else:
        kind = Annotated[str, Field(max_length=q.max_length or None)]
    if q.required:
        return kind, ...
    if q.kind is Kind.TEXT:
        return kind, ""
    return kind | None, None


if TYPE_CHECKING:
    Answers = AnswersBase
else:
    Answers = create_model(
        "Answers",
        __base__=AnswersBase,
        __module__=__name__,
        **{q.name: _answer_field(q) for q in questionnaire.QUESTIONS},
    )


class TreatmentRef(BaseModel):
    model_config = _STRICT
    procedure: Procedure
    treated_at: datetime

    @field_validator("treated_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_naive_utc(v)


class CheckInInput(BaseModel):
    """One check-in as the CLI's JSON contract and the patient page submit it."""

    model_config = _STRICT
    treatment: TreatmentRef
    submitted_at: datetime
    answers: Answers
    photos: list[str] = Field(default_factory=list, max_length=MAX_PHOTOS)
    client_submission_id: Annotated[str, Field(min_length=8, max_length=64)] | None = None

    @field_validator("submitted_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_naive_utc(v)

    @model_validator(mode="after")
    def _after_treatment(self) -> CheckInInput:
        if self.submitted_at < self.treatment.treated_at:
            raise ValueError(
                "the check-in is dated before the treatment it follows; please check both dates"
            )
        return self


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
