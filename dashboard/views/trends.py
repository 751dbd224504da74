"""Manager (and providers): de-identified clinic trends, with CSV downloads of every table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import auth
import charts
import staff
import streamlit as st
import trends_ui
import ui

from checkins import access
from checkins.domain import PROCEDURES, AccessDenied
from checkins.services import trends

DEFAULT_DAYS = 90
SERIES = {None: "All", 1: "First", 2: "Second", 3: "Third or later"}

actor = auth.current_actor()
try:
    access.require_trends_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
st.title("Clinic trends")
st.caption(
    f"De-identified: no names, photos or free text. Figures about fewer than {trends.MIN_GROUP} "
    "patients (redness curves, adherence) are suppressed and marked as such; counts of cases "
    "and review times are shown however small the clinic."
)
# The clinics first: the period's dates are days on their calendars, named in its label.
chosen, zones = trends_ui.clinics(actor)
today = staff.clinic_today(zones[0])
c1, c2, c3 = st.columns([2, 1, 1])
picked = c1.date_input(staff.period_label(zones), (today - timedelta(days=DEFAULT_DAYS), today))
procedure = c2.selectbox(
    "Procedure", [None, *PROCEDURES], format_func=lambda v: staff.procedure_label(v) if v else "All"
)
series_choices: list[int | None] = [None, 1, 2, 3]
series = c3.selectbox(
    "Treatment in its series", series_choices, format_func=lambda v: SERIES.get(v, str(v))
)
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Choose the first and the last day of the period.")
    st.stop()
first_day, last_day = picked[0], picked[1]


def table(
    title: str, rows: Sequence[Any], columns: staff.Columns, name: str, *, people: bool = True
) -> None:
    trends_ui.table(title, rows, columns, name, (first_day, last_day), people=people)


def load() -> trends.TrendsReport:
    return trends_ui.report(actor, first_day, last_day, procedure, series, chosen)


r = ui.attempt(load, doing="computing the clinic's trends")
if r is None:
    st.stop()
o = r.overview
figures = {"Patients who checked in": o.patients, "Check-ins": o.checkins}
figures |= {"Open cases": o.open_cases, "Resolved cases": o.resolved_cases}
for column, (label, value) in zip(st.columns(4), figures.items(), strict=True):
    column.metric(label, staff.overview_text(value), help=staff.overview_help(value))

st.subheader("Recovery curves")
st.caption("Median and interquartile band by day since treatment (treatments in the period).")
metric = st.radio("Metric", trends.METRICS, format_func=trends.METRIC_LABELS.get, horizontal=True)
curve = charts.recovery_curves(r.curves, metric=metric)
if curve is None:
    st.info(charts.recovery_summary(r.curves, metric=metric), icon=":material/info:")
else:
    st.altair_chart(curve, width="stretch")
    st.caption(charts.recovery_summary(r.curves, metric=metric))
table("recovery curves", r.curves, staff.CURVE_COLUMNS, "recovery_curves")

st.subheader("Check-in adherence")
st.caption("Share of due check-ins received (a day late still counts).")
table("adherence", r.adherence, staff.ADHERENCE_COLUMNS, "adherence")

st.subheader("Queue volume by week")
st.caption("Cases queued each week, Monday to Sunday on the clinic's calendar.")
volume = charts.queue_volume(r.volume)
if volume is None:
    st.info(charts.volume_summary(r.volume), icon=":material/info:")
else:
    st.altair_chart(volume, width="stretch")
    st.caption(charts.volume_summary(r.volume))
people = {"people": False}  # counts of cases and times are the clinic's work, not people
table("queue volume", r.volume, staff.VOLUME_COLUMNS, "queue_volume", **people)

st.subheader("Time to first review and to resolution")
st.caption("Minutes from a case entering the queue; p90: 9 cases in 10 took at most this long.")
table("review times", r.review_times, staff.REVIEW_TIME_COLUMNS, "review_times", **people)

st.subheader("Rules: false-alarm rate")
st.caption('Share of each rule\'s resolved cases closed as "no action needed".')
table("rule false alarms", r.false_alarms, staff.RULE_COLUMNS, "false_alarms", **people)
