"""What a patient should expect and do on each day after treatment, and the message they read
after a check-in.

Every sentence here restates the clinic's pre- and post-treatment instructions for micro-needling
(with or without RF); nothing is added to them. Change the advice there first, then here. The
figures the advice quotes (the fever line) come from the rules in force (``Thresholds``, made by
``rules.thresholds``), so a clinic's own rule file and the advice cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checkins.domain import Reason, Severity
from checkins.i18n import ENGLISH, N_, Translator


@dataclass(frozen=True)
class DayGuidance:
    title: str
    what_is_normal: tuple[str, ...]
    do: tuple[str, ...]
    avoid: tuple[str, ...]
    warning_signs: tuple[str, ...]


@dataclass(frozen=True)
class Thresholds:
    """The figures of the rules in force that the advice quotes: the lowest temperature (°F) an
    urgent rule fires at, and whether that temperature itself counts (``>=``) or only above it
    (``>``); ``fever_f`` is None when no urgent rule looks at the temperature."""

    fever_f: float | None
    fever_inclusive: bool = True


def _fever_sign(t: Thresholds, tr: Translator) -> str:
    if t.fever_f is None:
        return tr("A fever")
    # In the locale's decimal mark, with the °C a thermometer shows for the same line (both
    # from the rules in force), for a patient whose thermometer reads Celsius.
    celsius = round((t.fever_f - 32) * 5 / 9, 1)
    shown = f"{tr.temperature(t.fever_f, 'F')} ({tr.temperature(celsius, 'C')})"
    if t.fever_inclusive:
        return tr("Fever of %(temperature)s or greater", temperature=shown)
    return tr("Fever above %(temperature)s", temperature=shown)


def warning_signs(thresholds: Thresholds, *, tr: Translator = ENGLISH) -> tuple[str, ...]:
    """The signs of infection the instructions list, with the fever line of the rules in force,
    in ``tr``'s language."""
    return (
        tr("Excessive swelling"),
        tr("Drainage that looks like pus"),
        tr("Increased warmth at or around the treated area"),
        _fever_sign(thresholds, tr),
    )


# Stands for the warning signs in the days' guidance; guidance_for_day fills them in.
_WARN: tuple[str, ...] = ("<warning signs>",)  # not text: never shown

_AM_ROUTINE: tuple[str, ...] = (
    N_("Wash face with either Jan Marini Gentle Cleanser; or Cetaphil or Cerave Gentle Cleanser."),
    N_("Apply Alastin Skin Nectar."),
    N_("Apply Jan Marini SPF, or other post procedure SPF."),
    N_("Apply either Alastin Soothe and Recover Balm, or Aquaphor to create barrier."),
    N_("Apply Oxygenetix Foundation."),
)
_PM_ROUTINE: tuple[str, ...] = (
    N_("Wash face with either Jan Marini Gentle Cleanser; or Cetaphil or Cerave Gentle Cleanser."),
    N_("Apply Alastin Skin Nectar."),
    N_("Apply either Alastin Soothe and Recover Balm, or Aquaphor to create barrier."),
)


