"""What the patient check-in page needs beyond the intake service: one photo's verdict in plain
words, the questionnaire's form values turned into ``Answers`` (or one sentence), and whether
the check-in may be sent yet.

Kept out of the page script so it can be unit-tested and the page stays a thin layout.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from checkins import questionnaire
from checkins.domain import MAX_PHOTOS, Answers, CheckinsError, InvalidInput, Temperature
from checkins.i18n import ENGLISH, N_, Translator
from checkins.imaging import MAX_UPLOAD_BYTES
from checkins.questionnaire import Kind
from checkins.services import intake
from checkins.validation import friendly, parse_answers, scale_sentence

log = logging.getLogger(__name__)
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
COULD_NOT_CHECK = N_("We could not check this photo just now; please try again or take another.")
YES, NO = "Yes", "No"  # the answers' values (drafts keep them): shown as tr(YES), tr(NO)
N_("Yes"), N_("No")
CARD_HINT = N_(
    "If the clinic gave you the reference card, hold it flat beside the treated area, at the "
    "same distance from the camera as your skin, with all four black corner squares in the "
    "frame and nothing covering them."
)
PHOTO_TIPS = (
    N_("Face a window or a bright lamp; avoid strong shadows and the flash."),
    N_("Hold the phone about 30 cm (one foot) away and keep still until the photo is taken."),
    N_("Fill most of the frame with the treated area; no filters or beauty mode."),
)


def new_submission_id() -> str:
    """A fresh client submission id: one per check-in form, reused by every retry of it."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PhotoCheck:
    """One photo's verdict for the page: usable, or the reason and what to do about it."""

    sha256: str
    name: str
    ok: bool
    problems: tuple[str, ...]  # plain sentences (quality hints or the refusal), empty when ok
    card_detected: bool
    prepared: intake.PreparedPhoto | None  # None when the file could not be read at all

    @property
    def thumb(self) -> bytes | None:
        return self.prepared.processed.thumb_jpeg if self.prepared is not None else None

    @property
    def measured_thumb(self) -> bytes | None:
        """The thumbnail with the measured area outlined, or None when none was found."""
        if self.prepared is None:
            return None
        a = self.prepared.analysis
        if a.region_labels is None or not a.region_labels.any():
            return None
        from checkins.imaging.overlay import overlay_jpeg
        from checkins.imaging.zones import region_png

        return overlay_jpeg(self.prepared.processed.thumb_jpeg, region_png(a.region_labels))


