"""The symptom questionnaire, once: every question a patient answers after a treatment.

One table (``QUESTIONS``) drives everything that names a question: the patient form
(``dashboard/patient_ui.py``, in this order), the validator (``domain.Answers`` is built from it,
``validation`` and ``services/patient_form`` word their sentences with it), the staff labels (the
case page and its PDF), the row mapping (intake, convert, the FHIR export, bench/seed.py), the
rules' facts (``rules/facts.py``) and the FHIR Questionnaire (``fhir.py``).

The patient-facing strings (``prompt``, ``hint``, ``skip``, the choices' wording) are plain
English here and nowhere else; a translation looks them up from this table.

Pure data: this module imports nothing from the rest of the library.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Kind(enum.StrEnum):
    """What an answer is, which decides its widget, its validation and its fact."""

    TEMPERATURE = "temperature"  # a thermometer reading with its unit, or "not taken" (null)
    YES_NO = "yes_no"
    CHOICE = "choice"  # one word of ``choices``
    SCALE = "scale"  # a whole number on ``scale``
    TEXT = "text"  # free text for the provider


@dataclass(frozen=True)
class Scale:
    """A whole-number scale and the words at its ends: 0 (none) to 10 (worst)."""

    low: int
    high: int
    low_word: str
    high_word: str


@dataclass(frozen=True)
class Question:
    """One question of the check-in.

    ``name`` is the answer's key in a check-in's JSON, its column on the check-in row and its
    FHIR linkId. ``required`` means every check-in carries the answer (a temperature may be
    "not taken", which is null); an optional one may be left out. ``asked_if`` names the
    treatment flag without which the question is not asked (and when it is asked, the form
    requires it). ``fact`` is the name rules use for it (rules/facts.py).
    """

    name: str
    kind: Kind
    label: str  # staff: the case page, its PDF and CSV
    prompt: str  # patient: the question as the form asks it (also the FHIR item's text)
    fact: str
    required: bool = True
    hint: str = ""  # patient: the placeholder or help under the question
    skip: str = ""  # patient: the box that says the question cannot be answered
    phrase: str = ""  # the answer inside a sentence: "the answer for {phrase} ..."; else label
    choices: tuple[tuple[str, str], ...] = ()  # CHOICE: (code, the patient's wording)
    scale: Scale | None = None  # SCALE
    max_length: int = 0  # TEXT
    asked_if: str = ""
    fact_label: str = ""  # the fact in a rule's reasons, when it is not the phrase
    fact_note: str = ""  # docs/rules.md's note on the fact, when it needs more than the default

    @property
    def words(self) -> tuple[str, ...]:
        """The codes a CHOICE answer may take, in order."""
        return tuple(code for code, _ in self.choices)

    @property
    def wording(self) -> Mapping[str, str]:
        """CHOICE: code -> the patient's wording of it."""
        return dict(self.choices)

    @property
    def in_sentence(self) -> str:
        return self.phrase or self.label.lower()

    @property
    def missing(self) -> str:
        """The sentence when a patient left it unanswered."""
        return f"Please answer: {self.prompt[:1].lower()}{self.prompt[1:]}"


QUESTIONS: tuple[Question, ...] = (
    Question(
        "temperature",
        Kind.TEMPERATURE,
        label="Temperature",
        prompt="Temperature",
        hint="e.g. 98.6 or 37,0",
        skip="I did not take my temperature",
        fact="temperature_f",
        fact_note="°F; a °C reading is converted at the thermometer's displayed precision "
        "(0.1 °F), so 38.6 °C reads as 101.5 °F; null if not taken",
    ),
    Question(
        "drainage_like_pus",
        Kind.YES_NO,
        label="Drainage like pus",
        phrase="drainage that looks like pus",
        prompt="Is there drainage that looks like pus?",
        fact="drainage_like_pus",
    ),
    Question(
        "increased_warmth",
        Kind.YES_NO,
        label="Increased warmth",
        prompt="Is the area getting warmer, at or around it?",
        fact="increased_warmth",
    ),
    Question(
        "swelling",
        Kind.CHOICE,
        label="Swelling",
        prompt="How swollen is the treated area?",
        fact="swelling",
        choices=(
            ("none", "None"),
            ("mild", "Mild"),
            ("moderate", "Moderate"),
            ("excessive", "A lot (much more than right after treatment)"),
        ),
    ),
    Question(
        "redness",
        Kind.CHOICE,
        label="Redness (patient's view)",
        phrase="redness",
        prompt="How red is the treated area?",
        fact="redness",
        choices=(
            ("none", "None"),
            ("mild", "Mild (pink)"),
            ("moderate", "Moderate (like a sunburn)"),
            ("severe", "Severe (deep red, spreading)"),
        ),
    ),
    Question(
        "oozing",
        Kind.YES_NO,
        label="Oozing",
        prompt="Is the skin oozing clear fluid?",
        fact="oozing",
    ),
    Question(
        "pain",
        Kind.SCALE,
        label="Pain (0–10)",
        phrase="pain",
        prompt="Pain, from 0 (none) to 10 (worst)",
        hint="a whole number, 0 to 10",
        fact="pain",
        scale=Scale(0, 10, "none", "worst"),
    ),
    Question(
        "picked_or_peeled_skin",
        Kind.YES_NO,
        label="Picked or peeled skin",
        prompt="Have you picked, rubbed or peeled any skin?",
        fact="picked_or_peeled_skin",
    ),
    Question(
        "sun_exposure",
        Kind.YES_NO,
        label="Sun exposure",
        prompt="Have you been in direct sun since treatment?",
        fact="sun_exposure",
        required=False,
    ),
    Question(
        "routine_followed",
        Kind.YES_NO,
        label="Followed the routine",
        phrase="skin care routine followed",
        prompt="Are you following your morning and evening routine?",
        fact="routine_followed",
        required=False,
    ),
    Question(
        "antiviral_taken",
        Kind.YES_NO,
        label="Took the antiviral",
        phrase="antiviral taken",
        prompt="Are you taking your antiviral as prescribed?",
        fact="antiviral_taken",
        required=False,
        asked_if="antiviral_prescribed",
    ),
    Question(
        "notes",
        Kind.TEXT,
        label="Notes",
        prompt="Anything else for your provider? (optional)",
        fact="has_notes",
        required=False,
        max_length=2000,
        fact_label="a note for the provider",
        fact_note="true when the notes are not blank",
    ),
)

BY_NAME: Mapping[str, Question] = {q.name: q for q in QUESTIONS}
BY_FACT: Mapping[str, Question] = {q.fact: q for q in QUESTIONS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# The staff's table of answers: every question but the free text, which is shown whole.
TABLE_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if q.kind is not Kind.TEXT)
# The patient's free-text note (the staff pages show it whole, beside the table).
NOTE: Question = next(q for q in QUESTIONS if q.kind is Kind.TEXT)


def question(name: str) -> Question:
    """The question called ``name``; KeyError for a name the questionnaire does not have."""
    return BY_NAME[name]


def choice_words(name: str) -> tuple[str, ...]:
    return BY_NAME[name].words
