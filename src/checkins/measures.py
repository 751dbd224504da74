"""Like-for-like redness between check-ins: zone figures and their differences.

A photo's measured region comes in zones (forehead, cheeks, nose, chin on a face; one ``area``
on a body site; ``checkins.imaging.zones``). A check-in's zone figures are the means over its
acceptable photos, zone by zone; a change against the baseline or the previous check-in is taken
over the zones both have, each zone counting once, so that a photo that also shows the chin is
not "redder" than one that did not. Rows stored before zones existed (no figures) fall back to
the whole-region means.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

# A zone with fewer measured pixels than this in a photo does not count (imaging.pipeline).
MIN_ZONE_PIXELS = 20

ZoneFigures = dict[str, dict[str, float]]  # {zone: {"a": mean a*, "ei": mean EI}}


def zone_figures(photo_zones: Iterable[Sequence[Mapping[str, object]]]) -> ZoneFigures:
    """A check-in's figures from its acceptable photos' zone lists (``ZoneMeasure.to_json``)."""
    values: dict[str, dict[str, list[float]]] = {}
    for zones in photo_zones:
        for z in zones:
            pixels, a, ei = z.get("pixels"), z.get("mean_a_star"), z.get("erythema_index")
            if not isinstance(pixels, int) or pixels < MIN_ZONE_PIXELS:
                continue
            slot = values.setdefault(str(z.get("zone")), {"a": [], "ei": []})
            if isinstance(a, int | float):
                slot["a"].append(float(a))
            if isinstance(ei, int | float):
                slot["ei"].append(float(ei))
    return {
        zone: {k: statistics.fmean(v) for k, v in figs.items() if v}
        for zone, figs in sorted(values.items())
        if figs["a"]
    }


def zone_delta(
    current: Mapping[str, Mapping[str, float]] | None,
    reference: Mapping[str, Mapping[str, float]] | None,
    key: str = "a",
) -> float | None:
    """current − reference over the zones both have (each counting once), or None."""
    if not current or not reference:
        return None
    diffs = [
        current[z][key] - reference[z][key]
        for z in sorted(current.keys() & reference.keys())
        if key in current[z] and key in reference[z]
    ]
    return statistics.fmean(diffs) if diffs else None


def like_for_like(
    current: Mapping[str, Mapping[str, float]] | None,
    reference: Mapping[str, Mapping[str, float]] | None,
    key: str = "a",
) -> float | None:
    """``current``'s value over the zones it shares with ``reference`` (each counting once)."""
    if not current or not reference:
        return None
    vals = [current[z][key] for z in sorted(current.keys() & reference.keys()) if key in current[z]]
    return statistics.fmean(vals) if vals else None