def skin_care_routine() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The post-treatment skin care regimen: (AM steps, PM steps), in order."""
    return _AM_ROUTINE, _PM_ROUTINE


_NO_PICKING = N_(
    "Picking, rubbing or forcing off any skin during the healing process: "
    "this could result in scarring and infection."
)
_NO_SUN = N_("Direct sunlight, for up to 2 months after treatment.")
_NO_EXERCISE = N_("Strenuous exercise and sweating until your skin has healed.")
_NO_SHAMPOO = N_("Shampoo on the treated area: when showering, wash your hair behind you.")
_ROUTINE = N_("Follow your AM and PM skin care routine.")
_ANTIVIRAL = N_("If an antiviral was prescribed for you, continue to take it as directed.")
_REDNESS_DEPTH = N_(
    "Redness normally persists 24 hours to 7 days, depending on the depth of the treatment."
)
_MAKEUP = N_(
    "Once your skin has healed (you no longer wear the occlusive barrier) you may begin to "
    "wear makeup."
)
_SUNBLOCK = N_(
    "If you wear makeup, wear a sunblock daily to help prevent hyperpigmentation from direct "
    "and indirect sunlight."
)

_BEFORE = DayGuidance(
    title=N_("getting ready"),
    what_is_normal=(),
    do=(
        N_("Pre-treat the area with Alastin Skin Nectar, starting 2 weeks before your procedure."),
        N_(
            "Take your baseline photo before the treatment, so later photos can be compared "
            "with it."
        ),
    ),
    avoid=(),
    warning_signs=(),
)

_DAY_0 = DayGuidance(
    title=N_("the first 24 hours"),
    what_is_normal=(
        N_("Redness and possibly swelling: they are the desired response to the treatment."),
        N_("Some bleeding."),
        N_("Oozing, which may persist for 24 hours after the treatment."),
        N_("Discomfort, which oral pain relievers such as Extra Strength Tylenol may relieve."),
    ),
    do=(
        N_(
            "Use a cold compress or ice packs to relieve swelling, or for comfort if the area is "
            "especially warm; this is typically only needed within the first 12 hours."
        ),
        N_("To avoid further swelling, you may choose to sleep in an upright position tonight."),
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE, _NO_SHAMPOO),
    warning_signs=_WARN,
)

_DAYS_1_2 = DayGuidance(
    title=N_("peeling and flaking"),
    what_is_normal=(
        _REDNESS_DEPTH,
        N_("Peeling and flaking, which generally start within 24 hours of the treatment."),
        N_("Swelling is typically a short-term response."),
    ),
    do=(
        N_("Let peeling skin come off naturally; gently washing the skin more often helps."),
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE, _NO_SHAMPOO),
    warning_signs=_WARN,
)

_DAYS_3_7 = DayGuidance(
    title=N_("redness fading"),
    what_is_normal=(_REDNESS_DEPTH,),
    do=(
        N_("Let peeling skin come off naturally; gently washing the skin more often helps."),
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=_WARN,
)

_DAYS_8_14 = DayGuidance(
    title=N_("healing"),
    what_is_normal=(
        N_("Redness normally lasts no longer than 7 days, so it should have settled by now."),
    ),
    do=(_MAKEUP, _SUNBLOCK, _ROUTINE),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=_WARN,
)

_LATER = DayGuidance(
    title=N_("after healing"),
    what_is_normal=(
        N_(
            "Your skin has healed: redness normally lasts no longer than 7 days, and peeling and "
            "swelling are short-term responses."
        ),
        N_("The length of healing time increases with the depth of your treatment."),
        _MAKEUP,
    ),
    do=(
        _SUNBLOCK,
        N_(
            "If your treatments are a series, your next treatment will typically be within "
            "4-6 weeks."
        ),
    ),
    avoid=(_NO_SUN,),
    warning_signs=_WARN,
)


def _for_day(day: int) -> DayGuidance:
    if day < 0:
        return _BEFORE
    if day == 0:
        return _DAY_0
    if day <= 2:
        return _DAYS_1_2
    if day <= 7:
        return _DAYS_3_7
    if day <= 14:
        return _DAYS_8_14
    return _LATER


def guidance_for_day(day: int, *, thresholds: Thresholds, tr: Translator = ENGLISH) -> DayGuidance:
    """Guidance for a day after treatment (0 = the first 24 hours; negative = before it), its
    warning signs quoting the rules in force, every sentence in ``tr``'s language (the clinic's
    instructions translated as data: the catalog's entries for the sentences above)."""
    g = _for_day(day)
    signs = warning_signs(thresholds, tr=tr) if g.warning_signs == _WARN else g.warning_signs
    return DayGuidance(
        title=tr(g.title),
        what_is_normal=tr.all(g.what_is_normal),
        do=tr.all(g.do),
        avoid=tr.all(g.avoid),
        warning_signs=signs,
    )


# --- the message after a check-in ------------------------------------------------------------


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"- {line}" for line in lines]


