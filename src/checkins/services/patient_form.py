"""What the patient check-in page needs beyond the intake service: one photo's verdict in plain
words, the questionnaire's form values turned into ``Answers`` (or one sentence), and whether
the check-in may be sent yet.

Kept out of the page script so it can be unit-tested and the page stays a thin layout.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from checkins.domain import Answers, CheckinsError, InvalidInput
from checkins.imaging import MAX_UPLOAD_BYTES
from checkins.services import intake
from checkins.validation import parse_answers

log = logging.getLogger(__name__)
MAX_PHOTOS = 8
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
COULD_NOT_CHECK = "We could not check this photo just now; please try again or take another."
YES, NO = "Yes", "No"
SWELLING_CHOICES: dict[str, str] = {
    "none": "None",
    "mild": "Mild",
    "moderate": "Moderate",
    "excessive": "A lot (much more than right after treatment)",
}
REDNESS_CHOICES: dict[str, str] = {
    "none": "None",
    "mild": "Mild (pink)",
    "moderate": "Moderate (like a sunburn)",
    "severe": "Severe (deep red, spreading)",
}
CARD_HINT = (
    "If the clinic gave you the reference card, hold it flat beside the treated area, at the "
    "same distance from the camera as your skin, with all four black corner squares in the "
    "frame and nothing covering them."
)
PHOTO_TIPS = (
    "Face a window or a bright lamp; avoid strong shadows and the flash.",
    "Hold the phone about 30 cm (one foot) away and keep still until the photo is taken.",
    "Fill most of the frame with the treated area; no filters or beauty mode.",
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


def photo_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What the uploaders accept. The page does not pass these to Streamlit as `type=` (it enforces
# them by raising, which shows its error page): the name is checked here, the content by the
# decoder's own format allow-list.
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
NOT_A_PHOTO_NAME = (
    "Only photos can be sent (JPEG, PNG, WebP or HEIC), and “{name}” is not one. "
    "Please remove it and choose a photo."
)
DAMAGED_NAME = "That file's name is damaged; please remove it and choose the photo again."


def name_problem(name: str) -> str | None:
    """A sentence when an upload's name is not a photo's (a .html file, a NUL byte), else None.

    A name without an extension passes: some phones send one; the decoder decides."""
    if any(not ch.isprintable() for ch in name):
        return DAMAGED_NAME
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    if suffix and suffix not in PHOTO_EXTENSIONS:
        return NOT_A_PHOTO_NAME.format(name=intake.display_name(name))
    return None


def check_photo(data: bytes, *, name: str) -> PhotoCheck:
    """Decode and analyse a photo (in the imaging worker process) and say what to do with it."""
    key = photo_key(data)
    shown = intake.display_name(name)
    if (problem := name_problem(name)) is not None:
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
        problems = ("This photo is not clear enough to measure; please take it again.",)
    card = bool(prepared.analysis.calibration.card_detected)
    return PhotoCheck(key, prepared.name, bool(quality.acceptable), problems, card, prepared)


def check_photos(
    uploads: Sequence[tuple[str, bytes]],
    *,
    cache: dict[str, PhotoCheck],
    progress: Callable[[int, int, str], None] | None = None,
) -> list[PhotoCheck]:
    """Verdicts for ``(name, bytes)`` uploads, analysing only those not in ``cache`` yet.

    ``cache`` (sha256 -> PhotoCheck) is the caller's, per user; ``progress(done, total, name)``
    is called before each new analysis so the page can show where it is.
    """
    refused = {  # by name, before the cache: the same bytes may have passed under a photo's name
        photo_key(data): check_photo(data, name=name)
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


def ready_to_send(checks: Sequence[PhotoCheck], *, baseline: bool) -> str | None:
    """``None`` when the photos allow sending, else the sentence that says what to fix."""
    bad = [c for c in checks if not c.ok]
    if bad:
        names = ", ".join(f"“{c.name}”" for c in bad)
        return (
            f"Please retake {names} before sending: remove it with the × next to its name "
            "and add a new photo. (You can also remove it and send without it.)"
        )
    if len(checks) > MAX_PHOTOS:
        return f"Please send at most {MAX_PHOTOS} photos in one check-in."
    if baseline and not checks:
        return "Add at least one photo of the area to be treated."
    return None


def _yes_no(value: str | None, question: str) -> bool:
    if value is None:
        raise InvalidInput(f"Please answer: {question}", code="missing_answer")
    return value == YES


def _optional_yes_no(value: str | None) -> bool | None:
    return None if value is None else value == YES


def answers_from_form(
    *,
    temperature: float | None,
    unit: str,
    no_thermometer: bool,
    drainage_like_pus: str | None,
    increased_warmth: str | None,
    swelling: str | None,
    redness: str | None,
    oozing: str | None,
    pain: float | None,
    picked_or_peeled_skin: str | None,
    sun_exposure: str | None,
    routine_followed: str | None,
    antiviral_taken: str | None,
    antiviral_prescribed: bool,
    notes: str,
) -> Answers:
    """The questionnaire's widgets (Yes/No radios, °F/°C) as validated ``Answers``.

    Raises ``InvalidInput`` with one sentence: the first unanswered question, or the first
    impossible value (a temperature no body has, pain above 10…).
    """
    if temperature is None and not no_thermometer:
        raise InvalidInput(
            "Please enter your temperature, or tick “I did not take my temperature”.",
            code="missing_answer",
        )
    if swelling is None:
        raise InvalidInput("Please answer: how swollen is the treated area?", code="missing_answer")
    if redness is None:
        raise InvalidInput("Please answer: how red is the treated area?", code="missing_answer")
    if pain is None:
        raise InvalidInput(
            "Please give your pain from 0 (none) to 10 (worst).", code="missing_answer"
        )
    if antiviral_prescribed and antiviral_taken is None:
        raise InvalidInput(
            "Please answer: are you taking your antiviral as prescribed?", code="missing_answer"
        )
    data: dict[str, object] = {
        "temperature": (
            None
            if temperature is None
            else {"value": float(temperature), "unit": "C" if unit.endswith("C") else "F"}
        ),
        "drainage_like_pus": _yes_no(drainage_like_pus, "is there drainage that looks like pus?"),
        "increased_warmth": _yes_no(increased_warmth, "is the area getting warmer?"),
        "swelling": swelling,
        "redness": redness,
        "oozing": _yes_no(oozing, "is the skin oozing clear fluid?"),
        "pain": pain if not float(pain).is_integer() else int(pain),
        "picked_or_peeled_skin": _yes_no(
            picked_or_peeled_skin, "have you picked, rubbed or peeled any skin?"
        ),
        "sun_exposure": _optional_yes_no(sun_exposure),
        "routine_followed": _optional_yes_no(routine_followed),
        "antiviral_taken": _optional_yes_no(antiviral_taken) if antiviral_prescribed else None,
        "notes": notes.strip(),
    }
    return parse_answers(data)
