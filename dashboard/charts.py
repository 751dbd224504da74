"""Altair chart builders for the staff pages. Values in, charts out: no data access here.

A builder returns ``None`` when there is nothing to draw (the page says so in a sentence
instead of drawing an empty axis), and each chart has a ``*_summary`` sentence: its text
alternative, shown under it and set as the chart's description.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from checkins.domain import PROCEDURE_LABELS, Severity
from checkins.measures import like_for_like
from checkins.services.trends import METRIC_LABELS, BandPoint, CurvePoint, VolumeRow
from checkins.services.views import CheckInView

BAND_COLOUR = "#9bb7d4"
PATIENT_COLOUR = "#c0392b"
SEVERITY_COLOURS = {
    Severity.URGENT.value: "#c0392b",
    Severity.REVIEW.value: "#e67e22",
    Severity.ROUTINE.value: "#95a5a6",
}
# One colour per procedure, from Okabe & Ito's colour-blind-safe palette (blue, vermillion,
# bluish green, reddish purple): told apart with any colour vision, each at least 3:1 on white
# (WCAG 1.4.11). Streamlit's default palette drew two procedures in near-identical light blues.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
PROCEDURE_COLOURS = dict(zip(PROCEDURE_LABELS.values(), OKABE_ITO, strict=False))
HEIGHT = 260
DAY_AXIS = alt.Axis(tickMinStep=1, format="d")


def _metric_value(
    c: CheckInView, metric: str, reference: CheckInView | None = None
) -> float | None:
    """The metric; a* and EI over the zones shared with ``reference`` (like for like)."""
    key = {"mean_a_star": "a", "erythema_index": "ei"}.get(metric)
    if key and reference is not None:
        same = like_for_like(c.zones, reference.zones, key)
        if same is not None:
            return same
    value = getattr(c.metrics, metric, None)
    return None if value is None else float(value)


def _reference(history: Sequence[CheckInView]) -> CheckInView | None:
    """The check-in the others are compared with: the baseline, else the first with zones."""
    with_zones = [c for c in history if c.zones]
    return next((c for c in with_zones if c.is_baseline), with_zones[0] if with_zones else None)


def redness_vs_band(
    history: Sequence[CheckInView],
    band: Sequence[BandPoint],
    *,
    metric: str,
    current_id: int,
) -> alt.LayerChart | alt.FacetChart | None:
    """This patient's metric by day since treatment, over the clinic's expected band.

    The band is the interquartile range of patients with the same procedure (days with fewer
    than 11 patients are left out); the dashed line is their median. The patient's a* and EI
    are taken over the zones each check-in shares with the baseline (checkins.measures).
    """
    label = METRIC_LABELS.get(metric, metric)
    reference = _reference(history)
    patient = pd.DataFrame(
        [
            {
                "day": c.day_since_treatment,
                "value": v,
                "check-in": "baseline" if c.is_baseline else f"day {c.day_since_treatment}",
                "this": c.id == current_id,
            }
            for c in history
            if (v := _metric_value(c, metric, reference)) is not None
        ],
        columns=["day", "value", "check-in", "this"],
    )
    expected = pd.DataFrame(
        [
            {"day": b.day, "low": b.low, "median": b.median, "high": b.high, "patients": b.patients}
            for b in band
            if b.metric == metric and not b.suppressed
        ],
        columns=["day", "low", "median", "high", "patients"],
    )
    if patient.empty and expected.empty:
        return None
    x = alt.X("day:Q", title="Days since treatment", scale=alt.Scale(nice=False), axis=DAY_AXIS)
    area = (
        alt.Chart(expected)
        .mark_area(opacity=0.35, color=BAND_COLOUR)
        .encode(
            x=x,
            y=alt.Y("low:Q", title=label),
            y2="high:Q",
            tooltip=[
                alt.Tooltip("day:Q", title="day"),
                alt.Tooltip("median:Q", format=".2f"),
                alt.Tooltip("low:Q", format=".2f", title="25th pct"),
                alt.Tooltip("high:Q", format=".2f", title="75th pct"),
                alt.Tooltip("patients:Q"),
            ],
        )
    )
    median = (
        alt.Chart(expected).mark_line(strokeDash=[4, 3], color="#4a6f94").encode(x=x, y="median:Q")
    )
    line = alt.Chart(patient).mark_line(color=PATIENT_COLOUR).encode(x=x, y="value:Q")
    dots = (
        alt.Chart(patient)
        .mark_point(filled=True, color=PATIENT_COLOUR)
        .encode(
            x=x,
            y="value:Q",
            size=alt.condition("datum.this", alt.value(140), alt.value(45)),
            tooltip=[alt.Tooltip("check-in:N"), alt.Tooltip("value:Q", format=".2f")],
        )
    )
    summary = redness_summary(history, band, metric=metric, current_id=current_id)
    return alt.layer(area, median, line, dots).properties(height=HEIGHT, description=summary)


def recovery_curves(
    points: Sequence[CurvePoint], *, metric: str
) -> alt.LayerChart | alt.FacetChart | None:
    """Median (line) and interquartile band (area) per procedure, by day since treatment."""
    frame = pd.DataFrame(
        [
            {
                "day": p.day,
                "procedure": PROCEDURE_LABELS.get(p.procedure, p.procedure),
                "q1": p.q1,
                "median": p.median,
                "q3": p.q3,
                "patients": p.patients,
            }
            for p in points
            if p.metric == metric and not p.suppressed
        ],
        columns=["day", "procedure", "q1", "median", "q3", "patients"],
    )
    if frame.empty:
        return None
    x = alt.X("day:Q", title="Days since treatment", axis=DAY_AXIS)
    colour = alt.Color(
        "procedure:N",
        title="Procedure",
        scale=alt.Scale(domain=list(PROCEDURE_COLOURS), range=list(PROCEDURE_COLOURS.values())),
        legend=alt.Legend(orient="bottom", symbolOpacity=1),  # not the band's pale fill
    )
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.25)
        .encode(
            x=x, y=alt.Y("q1:Q", title=METRIC_LABELS.get(metric, metric)), y2="q3:Q", color=colour
        )
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y="median:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("procedure:N"),
                alt.Tooltip("day:Q"),
                alt.Tooltip("median:Q", format=".2f"),
                alt.Tooltip("q1:Q", format=".2f", title="25th pct"),
                alt.Tooltip("q3:Q", format=".2f", title="75th pct"),
                alt.Tooltip("patients:Q", title="patients"),
            ],
        )
    )
    summary = recovery_summary(points, metric=metric)
    return alt.layer(band, line).properties(height=HEIGHT, description=summary)


def queue_volume(rows: Sequence[VolumeRow]) -> alt.Chart | None:
    """Cases queued per ISO week, stacked by severity (suppressed weeks are left out)."""
    frame = pd.DataFrame(
        [
            {"week": r.week, "severity": r.severity, "cases": r.cases}
            for r in rows
            if not r.suppressed
        ],
        columns=["week", "severity", "cases"],
    )
    if frame.empty:
        return None
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar(size=28)
        .encode(
            x=alt.X("week:N", title="ISO week", sort="ascending", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cases:Q", title="Cases", stack=True),
            color=alt.Color(
                "severity:N",
                scale=alt.Scale(
                    domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values())
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[alt.Tooltip("week:N"), alt.Tooltip("severity:N"), alt.Tooltip("cases:Q")],
        )
        .properties(height=HEIGHT, description=volume_summary(rows))
    )
    return chart


# ---- Text alternatives: what each chart shows, in a sentence or two ---------------------------

MAX_POINTS = 12  # a sentence lists at most this many days per line


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def redness_summary(
    history: Sequence[CheckInView], band: Sequence[BandPoint], *, metric: str, current_id: int
) -> str:
    label = METRIC_LABELS.get(metric, metric)
    mine = [
        f"{'baseline' if c.is_baseline else f'day {c.day_since_treatment}'} {_num(v)}"
        + (" (this check-in)" if c.id == current_id else "")
        for c in history
        if (v := _metric_value(c, metric)) is not None
    ]
    text = f"{label}, this patient: " + (", ".join(mine) if mine else "no measured photos") + "."
    current = next((c for c in history if c.id == current_id), None)
    day = current.day_since_treatment if current else None
    same = [b for b in band if b.metric == metric and b.day == day and not b.suppressed]
    if same:
        b = same[0]
        text += (
            f" Patients with the same procedure on day {day}: middle half "
            f"{_num(b.low)} to {_num(b.high)}, median {_num(b.median)}."
        )
    else:
        text += " No expected band for this day (fewer than 11 patients, or none)."
    return text


def recovery_summary(points: Sequence[CurvePoint], *, metric: str) -> str:
    label = METRIC_LABELS.get(metric, metric)
    by_proc: dict[str, list[str]] = {}
    for p in points:
        if p.metric == metric and not p.suppressed:
            name = PROCEDURE_LABELS.get(p.procedure, p.procedure)
            by_proc.setdefault(name, []).append(f"day {p.day} {_num(p.median)}")
    if not by_proc:
        return f"No recovery curve for {label}: no day has 11 or more patients in this period."
    parts = []
    for name, days in by_proc.items():
        more = f" and {len(days) - MAX_POINTS} more days" if len(days) > MAX_POINTS else ""
        parts.append(f"{name}: " + ", ".join(days[:MAX_POINTS]) + more)
    return f"Median {label} by day since treatment. " + "; ".join(parts) + "."


def volume_summary(rows: Sequence[VolumeRow]) -> str:
    weeks: dict[str, list[str]] = {}
    for r in rows:
        if not r.suppressed and r.cases:
            weeks.setdefault(r.week, []).append(f"{r.cases} {r.severity}")
    if not weeks:
        return "No cases were queued in this period."
    total = sum(r.cases or 0 for r in rows if not r.suppressed)
    listed = [f"{w}: {', '.join(v)}" for w, v in list(weeks.items())[-MAX_POINTS:]]
    return f"{total} cases queued over {len(weeks)} weeks. " + "; ".join(listed) + "."