@dataclass(frozen=True)
class CallNow:
    """Whom a patient can call now: the office while it is open; out of hours the on-call line
    if the clinic has one. Nothing a patient reads tells them to call a closed office."""

    office_phone: str
    office_open: bool = True
    on_call_phone: str | None = None

    def call(self, tr: Translator = ENGLISH) -> str:
        """ "call the office at X" in the clinic's words, for the time it is now."""
        if self.office_open:
            if self.office_phone:
                return tr("call the office at %(phone)s", phone=self.office_phone)
            return tr("call the office")
        if self.on_call_phone:
            return tr(
                "call the clinic's on-call line at %(phone)s (the office is closed)",
                phone=self.on_call_phone,
            )
        if self.office_phone:
            return tr("call the office at %(phone)s when it opens", phone=self.office_phone)
        return tr("call the office when it opens")

    def urgent(self, tr: Translator = ENGLISH) -> list[str]:
        if self.office_open:
            if self.office_phone:
                return [tr("Please contact the office now at %(phone)s.", phone=self.office_phone)]
            return [tr("Please contact the office now.")]
        if self.on_call_phone:
            return [
                tr(
                    "The office is closed now: please call the clinic's on-call line now at "
                    "%(phone)s.",
                    phone=self.on_call_phone,
                ),
                tr(EMERGENCY_LINE),
            ]
        return [
            tr(
                "The office is closed now: please contact an urgent care clinic or go to an "
                "emergency department today, and show them this message."
            ),
            tr(EMERGENCY_LINE),
        ]


EMERGENCY_LINE = N_(
    "If you have trouble breathing, a fever with confusion, or redness spreading fast, "
    "call 911 (emergency services)."
)


def capitalized(text: str) -> str:
    """``text`` with its first letter upper-case and the rest as written (phone numbers, names)."""
    return text[:1].upper() + text[1:]


def _course(day: int, guidance: DayGuidance, contact: CallNow, tr: Translator) -> list[str]:
    title = guidance.title  # already in tr's language (guidance_for_day)
    if day < 0:
        out = [tr("Before your treatment: %(title)s.", title=title)]
    else:
        out = [tr("Day %(day)s after your treatment: %(title)s.", day=day, title=title)]
    if guidance.what_is_normal:
        out += ["", tr("What is normal now:"), *_bullets(guidance.what_is_normal)]
    if guidance.do:
        out += ["", tr("Please:"), *_bullets(guidance.do)]
    if guidance.avoid:
        out += ["", tr("Avoid:"), *_bullets(guidance.avoid)]
    if guidance.warning_signs:
        out += [
            "",
            tr("%(call)s right away if you notice:", call=capitalized(contact.call(tr))),
            *_bullets(guidance.warning_signs),
        ]
    return out


def patient_message(
    *,
    severity: Severity,
    reasons: Sequence[Reason],
    day: int,
    clinic_phone: str,
    thresholds: Thresholds,
    contact: CallNow | None = None,
    tr: Translator = ENGLISH,
) -> str:
    """What the patient reads after sending a check-in, in ``tr``'s language; its warning signs
    quote ``thresholds`` (the rules in force).

    The stored message is the English one (staff read it); a patient's page renders it again
    in the patient's language from the same severity, reasons and day.
    """
    contact = contact or CallNow(office_phone=clinic_phone)
    urgent = [tr.gettext(r.patient_message) for r in reasons if r.severity is Severity.URGENT]
    other = [tr.gettext(r.patient_message) for r in reasons if r.severity is not Severity.URGENT]
    if severity is Severity.URGENT:
        lines = [
            *contact.urgent(tr),
            "",
            tr("Your check-in shows signs the clinic asks you to report right away:"),
            *_bullets(urgent),
        ]
        if other:
            lines += ["", tr("When you call, also mention:"), *_bullets(other)]
        return "\n".join(lines)
    course = _course(day, guidance_for_day(day, thresholds=thresholds, tr=tr), contact, tr)
    if severity is Severity.REVIEW:
        lines = [
            tr("A provider will look at your check-in and get back to you, because:"),
            *_bullets(other),
            tr("If you feel worse before then, %(call)s.", call=contact.call(tr)),
            "",
            *course,
        ]
        return "\n".join(lines)
    return "\n".join([tr("Thank you, your check-in looks as expected."), "", *course])
