"""The trends page's parts: the cached report and a table with its CSV download."""

from __future__ import annotations

from datetime import date

import pandas as pd
import resources
import staff
import streamlit as st

from checkins.services import trends
from checkins.services.views import Actor


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _report(
    start: date,
    end: date,
    procedure: str | None,
    series: int | None,
    stamp: tuple[int, ...],
    _actor: Actor,
) -> trends.TrendsReport:
    """De-identified and suppressed, so shared between staff; keyed on the data's stamp, so a
    new check-in or any case action recomputes it at once (access is checked by the page)."""
    with resources.db().read() as s:
        return trends.report(
            session=s, actor=_actor, start=start, end=end, procedure=procedure, series=series
        )


def report(
    actor: Actor, start: date, end: date, procedure: str | None, series: int | None
) -> trends.TrendsReport:
    """The period's report, recomputed as soon as the data changes."""
    with resources.db().read() as s:
        stamp = trends.data_stamp(session=s)
    return _report(start, end, procedure, series, stamp, actor)


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
