"""What a patient should expect and do on each day after treatment, and the message they read
after a check-in.

Every sentence here restates the clinic's pre- and post-treatment instructions for micro-needling
(with or without RF); nothing is added to them. Change the advice there first, then here. The
figures the advice quotes (the fever line) come from the rules in force (``Thresholds``, made by
``rules.thresholds``), so a clinic's own rule file and the advice cannot disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from checkins.domain import Reason, Severity


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


def _fever_sign(t: Thresholds) -> str:
    if t.fever_f is None:
        return "A fever"
    shown = f"{t.fever_f:.1f}".rstrip("0").rstrip(".")
    return f"Fever of {shown} °F or greater" if t.fever_inclusive else f"Fever above {shown} °F"


def warning_signs(thresholds: Thresholds) -> tuple[str, ...]:
    """The signs of infection the instructions list, with the fever line of the rules in force."""
    return (
        "Excessive swelling",
        "Drainage that looks like pus",
        "Increased warmth at or around the treated area",
        _fever_sign(thresholds),
    )


# Stands for the warning signs in the days' guidance; guidance_for_day fills them in.
_WARN: tuple[str, ...] = ("<warning signs>",)

_AM_ROUTINE: tuple[str, ...] = (
    "Wash face with either Jan Marini Gentle Cleanser; or Cetaphil or Cerave Gentle Cleanser.",
    "Apply Alastin Skin Nectar.",
    "Apply Jan Marini SPF, or other post procedure SPF.",
    "Apply either Alastin Soothe and Recover Balm, or Aquaphor to create barrier.",
    "Apply Oxygenetix Foundation.",
)
_PM_ROUTINE: tuple[str, ...] = (
    "Wash face with either Jan Marini Gentle Cleanser; or Cetaphil or Cerave Gentle Cleanser.",
    "Apply Alastin Skin Nectar.",
    "Apply either Alastin Soothe and Recover Balm, or Aquaphor to create barrier.",
)


def skin_care_routine() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The post-treatment skin care regimen: (AM steps, PM steps), in order."""
    return _AM_ROUTINE, _PM_ROUTINE


_NO_PICKING = (
    "Picking, rubbing or forcing off any skin during the healing process: "
    "this could result in scarring and infection."
)
_NO_SUN = "Direct sunlight, for up to 2 months after treatment."
_NO_EXERCISE = "Strenuous exercise and sweating until your skin has healed."
_NO_SHAMPOO = "Shampoo on the treated area: when showering, wash your hair behind you."
_ROUTINE = "Follow your AM and PM skin care routine."
_ANTIVIRAL = "If an antiviral was prescribed for you, continue to take it as directed."
_REDNESS_DEPTH = (
    "Redness normally persists 24 hours to 7 days, depending on the depth of the treatment."
)
_MAKEUP = (
    "Once your skin has healed (you no longer wear the occlusive barrier) you may begin to "
    "wear makeup."
)
_SUNBLOCK = (
    "If you wear makeup, wear a sunblock daily to help prevent hyperpigmentation from direct "
    "and indirect sunlight."
)

_BEFORE = DayGuidance(
    title="getting ready",
    what_is_normal=(),
    do=(
        "Pre-treat the area with Alastin Skin Nectar, starting 2 weeks before your procedure.",
        "Take your baseline photo before the treatment, so later photos can be compared with it.",
    ),
    avoid=(),
    warning_signs=(),
)

_DAY_0 = DayGuidance(
    title="the first 24 hours",
    what_is_normal=(
        "Redness and possibly swelling: they are the desired response to the treatment.",
        "Some bleeding.",
        "Oozing, which may persist for 24 hours after the treatment.",
        "Discomfort, which oral pain relievers such as Extra Strength Tylenol may relieve.",
    ),
    do=(
        "Use a cold compress or ice packs to relieve swelling, or for comfort if the area is "
        "especially warm; this is typically only needed within the first 12 hours.",
        "To avoid further swelling, you may choose to sleep in an upright position tonight.",
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE, _NO_SHAMPOO),
    warning_signs=_WARN,
)

_DAYS_1_2 = DayGuidance(
    title="peeling and flaking",
    what_is_normal=(
        _REDNESS_DEPTH,
        "Peeling and flaking, which generally start within 24 hours of the treatment.",
        "Swelling is typically a short-term response.",
    ),
    do=(
        "Let peeling skin come off naturally; gently washing the skin more often helps.",
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE, _NO_SHAMPOO),
    warning_signs=_WARN,
)

