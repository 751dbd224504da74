"""What a patient should expect and do on each day after treatment.

Every sentence here restates the clinic's pre- and post-treatment instructions for micro-needling
(with or without RF); nothing is added to them. Change the advice there first, then here.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkins.i18n import N_


@dataclass(frozen=True)
class DayGuidance:
    title: str
    what_is_normal: tuple[str, ...]
    do: tuple[str, ...]
    avoid: tuple[str, ...]
    warning_signs: tuple[str, ...]


WARNING_SIGNS: tuple[str, ...] = (
    N_("Excessive swelling"),
    N_("Drainage that looks like pus"),
    N_("Increased warmth at or around the treated area"),
    N_("Fever of 101.5 °F or greater"),
)

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
    warning_signs=WARNING_SIGNS,
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
    warning_signs=WARNING_SIGNS,
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
    warning_signs=WARNING_SIGNS,
)

_DAYS_8_14 = DayGuidance(
    title=N_("healing"),
    what_is_normal=(
        N_("Redness normally lasts no longer than 7 days, so it should have settled by now."),
    ),
    do=(_MAKEUP, _SUNBLOCK, _ROUTINE),
    avoid=(_NO_PICKING, _NO_SUN, _NO_EXERCISE),
    warning_signs=WARNING_SIGNS,
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
