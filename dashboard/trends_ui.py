"""The trends page's parts: the cached report and a table with its CSV download."""

from __future__ import annotations

from datetime import date

import pandas as pd
import resources
import staff
import streamlit as st

from checkins import access
from checkins.domain import AccessDenied
from checkins.services import trends
from checkins.services.views import Actor


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _report(
    start: date,
    end: date,
    procedure: str | None,
    series: int | None,
    clinics: tuple[int, ...],
    stamp: tuple[int, ...],
    _actor: Actor,
) -> trends.TrendsReport:
    """De-identified and suppressed, so shared between staff of the same clinics (the clinics
    are in the key: one clinic's report is never served to another's staff); keyed on the
    data's stamp, so a new check-in or any case action recomputes it at once. The service
    checks that the actor may read these clinics before anything is cached."""
    with resources.db().read() as s:
        return trends.report(
            session=s, actor=_actor, start=start, end=end, procedure=procedure, series=series,
            clinics=clinics,
        )  # fmt: skip


def report(
    actor: Actor,
    start: date,
    end: date,
    procedure: str | None,
    series: int | None,
    clinics: tuple[int, ...] = (),
) -> trends.TrendsReport:
    """The period's report for ``clinics`` (default the actor's own), recomputed as soon as
    the data changes."""
    chosen = tuple(sorted(clinics)) or (access.clinic_of(actor),)
    if not set(chosen) <= access.readable_clinics(actor):  # never reach a cached report
        raise AccessDenied("You can only see the trends of your own organisation's clinics.")
    with resources.db().read() as s:
        stamp = trends.data_stamp(session=s, actor=actor)
    return _report(start, end, procedure, series, chosen, stamp, actor)


def table(title: str, frame: pd.DataFrame, name: str, period: tuple[date, date]) -> None:
    """One table, and a button that downloads it as CSV (named for the period)."""
    st.dataframe(frame, hide_index=True, placeholder="—")
    st.download_button(
        f"Download {title} (CSV)",
        staff.csv_bytes(frame),
        file_name=f"{name}_{period[0]}_{period[1]}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"csv_{name}",
    )
