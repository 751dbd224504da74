"""The validated inputs of a check-in: pydantic models that parse and refuse.

They live apart from ``checkins.domain`` (which re-exports them, loaded on first use) so that a
command that never parses an answer, such as ``checkins analyze``, does not import pydantic or
build these models at start-up.
"""

from __future__ import annotations

import math
from datetime import datetime
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
from checkins.domain import MAX_PHOTOS, MAX_PLAUSIBLE_F, MIN_PLAUSIBLE_F, Procedure, to_naive_utc
from checkins.questionnaire import Kind

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
