"""Manager (and providers): de-identified clinic trends, with CSV downloads of every table."""

from __future__ import annotations

from datetime import timedelta

import auth
import charts
import pandas as pd
import resources
import staff
import streamlit as st
import trends_ui
import ui

from checkins import access
from checkins.domain import PROCEDURES, AccessDenied, utcnow
from checkins.services import trends

DEFAULT_DAYS = 90

actor = auth.current_actor()
try:
    access.require_trends_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
SERIES = {None: "All", 1: "First", 2: "Second", 3: "Third or later"}
st.title("Clinic trends")
st.caption(
    f"De-identified: no names, photos or free text. Figures about fewer than {trends.MIN_GROUP} "
    "patients (redness curves, adherence) are suppressed and marked as such; counts of cases "
    "and review times are shown however small the clinic."
)
today = utcnow().date()
c1, c2, c3 = st.columns([2, 1, 1])
picked = c1.date_input("Period (UTC)", (today - timedelta(days=DEFAULT_DAYS), today))
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


def table(title: str, frame: pd.DataFrame, name: str) -> None:
    trends_ui.table(title, frame, name, (first_day, last_day))


chosen: tuple[int, ...] = ()
if len(access.readable_clinics(actor)) > 1:  # a manager of an organisation of several clinics
    from checkins.services import clinic

    with resources.db().read() as s:
        names = {
            c.id: c.name
            for c in clinic.list_clinics(session=s)
            if c.id in access.readable_clinics(actor)
        }
    chosen = tuple(
        st.multiselect(
            "Clinics",
            list(names),
            default=[access.clinic_of(actor)],
            format_func=lambda i: names.get(i, str(i)),
        )
    )


def load() -> trends.TrendsReport:
    return trends_ui.report(actor, first_day, last_day, procedure, series, chosen)


r = ui.attempt(load, doing="computing the clinic's trends")
if r is None:
    st.stop()
m1, m2, m3, m4 = st.columns(4)
m1.metric("Patients who checked in", staff.overview_text(r.overview.patients))
m2.metric("Check-ins", staff.overview_text(r.overview.checkins))
m3.metric("Open cases", staff.overview_text(r.overview.open_cases))
m4.metric("Resolved cases", staff.overview_text(r.overview.resolved_cases))

st.subheader("Recovery curves")
st.caption("Median and interquartile band by day since treatment (treatments in the period).")
metric = st.radio("Metric", trends.METRICS, format_func=trends.METRIC_LABELS.get, horizontal=True)
curve = charts.recovery_curves(r.curves, metric=metric)
if curve is None:
    st.info(charts.recovery_summary(r.curves, metric=metric), icon=":material/info:")
else:
    st.altair_chart(curve, width="stretch")
    st.caption(charts.recovery_summary(r.curves, metric=metric))
table("recovery curves", staff.trend_frame(r.curves, staff.CURVE_COLUMNS), "recovery_curves")

st.subheader("Check-in adherence")
st.caption("Share of due check-ins received (a day late still counts).")
table("adherence", staff.trend_frame(r.adherence, staff.ADHERENCE_COLUMNS), "adherence")

st.subheader("Queue volume by week")
volume = charts.queue_volume(r.volume)
if volume is None:
    st.info(charts.volume_summary(r.volume), icon=":material/info:")
else:
    st.altair_chart(volume, width="stretch")
    st.caption(charts.volume_summary(r.volume))
people = {"people": False}  # counts of cases and times are the clinic's work, not people
table("queue volume", staff.trend_frame(r.volume, staff.VOLUME_COLUMNS, **people), "queue_volume")

st.subheader("Time to first review and to resolution")
st.caption("Minutes from a case entering the queue; p90: 9 cases in 10 took at most this long.")
times = staff.trend_frame(r.review_times, staff.REVIEW_TIME_COLUMNS, **people)
table("review times", times, "review_times")

st.subheader("Rules: false-alarm rate")
st.caption('Share of each rule\'s resolved cases closed as "no action needed".')
alarms = staff.trend_frame(r.false_alarms, staff.RULE_COLUMNS, **people)
table("rule false alarms", alarms, "false_alarms")
