"""Turn raw input (JSON text, form values) into validated models, or one sentence a person
understands, with a code a program can branch on. Never a traceback, never pydantic's jargon."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from checkins import questionnaire
from checkins.domain import Answers, CheckInInput, InvalidInput
from checkins.questionnaire import Kind

# What each field is called in a sentence: the questions' own words, then the check-in's.
_LABELS = {
    **{q.name: q.in_sentence for q in questionnaire.QUESTIONS},
    "treated_at": "treatment date",
    "submitted_at": "check-in date",
    "procedure": "procedure",
    "value": "temperature",
    "unit": "temperature unit",
}


def _question(loc: tuple[int | str, ...]) -> questionnaire.Question | None:
    """The question an error is about: the innermost name in its location that is one."""
    for part in reversed(loc):
        if isinstance(part, str) and part in questionnaire.BY_NAME:
            return questionnaire.BY_NAME[part]
    return None


def scale_sentence(q: questionnaire.Question) -> str:
    """ "Pain is a whole number from 0 (none) to 10 (worst).", from the question's scale."""
    s = q.scale
    assert s is not None
    name = q.in_sentence
    return (
        f"{name[:1].upper()}{name[1:]} is a whole number from {s.low} ({s.low_word}) "
        f"to {s.high} ({s.high_word})."
    )


def _where(loc: tuple[int | str, ...]) -> str:
    names = [str(p) for p in loc if isinstance(p, str)]
    for name in reversed(names):
        if name in _LABELS:
            return _LABELS[name]
    return ".".join(names) or "the check-in"


def friendly(error: ValidationError) -> InvalidInput:
    """The first problem, said plainly; the code names its class."""
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    loc = tuple(first.get("loc", ()))
    what = _where(loc)
    asked = _question(loc)
    kind_of = asked.kind if asked is not None else None
    msg = str(first.get("msg", ""))
    if kind == "missing":
        return InvalidInput(f"Please answer the question about {what}.", code="missing_answer")
    if kind == "extra_forbidden":
        return InvalidInput(
            f"“{what}” is not a question we ask; please remove it.", code="unknown_field"
        )
    if kind in ("literal_error", "enum"):
        allowed = first.get("ctx", {}).get("expected", "")
        return InvalidInput(
            f"The answer for {what} must be one of {allowed}.", code="unknown_value"
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if asked is not None and kind_of is Kind.SCALE:
            return InvalidInput(scale_sentence(asked), code="out_of_range")
        return InvalidInput(
            f"The answer for {what} is out of range: {msg.lower()}.", code="out_of_range"
        )
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        code = "implausible_temperature" if kind_of is Kind.TEMPERATURE else "invalid_value"
        if "before the treatment" in text:
            code = "dated_before_treatment"
        if kind_of is Kind.SCALE:
            code = "out_of_range"
        return InvalidInput(text[:1].upper() + text[1:] + ".", code=code)
    if kind.startswith(("datetime", "date")):
        return InvalidInput(
            f"The {what} is not a date and time we can read (use e.g. 2026-11-20T10:00:00).",
            code="invalid_date",
        )
    if kind.startswith(("bool", "int", "float", "string", "list", "dict", "model")):
        return InvalidInput(
            f"The answer for {what} has the wrong kind of value.", code="wrong_type"
        )
    return InvalidInput(f"The answer for {what} is not valid: {msg}.", code="invalid_input")


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise friendly(e) from None


def parse_checkin(data: Any) -> CheckInInput:
    if not isinstance(data, dict):
        raise InvalidInput("A check-in must be a JSON object.", code="invalid_input")
    return _validate(CheckInInput, data)


# A check-in is sent when it is made: one dated later than this is a typo (year 2999), not a
# clock a little ahead or a time zone away.
FUTURE_SLACK = timedelta(days=1)


def parse_checkin_json(text: str | bytes, *, now: datetime | None = None) -> CheckInInput:
    """A check-in from JSON. With ``now`` (naive UTC), one dated in the future is refused."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidInput(
            "The file nests too deeply to be a check-in; please check it.", code="invalid_json"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(
            f"The file is not valid JSON (line {getattr(e, 'lineno', '?')}); please check it.",
            code="invalid_json",
        ) from None
    except ValueError:  # Python refuses integers over 4,300 digits
        raise InvalidInput(
            "The file holds a number far too long to be an answer; please check it.",
            code="invalid_json",
        ) from None
    checkin = parse_checkin(data)
    if now is not None and checkin.submitted_at > now + FUTURE_SLACK:
        raise InvalidInput(
            f"The check-in is dated {checkin.submitted_at:%Y-%m-%d}, in the future; "
            "please check the date.",
            code="dated_in_future",
        )
    return checkin


def parse_answers(data: Any) -> Answers:
    return _validate(Answers, data)