_DAYS_3_7 = DayGuidance(
    title="redness fading",
    what_is_normal=(_REDNESS_DEPTH,),
    do=(
        "Let peeling skin come off naturally; gently washing the skin more often helps.",
        _ANTIVIRAL,
        _ROUTINE,
    ),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=_WARN,
)

_DAYS_8_14 = DayGuidance(
    title="healing",
    what_is_normal=(
        "Redness normally lasts no longer than 7 days, so it should have settled by now.",
    ),
    do=(_MAKEUP, _SUNBLOCK, _ROUTINE),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=_WARN,
)

_LATER = DayGuidance(
    title="after healing",
    what_is_normal=(
        "Your skin has healed: redness normally lasts no longer than 7 days, and peeling and "
        "swelling are short-term responses.",
        "The length of healing time increases with the depth of your treatment.",
        _MAKEUP,
    ),
    do=(
        _SUNBLOCK,
        "If your treatments are a series, your next treatment will typically be within 4-6 weeks.",
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


def guidance_for_day(day: int, *, thresholds: Thresholds) -> DayGuidance:
    """Guidance for a day after treatment (0 = the first 24 hours; negative = before it), its
    warning signs quoting the rules in force."""
    g = _for_day(day)
    if g.warning_signs != _WARN:
        return g
    return dataclasses.replace(g, warning_signs=warning_signs(thresholds))


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

    def call(self) -> str:
        """ "call the office at X" in the clinic's words, for the time it is now."""
        office = f"the office at {self.office_phone}" if self.office_phone else "the office"
        if self.office_open:
            return f"call {office}"
        if self.on_call_phone:
            return f"call the clinic's on-call line at {self.on_call_phone} (the office is closed)"
        return f"call {office} when it opens"

    def urgent(self) -> list[str]:
        if self.office_open:
            office = f" at {self.office_phone}" if self.office_phone else ""
            return [f"Please contact the office now{office}."]
        if self.on_call_phone:
            return [
                f"The office is closed now: please call the clinic's on-call line now at "
                f"{self.on_call_phone}.",
                EMERGENCY_LINE,
            ]
        return [
            "The office is closed now: please contact an urgent care clinic or go to an emergency "
            "department today, and show them this message.",
            EMERGENCY_LINE,
        ]


EMERGENCY_LINE = (
    "If you have trouble breathing, a fever with confusion, or redness spreading fast, "
    "call 911 (emergency services)."
)


def _course(day: int, guidance: DayGuidance, contact: CallNow) -> list[str]:
    when = "Before your treatment" if day < 0 else f"Day {day} after your treatment"
    out = [f"{when}: {guidance.title}."]
    if guidance.what_is_normal:
        out += ["", "What is normal now:", *_bullets(guidance.what_is_normal)]
    if guidance.do:
        out += ["", "Please:", *_bullets(guidance.do)]
    if guidance.avoid:
        out += ["", "Avoid:", *_bullets(guidance.avoid)]
    if guidance.warning_signs:
        out += [
            "",
            f"{contact.call().capitalize()} right away if you notice:",
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
) -> str:
    """What the patient reads after sending a check-in; its warning signs quote ``thresholds``
    (the rules in force)."""
    contact = contact or CallNow(office_phone=clinic_phone)
    urgent = [r.patient_message for r in reasons if r.severity is Severity.URGENT]
    other = [r.patient_message for r in reasons if r.severity is not Severity.URGENT]
    if severity is Severity.URGENT:
        lines = [
            *contact.urgent(),
            "",
            "Your check-in shows signs the clinic asks you to report right away:",
            *_bullets(urgent),
        ]
        if other:
            lines += ["", "When you call, also mention:", *_bullets(other)]
        return "\n".join(lines)
    course = _course(day, guidance_for_day(day, thresholds=thresholds), contact)
    if severity is Severity.REVIEW:
        lines = [
            "A provider will look at your check-in and get back to you, because:",
            *_bullets(other),
            f"If you feel worse before then, {contact.call()}.",
            "",
            *course,
        ]
        return "\n".join(lines)
    return "\n".join(["Thank you, your check-in looks as expected.", "", *course])
