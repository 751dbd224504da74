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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from pydantic import ValidationError

from checkins.domain import Answers, CheckinsError, InvalidInput, Temperature
from checkins.i18n import ENGLISH, N_, Translator
from checkins.imaging import MAX_UPLOAD_BYTES
from checkins.services import intake
from checkins.validation import friendly, parse_answers

log = logging.getLogger(__name__)
MAX_PHOTOS = 8
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
COULD_NOT_CHECK = N_("We could not check this photo just now; please try again or take another.")
YES, NO = "Yes", "No"  # the answers' values (drafts keep them): shown as tr(YES), tr(NO)
N_("Yes"), N_("No")
SWELLING_CHOICES: dict[str, str] = {
    "none": N_("None"),
    "mild": N_("Mild"),
    "moderate": N_("Moderate"),
    "excessive": N_("A lot (much more than right after treatment)"),
}
REDNESS_CHOICES: dict[str, str] = {
    "none": N_("None"),
    "mild": N_("Mild (pink)"),
    "moderate": N_("Moderate (like a sunburn)"),
    "severe": N_("Severe (deep red, spreading)"),
}
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
    progress: Callable[[int, int, str], None] | None = None,
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
FORM_ORDER = (
    "temperature",
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
# Every raw form value a draft may keep (services/drafts.py drops anything else).
DRAFT_FIELDS = frozenset({*FORM_ORDER, "unit", "no_thermometer"})
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


def read_number(text: str | float | int | None) -> float | None:
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


QUESTIONS = {  # the sentence for an unanswered yes/no question, in the form's order
    "drainage_like_pus": N_("Please answer: is there drainage that looks like pus?"),
    "increased_warmth": N_("Please answer: is the area getting warmer?"),
    "oozing": N_("Please answer: is the skin oozing clear fluid?"),
    "picked_or_peeled_skin": N_("Please answer: have you picked, rubbed or peeled any skin?"),
}


def _optional_yes_no(value: str | None) -> bool | None:
    return None if value is None else value == YES


def answers_from_form(
    *,
    temperature: str | float | None,
    unit: str,
    no_thermometer: bool,
    drainage_like_pus: str | None,
    increased_warmth: str | None,
    swelling: str | None,
    redness: str | None,
    oozing: str | None,
    pain: str | float | None,
    picked_or_peeled_skin: str | None,
    sun_exposure: str | None,
    routine_followed: str | None,
    antiviral_taken: str | None,
    antiviral_prescribed: bool,
    notes: str,
    tr: Translator = ENGLISH,
) -> Answers:
    """The questionnaire's widgets (typed numbers, Yes/No radios, °F/°C) as validated ``Answers``.

    Raises ``FormErrors`` listing every unanswered question and every value we cannot use (a
    temperature no body has, pain of 3.5 or 12), each naming its field, in the form's order.
    A value is never silently changed: "3.5" is refused, not read as 3. Every sentence is in
    ``tr``'s language.
    """
    errors: list[FieldError] = []
    unit_code = "C" if unit.endswith("C") else "F"
    reading: float | None = None
    try:
        reading = read_number(temperature)
    except ValueError:
        errors.append(
            FieldError(
                "temperature",
                tr("Please type your temperature as a number, for example 98.6 or 37,0."),
            )
        )
    else:
        if reading is None and not no_thermometer:
            errors.append(
                FieldError(
                    "temperature",
                    tr("Please enter your temperature, or tick “I did not take my temperature”."),
                )
            )
        elif reading is not None:
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
                errors.append(FieldError("temperature", message))
    yes_no = {
        "drainage_like_pus": drainage_like_pus,
        "increased_warmth": increased_warmth,
        "oozing": oozing,
        "picked_or_peeled_skin": picked_or_peeled_skin,
    }
    for name, question in QUESTIONS.items():
        if yes_no[name] is None:
            errors.append(FieldError(name, tr(question)))
    if swelling is None:
        errors.append(FieldError("swelling", tr("Please answer: how swollen is the treated area?")))
    if redness is None:
        errors.append(FieldError("redness", tr("Please answer: how red is the treated area?")))
    pain_value: float | None = None
    with contextlib.suppress(ValueError):  # not a number: said below
        pain_value = read_number(pain)
    if pain_value is None:
        if pain is None or not str(pain).strip():
            errors.append(
                FieldError("pain", tr("Please give your pain from 0 (none) to 10 (worst)."))
            )
        else:
            errors.append(
                FieldError("pain", tr("Please give your pain as a whole number from 0 to 10."))
            )
    elif not pain_value.is_integer():
        errors.append(
            FieldError(
                "pain",
                tr(
                    "Pain is a whole number from 0 (none) to 10 (worst): %(value)s is between "
                    "two; please choose %(low)s or %(high)s.",
                    value=tr.number(pain_value, digits=3),
                    low=math.floor(pain_value),
                    high=math.ceil(pain_value),
                ),
            )
        )
    elif not 0 <= pain_value <= 10:
        errors.append(FieldError("pain", tr("Pain is a whole number from 0 (none) to 10 (worst).")))
    if antiviral_prescribed and antiviral_taken is None:
        errors.append(
            FieldError(
                "antiviral_taken",
                tr("Please answer: are you taking your antiviral as prescribed?"),
            )
        )
    if errors:
        raise FormErrors(errors)
    data: dict[str, object] = {
        "temperature": None if reading is None else {"value": reading, "unit": unit_code},
        "drainage_like_pus": drainage_like_pus == YES,
        "increased_warmth": increased_warmth == YES,
        "swelling": swelling,
        "redness": redness,
        "oozing": oozing == YES,
        "pain": int(pain_value or 0),  # not None here: checked above
        "picked_or_peeled_skin": picked_or_peeled_skin == YES,
        "sun_exposure": _optional_yes_no(sun_exposure),
        "routine_followed": _optional_yes_no(routine_followed),
        "antiviral_taken": _optional_yes_no(antiviral_taken) if antiviral_prescribed else None,
        "notes": notes.strip(),
    }
    try:
        return parse_answers(data)
    except InvalidInput as refused:
        field = "notes" if "notes" in refused.message.lower() else "temperature"
        raise FormErrors([FieldError(field, tr(refused.message))]) from None
