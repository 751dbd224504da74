"""What a patient should expect and do on each day after treatment.

Every sentence here restates the clinic's pre- and post-treatment instructions for micro-needling
(with or without RF); nothing is added to them. Change the advice there first, then here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DayGuidance:
    title: str
    what_is_normal: tuple[str, ...]
    do: tuple[str, ...]
    avoid: tuple[str, ...]
    warning_signs: tuple[str, ...]


WARNING_SIGNS: tuple[str, ...] = (
    "Excessive swelling",
    "Drainage that looks like pus",
    "Increased warmth at or around the treated area",
    "Fever of 101.5 °F or greater",
)

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
    warning_signs=WARNING_SIGNS,
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
    warning_signs=WARNING_SIGNS,
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
    warning_signs=WARNING_SIGNS,
)

_DAYS_8_14 = DayGuidance(
    title="healing",
    what_is_normal=(
        "Redness normally lasts no longer than 7 days, so it should have settled by now.",
    ),
    do=(_MAKEUP, _SUNBLOCK, _ROUTINE),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=WARNING_SIGNS,
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
    warning_signs=WARNING_SIGNS,
)


def guidance_for_day(day: int) -> DayGuidance:
    """Guidance for a day after treatment (0 = the first 24 hours; negative = before it)."""
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