def photo_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What the uploaders accept. The page does not pass these to Streamlit as `type=` (it enforces
# them by raising, which shows its error page): the name is checked here, the content by the
# decoder's own format allow-list.
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
NOT_A_PHOTO_NAME = N_(
    "Only photos can be sent (JPEG, PNG, WebP or HEIC), and “%(name)s” is not one. "
    "Please remove it and choose a photo."
)
DAMAGED_NAME = N_("That file's name is damaged; please remove it and choose the photo again.")


def name_problem(name: str, *, tr: Translator = ENGLISH) -> str | None:
    """A sentence when an upload's name is not a photo's (a .html file, a NUL byte), else None.

    A name without an extension passes: some phones send one; the decoder decides."""
    if any(not ch.isprintable() for ch in name):
        return tr(DAMAGED_NAME)
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    if suffix and suffix not in PHOTO_EXTENSIONS:
        return tr(NOT_A_PHOTO_NAME, name=intake.display_name(name))
    return None


def check_photo(data: bytes, *, name: str, tr: Translator = ENGLISH) -> PhotoCheck:
    """Decode and analyse a photo (in the imaging worker process) and say what to do with it.

    Its problems are in English (the page shows each through ``tr``), so a check kept in the
    session's cache reads right after the patient switches language; a name refused here is
    already in ``tr``'s language (it is never cached)."""
    key = photo_key(data)
    shown = intake.display_name(name)
    if (problem := name_problem(name, tr=tr)) is not None:
        return PhotoCheck(key, shown, False, (problem,), False, None)
    try:
        prepared = intake.prepare_photo(data, name=name)
    except CheckinsError as refused:
        return PhotoCheck(key, shown, False, (refused.message,), False, None)
    except Exception:
        log.exception("photo analysis failed")
        return PhotoCheck(key, shown, False, (COULD_NOT_CHECK,), False, None)
    quality = prepared.analysis.quality
    problems = tuple(dict.fromkeys(issue.hint for issue in quality.issues if issue.hint))
    if not quality.acceptable and not problems:
        problems = (N_("This photo is not clear enough to measure; please take it again."),)
    card = bool(prepared.analysis.calibration.card_detected)
    return PhotoCheck(key, prepared.name, bool(quality.acceptable), problems, card, prepared)


def check_photos(
    uploads: Sequence[tuple[str, bytes]],
    *,
    cache: dict[str, PhotoCheck],
    progress: Callable[[int, int, str], object] | None = None,  # what it returns is ignored
    tr: Translator = ENGLISH,
) -> list[PhotoCheck]:
    """Verdicts for ``(name, bytes)`` uploads, analysing only those not in ``cache`` yet.

    ``cache`` (sha256 -> PhotoCheck) is the caller's, per user; ``progress(done, total, name)``
    is called before each new analysis so the page can show where it is.
    """
    refused = {  # by name, before the cache: the same bytes may have passed under a photo's name
        photo_key(data): check_photo(data, name=name, tr=tr)
        for name, data in uploads
        if name_problem(name) is not None
    }
    keyed = [(photo_key(data), name, data) for name, data in uploads]
    new = [(k, n, d) for k, n, d in keyed if k not in cache and k not in refused]
    for i, (key, name, data) in enumerate(new):
        if progress is not None:
            progress(i, len(new), name)
        cache[key] = check_photo(data, name=name)
    # A repeat counts once.
    return [refused.get(k) or cache[k] for k in dict.fromkeys(k for k, _, _ in keyed)]


def ready_to_send(
    checks: Sequence[PhotoCheck], *, baseline: bool, tr: Translator = ENGLISH
) -> str | None:
    """``None`` when the photos allow sending, else the sentence that says what to fix."""
    bad = [c for c in checks if not c.ok]
    if bad:
        names = ", ".join(f"“{c.name}”" for c in bad)
        return tr(
            "Please retake %(names)s before sending: remove it with the × next to its name "
            "and add a new photo. (You can also remove it and send without it.)",
            names=names,
        )
    if len(checks) > MAX_PHOTOS:
        return tr("Please send at most %(n)s photos in one check-in.", n=MAX_PHOTOS)
    if baseline and not checks:
        return tr("Add at least one photo of the area to be treated.")
    return None


# The questionnaire's fields in the order the form shows them; errors are listed in this order.
FORM_ORDER = questionnaire.NAMES
# The temperature's own widgets besides the reading: its unit and its "not taken" box.
UNIT_FIELD, SKIP_FIELD = "unit", "no_thermometer"
# Every raw form value a draft may keep (services/drafts.py drops anything else).
DRAFT_FIELDS = frozenset({*FORM_ORDER, UNIT_FIELD, SKIP_FIELD})
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


@dataclass(frozen=True)
class FieldError:
    """One problem with one answer: ``field`` names the question (the page links to it)."""

    field: str
    message: str


class FormErrors(InvalidInput):
    """Every problem in the form at once, in the form's order."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: FORM_ORDER.index(e.field)))
        super().__init__(" ".join(e.message for e in self.errors), code="form_errors")


def read_number(text: object) -> float | None:
    """A number as a person types it: "38,7" and "38.7" are both 38.7; blank is ``None``.

    Raises ``ValueError`` for anything else ("thirty-eight", "38.7.1", "1e3").
    """
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(cleaned)
    return float(cleaned.replace(",", "."))


def _asked(q: questionnaire.Question, values: Mapping[str, Any]) -> bool:
    return not q.asked_if or bool(values.get(q.asked_if))


def _lower_first(text: str) -> str:
    """ "¿Hay…?" -> "¿hay…?", "Is…" -> "is…": a question inside a sentence."""
    i = 1 if text[:1] in "¿¡" else 0
    return text[:i] + text[i : i + 1].lower() + text[i + 1 :]


def missing(q: questionnaire.Question, tr: Translator = ENGLISH) -> str:
    """The sentence when a patient left ``q`` unanswered, in ``tr``'s language."""
    if tr.locale == ENGLISH.locale:
        return q.missing
    return tr("Please answer: %(question)s", question=_lower_first(tr(q.prompt)))


def scale_problem(
    q: questionnaire.Question, tr: Translator = ENGLISH, *, value: float | None = None
) -> str:
    """ "Pain is a whole number from 0 (none) to 10 (worst)." (and, for a value between two
    whole numbers, which two to choose), in ``tr``'s language."""
    s = q.scale
    assert s is not None
    if tr.locale == ENGLISH.locale:
        base = scale_sentence(q)
        if value is None:
            return base
        return (
            f"{base[:-1]}: {value:g} is between two; please choose "
            f"{math.floor(value):g} or {math.ceil(value):g}."
        )
    words = {
        "phrase": tr(q.in_sentence),
        "low": s.low,
        "high": s.high,
        "low_word": tr(s.low_word),
        "high_word": tr(s.high_word),
    }
    if value is None:
        return tr(
            "%(phrase)s: a whole number from %(low)s (%(low_word)s) to %(high)s (%(high_word)s).",
            **words,
        )
    return tr(
        "%(phrase)s: a whole number from %(low)s (%(low_word)s) to %(high)s (%(high_word)s); "
        "%(value)s is between two, please choose %(floor)s or %(ceil)s.",
        value=tr.number(value, digits=3),
        floor=math.floor(value),
        ceil=math.ceil(value),
        **words,
    )


def _temperature(
    q: questionnaire.Question,
    values: Mapping[str, Any],
    errors: list[FieldError],
    tr: Translator = ENGLISH,
) -> object:
    unit_code = "C" if str(values.get(UNIT_FIELD) or "").endswith("C") else "F"
    try:
        reading = read_number(values.get(q.name))
    except ValueError:
        errors.append(
            FieldError(
                q.name, tr("Please type your temperature as a number (%(hint)s).", hint=tr(q.hint))
            )
        )
        return None
    if reading is None:
        if not values.get(SKIP_FIELD):
            errors.append(
                FieldError(
                    q.name,
                    tr("Please enter your temperature, or tick “%(skip)s”.", skip=tr(q.skip)),
                )
            )
        return None
    try:
        Temperature(value=reading, unit=unit_code)
    except ValidationError as bad:
        message = friendly(bad).message
        if tr.locale != ENGLISH.locale:  # the model's sentence is English: say it here
            message = tr(
                "A reading of %(reading)s is not a body temperature we can use; please "
                "check it and whether it is in °F or °C.",
                reading=tr.temperature(reading, unit_code),
            )
        errors.append(FieldError(q.name, message))
    return {"value": reading, "unit": unit_code}


def _scale(
    q: questionnaire.Question, raw: object, errors: list[FieldError], tr: Translator = ENGLISH
) -> object:
    scale = q.scale
    assert scale is not None
    value: float | None = None
    with contextlib.suppress(ValueError):  # not a number: said below
        value = read_number(raw)
    if value is None:
        if raw is None or not str(raw).strip():
            errors.append(FieldError(q.name, missing(q, tr).rstrip(".?") + "."))
        else:
            text = (
                f"Please give your {q.in_sentence} as a whole number from {scale.low} "
                f"to {scale.high}."
                if tr.locale == ENGLISH.locale
                else tr(
                    "Please give your %(phrase)s as a whole number from %(low)s to %(high)s.",
                    phrase=tr(q.in_sentence),
                    low=scale.low,
                    high=scale.high,
                )
            )
            errors.append(FieldError(q.name, text))
        return None
    if not value.is_integer():
        errors.append(FieldError(q.name, scale_problem(q, tr, value=value)))
        return None
    if not scale.low <= value <= scale.high:
        errors.append(FieldError(q.name, scale_problem(q, tr)))
        return None
    return int(value)


def answers_from_form(values: Mapping[str, Any], *, tr: Translator = ENGLISH) -> Answers:
    """The questionnaire's widgets (typed numbers, Yes/No radios, °F/°C) as validated ``Answers``.

    ``values`` holds each question's raw value by name (``questionnaire.QUESTIONS``), the
    temperature's ``unit`` and ``no_thermometer`` box, and the treatment flags questions
    depend on (``antiviral_prescribed``). Raises ``FormErrors`` listing every unanswered question
    and every value we cannot use (a temperature no body has, pain of 3.5 or 12), each naming
    its field, in the form's order. A value is never silently changed: "3.5" is refused, not
    read as 3. A required question, or an optional one asked only because of a flag, must be
    answered; the other optional ones may be left blank. Every sentence is in ``tr``'s
    language.
    """
    errors: list[FieldError] = []
    data: dict[str, object] = {}
    for q in questionnaire.QUESTIONS:
        raw = values.get(q.name)
        if not _asked(q, values):
            data[q.name] = None
            continue
        must = q.required or bool(q.asked_if)
        if q.kind is Kind.TEMPERATURE:
            data[q.name] = _temperature(q, values, errors, tr)
        elif q.kind is Kind.SCALE:
            data[q.name] = _scale(q, raw, errors, tr)
        elif q.kind is Kind.TEXT:
            data[q.name] = str(raw or "").strip()
        elif raw is None:
            if must:
                errors.append(FieldError(q.name, missing(q, tr)))
            data[q.name] = None
        elif q.kind is Kind.YES_NO:
            data[q.name] = raw == YES
        else:
            data[q.name] = raw
    if errors:
        raise FormErrors(errors)
    try:
        return parse_answers(data)
    except InvalidInput as refused:
        field = "notes" if "notes" in refused.message.lower() else "temperature"
        raise FormErrors([FieldError(field, tr(refused.message))]) from None
