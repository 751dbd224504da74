"""Altair chart builders for the staff pages. Values in, charts out: no data access here."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from checkins.domain import PROCEDURE_LABELS
from checkins.measures import like_for_like
from checkins.services.trends import METRIC_LABELS, BandPoint, CurvePoint, VolumeRow
from checkins.services.views import CheckInView

BAND_COLOUR = "#9bb7d4"
PATIENT_COLOUR = "#c0392b"
SEVERITY_COLOURS = {"urgent": "#c0392b", "review": "#e67e22", "routine": "#95a5a6"}
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
) -> alt.LayerChart:
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
    return alt.layer(area, median, line, dots).properties(height=HEIGHT)


def recovery_curves(points: Sequence[CurvePoint], *, metric: str) -> alt.LayerChart:
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
    x = alt.X("day:Q", title="Days since treatment", axis=DAY_AXIS)
    colour = alt.Color("procedure:N", title="Procedure", legend=alt.Legend(orient="bottom"))
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
    return alt.layer(band, line).properties(height=HEIGHT)


def queue_volume(rows: Sequence[VolumeRow]) -> alt.Chart:
    """Cases queued per ISO week, stacked by severity (suppressed weeks are left out)."""
    frame = pd.DataFrame(
        [
            {"week": r.week, "severity": r.severity, "cases": r.cases}
            for r in rows
            if not r.suppressed
        ],
        columns=["week", "severity", "cases"],
    )
    return (
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
        .properties(height=HEIGHT)
    )
