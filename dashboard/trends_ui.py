"""The trends page's parts: the cached report and a table with its CSV download."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import resources
import staff
import streamlit as st

from checkins import access
from checkins.domain import AccessDenied
from checkins.services import clinic, trends
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


def clinics(actor: Actor) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Whose trends: a manager of several clinics picks them (``()`` means the actor's own),
    and the time zones of the clinics shown, whose calendars the period's dates are on."""
    readable, own = access.readable_clinics(actor), access.clinic_of(actor)
    with resources.db().read() as s:
        views = {c.id: c for c in clinic.list_clinics(session=s) if c.id in readable}
    chosen: tuple[int, ...] = ()
    if len(views) > 1:  # a manager of an organisation of several clinics
        chosen = tuple(
            st.multiselect(
                "Clinics", list(views), default=[own], format_func=lambda i: views[i].name
            )
        )
    zones = tuple(views[i].time_zone for i in chosen or (own,) if i in views)
    return chosen, zones or ("UTC",)


def table(
    title: str,
    rows: Sequence[Any],
    columns: staff.Columns,
    name: str,
    period: tuple[date, date],
    *,
    people: bool = True,
) -> None:
    """One table (``staff.trend_frame``), its decimals even, and a button that downloads it as
    CSV (named for the period)."""
    frame = staff.trend_frame(rows, columns, people=people)
    config = {
        h: st.column_config.NumberColumn(format=f) for h, f in staff.trend_formats(columns).items()
    }
    st.dataframe(frame, hide_index=True, placeholder="—", column_config=config)
    st.download_button(
        f"Download {title} (CSV)",
        staff.csv_bytes(frame),
        file_name=f"{name}_{period[0]}_{period[1]}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"csv_{name}",
    )
