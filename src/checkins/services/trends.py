"""De-identified clinic trends for managers: aggregates computed in SQL, small groups suppressed.

Everything here is a GROUP BY in the database; Python only reshapes the few aggregated rows.
Nothing that names a patient, shows a photo or quotes free text leaves this module: results carry
procedure codes, rule ids, severities, days, weeks, counts and numbers.

Privacy: only figures that describe a group of people, and so could identify a patient, are
suppressed: recovery curves (a metric of the patients treated that day), adherence (how the
patients of a procedure kept to their schedule) and the overview's count of patients and their
check-ins. Such a group with fewer than ``MIN_GROUP`` (11) distinct patients is *suppressed*:
its row is still returned (so a table shows "fewer than 11 patients" rather than silently
missing a line), but every count and figure in it is ``None`` and ``suppressed`` is ``True``.

A count of cases, a time to review or a rule's false-alarm rate is about the clinic's work, not
a group of people: those are shown however small the clinic (``suppressed`` is always ``False``
there), so a small clinic sees its own figures.

Percentiles are continuous (linear interpolation between the two nearest ranks, the same
definition as PostgreSQL's ``percentile_cont`` and numpy's default ``np.percentile``):

- PostgreSQL computes them with ``percentile_cont(q) WITHIN GROUP (ORDER BY value)``.
- SQLite has no ordered-set aggregates, so they are computed with window functions
  (``row_number()`` and ``count()`` over each group): SQL returns, per group, only the two values
  either side of each percentile's rank, and Python interpolates between them. Row-level values
  never leave the database on either backend.

Filters: ``start``/``end`` (inclusive dates, UTC) select treatments by their treatment date for
recovery curves and adherence (cohorts), and review cases by the date they were queued for queue
volume, review times and false-alarm rates. ``procedure`` narrows every table to one procedure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from checkins.access import require_trends_access
from checkins.domain import PROCEDURES, Disposition, InvalidInput, ReviewStatus, Severity, utcnow
from checkins.services.views import Actor
from checkins.storage.models import CheckIn, ReviewItem, RuleHit, Treatment

_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")

MIN_GROUP = 11
"""Groups with fewer distinct patients than this are suppressed."""

METRICS: tuple[str, ...] = ("mean_a_star", "erythema_index", "red_area_fraction")
METRIC_LABELS: dict[str, str] = {
    "mean_a_star": "Mean a* (CIELAB)",
    "erythema_index": "Erythema index",
    "red_area_fraction": "Red area (share of skin)",
}
ADHERENCE_GRACE_DAYS = 1
"""A check-in due on day d counts as received if sent on day d up to d + this many days."""
ALL = "all"
"""The group key of a row that summarises every severity (review times)."""


@dataclass(frozen=True)
class CurvePoint:
    """One point of a recovery curve: a metric's spread on one day after one procedure."""

    procedure: str
    metric: str
    day: int
    patients: int | None
    checkins: int | None
    q1: float | None
    median: float | None
    q3: float | None
    suppressed: bool


@dataclass(frozen=True)
class BandPoint:
    """The expected recovery band on one day: median and interquartile range of a metric."""

    metric: str
    day: int
    patients: int | None
    low: float | None
    median: float | None
    high: float | None
    suppressed: bool


@dataclass(frozen=True)
class AdherenceRow:
    """Check-ins received against check-ins due so far, per procedure."""

    procedure: str
    patients: int | None
    expected: int | None
    received: int | None
    share: float | None
    suppressed: bool


@dataclass(frozen=True)
class VolumeRow:
    """Review cases queued in one ISO week at one severity."""

    week: str  # ISO week, e.g. "2026-W05"
    week_start: date  # its Monday
    severity: str
    cases: int | None
    patients: int | None
    suppressed: bool


@dataclass(frozen=True)
class ReviewTimeRow:
    """Minutes from queueing to first review and to resolution, per severity (or ``"all"``)."""

    severity: str
    cases: int | None
    patients: int | None
    reviewed: int | None
    first_review_median_min: float | None
    first_review_p90_min: float | None
    resolved: int | None
    resolution_median_min: float | None
    resolution_p90_min: float | None
    suppressed: bool


@dataclass(frozen=True)
class RuleRateRow:
    """How often a rule's resolved cases needed no action: its false-alarm rate."""

    rule_id: str
    resolved_cases: int | None
    no_action_cases: int | None
    false_alarm_rate: float | None
    patients: int | None
    suppressed: bool


@dataclass(frozen=True)
class Overview:
    """Headline counts for the filtered period. Patients and check-ins describe a group of
    people: ``None`` when it is too small, and ``suppressed`` says so. Cases are always shown."""

    patients: int | None
    checkins: int | None
    open_cases: int | None
    resolved_cases: int | None
    suppressed: bool


@dataclass(frozen=True)
class TrendsReport:
    """Every table of the trends page, for one set of filters."""

    overview: Overview
    curves: tuple[CurvePoint, ...]
    adherence: tuple[AdherenceRow, ...]
    volume: tuple[VolumeRow, ...]
    review_times: tuple[ReviewTimeRow, ...]
    false_alarms: tuple[RuleRateRow, ...]


# --------------------------------------------------------------------------------------------
# Public aggregates


def report(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    now: datetime | None = None,
) -> TrendsReport:
    """All the trends tables at once (one read session, the same filters for each)."""
    f: dict[str, Any] = {"start": start, "end": end, "procedure": procedure, "series": series}
    return TrendsReport(
        overview=overview(session=session, actor=actor, **f),
        curves=tuple(recovery_curves(session=session, actor=actor, **f)),
        adherence=tuple(adherence(session=session, actor=actor, now=now, **f)),
        volume=tuple(queue_volume(session=session, actor=actor, **f)),
        review_times=tuple(review_times(session=session, actor=actor, **f)),
        false_alarms=tuple(false_alarm_rates(session=session, actor=actor, **f)),
    )


def overview(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
) -> Overview:
    """Patients and check-ins received in the period; cases queued in it, open and resolved."""
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    checkins = (
        select(
            func.count(distinct(Treatment.patient_id)),
            func.count(CheckIn.id),
        )
        .select_from(CheckIn)
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(CheckIn.is_baseline.is_(False))
        .where(*_window(CheckIn.submitted_at, start, end), *_procedure(procedure, series))
    )
    patients, n_checkins = session.execute(checkins).one()
    is_resolved = ReviewItem.status == ReviewStatus.RESOLVED.value
    cases = _cases_query(
        select(
            func.count(distinct(Treatment.patient_id)),
            func.coalesce(func.sum(case((is_resolved, 0), else_=1)), 0),
            func.coalesce(func.sum(case((is_resolved, 1), else_=0)), 0),
        ),
        start,
        end,
        procedure,
        series,
    )
    _, open_cases, resolved_cases = session.execute(cases).one()
    # The patients who checked in are a group of people; the cases are the clinic's work.
    people_ok = int(patients) >= MIN_GROUP
    return Overview(
        patients=int(patients) if people_ok else None,
        checkins=int(n_checkins) if people_ok else None,
        open_cases=int(open_cases),
        resolved_cases=int(resolved_cases),
        suppressed=not people_ok,
    )


def recovery_curves(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    metrics: Sequence[str] = METRICS,
) -> list[CurvePoint]:
    """Median and interquartile range of each metric by day since treatment, per procedure.

    Baseline check-ins (taken before treatment) are left out; a patient who checks in twice on
    one day contributes both check-ins. ``patients`` counts distinct patients with a value.
    """
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    for m in metrics:
        if m not in METRICS:
            raise InvalidInput(f"Unknown metric {m!r}; choose one of {', '.join(METRICS)}.")
    source = (
        select(
            Treatment.procedure.label("procedure"),
            CheckIn.day_since_treatment.label("day"),
            Treatment.patient_id.label("patient_id"),
            *(cast(getattr(CheckIn, m), Float).label(m) for m in metrics),
        )
        .select_from(CheckIn)
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(CheckIn.is_baseline.is_(False))
        .where(*_window(Treatment.treated_at, start, end), *_procedure(procedure, series))
        .subquery("curve_source")
    )
    if not _is_postgres(session):
        return _curves_in_process(session, source, metrics)
    keys = ("procedure", "day")
    counts_stmt = select(
        source.c.procedure,
        source.c.day,
        *(
            func.count(distinct(case((source.c[m].is_not(None), source.c.patient_id))))
            for m in metrics
        ),
        *(func.count(source.c[m]) for m in metrics),
    ).group_by(source.c.procedure, source.c.day)
    counts = {(r[0], int(r[1])): r[2:] for r in session.execute(counts_stmt)}
    points: list[CurvePoint] = []
    for i, metric in enumerate(metrics):
        qs = _quantiles(session, source, keys, metric, (0.25, 0.5, 0.75))
        for (proc, day), row in sorted(counts.items()):
            patients, n = int(row[i]), int(row[len(metrics) + i])
            if n == 0:
                continue
            if patients < MIN_GROUP:
                points.append(CurvePoint(proc, metric, day, None, None, None, None, None, True))
                continue
            q1, med, q3 = qs[(proc, day)]
            points.append(CurvePoint(proc, metric, day, patients, n, q1, med, q3, False))
    return points


def _curves_in_process(
    session: Session, source: Subquery, metrics: Sequence[str]
) -> list[CurvePoint]:
    """SQLite has no percentile function: read the few columns once and group in numpy.

    One scan instead of a ranked window per metric (at 100k check-ins, 0.2 s instead of 0.9 s).
    Only procedure, day, a patient id and the metric values are read, and only aggregates
    leave this function.
    """
    missing = -1e300  # SQLite has no NaN: a sentinel for NULL, turned into NaN below
    cols = [
        source.c.procedure,
        source.c.day,
        source.c.patient_id,
        *(func.coalesce(source.c[m], missing) for m in metrics),
    ]
    # Core, not ORM, execution: plain tuples, without per-row ORM bookkeeping.
    rows = session.connection().execute(select(*cols)).all()
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    procs = np.array(columns[0], dtype=object)
    days = np.array(columns[1], dtype=np.int64)
    pids = np.array(columns[2], dtype=np.int64)
    values = np.array(columns[3:], dtype=np.float64).T
    values[values == missing] = np.nan
    points: list[CurvePoint] = []
    groups = sorted({(str(p), int(d)) for p, d in zip(procs, days, strict=True)})
    for proc, day in groups:
        in_group = (procs == proc) & (days == day)
        for i, metric in enumerate(metrics):
            col = values[in_group, i]
            has = ~np.isnan(col)
            n = int(has.sum())
            if n == 0:
                continue
            patients = len(np.unique(pids[in_group][has]))
            if patients < MIN_GROUP:
                points.append(CurvePoint(proc, metric, day, None, None, None, None, None, True))
                continue
            q1, med, q3 = (float(v) for v in np.percentile(col[has], [25, 50, 75]))
            points.append(CurvePoint(proc, metric, day, patients, n, q1, med, q3, False))
    order = {m: i for i, m in enumerate(metrics)}
    points.sort(key=lambda p: (order[p.metric], p.procedure, p.day))
    return points


def expected_recovery_band(
    *,
    session: Session,
    actor: Actor,
    procedure: str,
    metrics: Sequence[str] = METRICS,
) -> list[BandPoint]:
    """The clinic's expected redness by day for a procedure: median and IQR over all patients.

    Days with fewer than ``MIN_GROUP`` patients are marked suppressed (no figures): a band drawn
    from a handful of patients would mislead and could identify them.
    """
    curves = recovery_curves(session=session, actor=actor, procedure=procedure, metrics=metrics)
    return [
        BandPoint(
            metric=p.metric,
            day=p.day,
            patients=p.patients,
            low=p.q1,
            median=p.median,
            high=p.q3,
            suppressed=p.suppressed,
        )
        for p in curves
    ]


def adherence(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    now: datetime | None = None,
) -> list[AdherenceRow]:
    """Share of due check-ins received, per procedure.

    Each treatment is due a check-in on each day of its ``schedule_days``. A due check-in counts
    once its window (day d to d + ``ADHERENCE_GRACE_DAYS``) has closed by ``now``; it is received
    if the treatment has a non-baseline check-in on a day inside that window. The schedule is
    expanded in SQL (``json_each`` on SQLite, ``json_array_elements_text`` on PostgreSQL).
    """
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    now = now or utcnow()
    if _is_postgres(session):
        sched = func.json_array_elements_text(Treatment.schedule_days).table_valued("value")
    else:
        sched = func.json_each(Treatment.schedule_days).table_valued("value")
    sched = sched.alias("sched")
    due_day = cast(sched.c.value, Integer)
    received = exists().where(
        CheckIn.treatment_id == Treatment.id,
        CheckIn.is_baseline.is_(False),
        CheckIn.day_since_treatment.between(due_day, due_day + ADHERENCE_GRACE_DAYS),
    )
    slots = (
        select(
            Treatment.procedure.label("procedure"),
            Treatment.patient_id.label("patient_id"),
            case((received, 1), else_=0).label("received"),
        )
        .select_from(Treatment)
        .join(sched, true())
        .where(
            _days_between(session, Treatment.treated_at, now) >= due_day + ADHERENCE_GRACE_DAYS + 1
        )
        .where(*_window(Treatment.treated_at, start, end), *_procedure(procedure, series))
        .subquery("slots")
    )
    stmt = (
        select(
            slots.c.procedure,
            func.count(distinct(slots.c.patient_id)),
            func.count(),
            func.sum(slots.c.received),
        )
        .group_by(slots.c.procedure)
        .order_by(slots.c.procedure)
    )
    rows: list[AdherenceRow] = []
    for proc, patients, expected, got in session.execute(stmt):
        if int(patients) < MIN_GROUP:
            rows.append(AdherenceRow(proc, None, None, None, None, suppressed=True))
            continue
        share = int(got) / int(expected) if expected else None
        rows.append(AdherenceRow(proc, int(patients), int(expected), int(got), share, False))
    return rows


def queue_volume(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
) -> list[VolumeRow]:
    """Review cases queued per ISO week (Monday to Sunday, UTC) and severity."""
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    if _is_postgres(session):
        week: ColumnElement[Any] = cast(func.date_trunc("week", ReviewItem.created_at), Date)
    else:
        # The Monday on or before the date: step back six days, then forward to a Monday.
        week = func.date(ReviewItem.created_at, "-6 days", "weekday 1")
    week = week.label("week_start")
    stmt = _cases_query(
        select(
            week,
            ReviewItem.severity,
            func.count(ReviewItem.id),
            func.count(distinct(Treatment.patient_id)),
        ),
        start,
        end,
        procedure,
        series,
    ).group_by(week, ReviewItem.severity)
    rows: list[VolumeRow] = []
    for week_start, severity, cases, patients in session.execute(stmt):
        monday = week_start if isinstance(week_start, date) else date.fromisoformat(week_start)
        iso = monday.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        rows.append(VolumeRow(label, monday, severity, int(cases), int(patients), False))
    rank = {s.value: s.rank for s in Severity}
    rows.sort(key=lambda r: (r.week_start, -rank.get(r.severity, -1)))
    return rows


def review_times(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
) -> list[ReviewTimeRow]:
    """Median and 90th percentile of minutes to first review and to resolution, by severity.

    The first row (severity ``"all"``) covers every case; then one row per severity, most
    severe first. Cases not yet reviewed (or resolved) count in ``cases`` but not in the times.
    """
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    source = _cases_query(
        select(
            ReviewItem.severity.label("severity"),
            literal(ALL).label("everything"),
            Treatment.patient_id.label("patient_id"),
            _minutes_between(session, ReviewItem.created_at, ReviewItem.first_reviewed_at).label(
                "to_review"
            ),
            _minutes_between(session, ReviewItem.created_at, ReviewItem.resolved_at).label(
                "to_resolve"
            ),
        ),
        start,
        end,
        procedure,
        series,
    ).subquery("times")
    rows: list[ReviewTimeRow] = []
    for key in ("everything", "severity"):
        group = source.c[key]
        counts_stmt = select(
            group,
            func.count(),
            func.count(distinct(source.c.patient_id)),
            func.count(source.c.to_review),
            func.count(source.c.to_resolve),
        ).group_by(group)
        review_q = _quantiles(session, source, (key,), "to_review", (0.5, 0.9))
        resolve_q = _quantiles(session, source, (key,), "to_resolve", (0.5, 0.9))
        found = []
        for g, cases, patients, reviewed, resolved in session.execute(counts_stmt):
            r_med, r_p90 = review_q.get((g,), (None, None))
            s_med, s_p90 = resolve_q.get((g,), (None, None))
            found.append(
                ReviewTimeRow(
                    severity=g,
                    cases=int(cases),
                    patients=int(patients),
                    reviewed=int(reviewed),
                    first_review_median_min=r_med,
                    first_review_p90_min=r_p90,
                    resolved=int(resolved),
                    resolution_median_min=s_med,
                    resolution_p90_min=s_p90,
                    suppressed=False,
                )
            )
        rank = {s.value: s.rank for s in Severity}
        rows.extend(sorted(found, key=lambda r: -rank.get(r.severity, 99)))
    return rows


def false_alarm_rates(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
) -> list[RuleRateRow]:
    """Per rule: the share of its resolved cases that providers closed as "no action needed".

    Highest rate first, so the rules most worth tuning lead the table.
    """
    require_trends_access(actor)
    _check_filters(start, end, procedure)
    no_action = ReviewItem.disposition == Disposition.NO_ACTION_NEEDED.value
    stmt = (
        _cases_query(
            select(
                RuleHit.rule_id,
                func.count(distinct(ReviewItem.id)),
                func.count(distinct(case((no_action, ReviewItem.id)))),
                func.count(distinct(Treatment.patient_id)),
            ).join(RuleHit, RuleHit.checkin_id == ReviewItem.checkin_id),
            start,
            end,
            procedure,
            series,
        )
        .where(ReviewItem.status == ReviewStatus.RESOLVED.value)
        .group_by(RuleHit.rule_id)
    )
    rows: list[RuleRateRow] = []
    for rule_id, resolved, none_needed, patients in session.execute(stmt):
        rate = int(none_needed) / int(resolved)
        rows.append(
            RuleRateRow(rule_id, int(resolved), int(none_needed), rate, int(patients), False)
        )
    rows.sort(key=lambda r: (r.suppressed, -(r.false_alarm_rate or 0.0), r.rule_id))
    return rows


def data_stamp(*, session: Session) -> tuple[int, ...]:
    """A cheap fingerprint of everything the trends read; it changes whenever a check-in
    arrives or a case is queued, claimed, released or resolved (each bumps its version).

    Pages may cache a report keyed on (filters, stamp): a few milliseconds instead of a
    second, and never stale. It carries only counts and ids, nothing about any patient.
    """
    checkins = session.execute(select(func.count(CheckIn.id), func.max(CheckIn.id))).one()
    items = session.execute(
        select(func.count(ReviewItem.id), func.max(ReviewItem.id), func.sum(ReviewItem.version))
    ).one()
    return tuple(int(v or 0) for v in (*checkins, *items))


# --------------------------------------------------------------------------------------------
# Helpers


def _check_filters(start: date | None, end: date | None, procedure: str | None) -> None:
    if procedure is not None and procedure not in PROCEDURES:
        raise InvalidInput(f"Unknown procedure {procedure!r}.")
    if start is not None and end is not None and start > end:
        raise InvalidInput("The start date is after the end date.")


def _window(column: Any, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """``start <= column < end + 1 day`` for the bounds given (dates are whole UTC days)."""
    clauses: list[ColumnElement[bool]] = []
    if start is not None:
        clauses.append(column >= datetime.combine(start, time.min))
    if end is not None:
        clauses.append(column < datetime.combine(end + timedelta(days=1), time.min))
    return clauses


SERIES_LAST = 3  # "3" means the third treatment of a series or later


def _procedure(procedure: str | None, series: int | None = None) -> list[ColumnElement[bool]]:
    """The procedure filter, and the treatment's number in its series (1, 2, or 3 and later)."""
    out: list[ColumnElement[bool]] = [] if procedure is None else [Treatment.procedure == procedure]
    if series is not None:
        out.append(
            Treatment.series_number >= series
            if series >= SERIES_LAST
            else Treatment.series_number == series
        )
    return out


def _cases_query(
    stmt: _S, start: date | None, end: date | None, procedure: str | None, series: int | None = None
) -> _S:
    """Review cases (joined to their treatment) queued in the window, for one procedure."""
    return (
        stmt.select_from(ReviewItem)
        .join(Treatment, Treatment.id == ReviewItem.treatment_id)
        .where(
            and_(
                true(), *_window(ReviewItem.created_at, start, end), *_procedure(procedure, series)
            )
        )
    )


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _days_between(session: Session, earlier: Any, later: datetime) -> ColumnElement[Any]:
    """Fractional days from a datetime column to a fixed instant."""
    if _is_postgres(session):
        seconds = func.extract("epoch", literal(later) - earlier)
        return cast(seconds, Float) / 86400.0
    stamp = later.isoformat(sep=" ")
    return func.julianday(stamp) - func.julianday(earlier)


def _minutes_between(session: Session, earlier: Any, later: Any) -> ColumnElement[Any]:
    """Minutes between two datetime columns; NULL when either is NULL."""
    if _is_postgres(session):
        return cast(func.extract("epoch", later - earlier), Float) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _quantiles(
    session: Session,
    source: Subquery,
    keys: Sequence[str],
    value: str,
    qs: Sequence[float],
) -> dict[tuple[Any, ...], tuple[float | None, ...]]:
    """Continuous percentiles ``qs`` of ``source.value`` per group of ``keys``, in SQL.

    Returns ``{group key tuple: (percentile for each q, ...)}``; NULL values are ignored and a
    group with no values is absent.
    """
    key_cols = [source.c[k] for k in keys]
    x = source.c[value]
    if _is_postgres(session):
        pg = (
            select(*key_cols, *(func.percentile_cont(q).within_group(x) for q in qs))
            .where(x.is_not(None))
            .group_by(*key_cols)
        )
        return {
            tuple(r[: len(keys)]): tuple(float(v) for v in r[len(keys) :])
            for r in session.execute(pg)
        }
    # SQLite: rank the values in each group in one sorted pass (row_number and the group's size
    # share one window, so one sort), then keep only the two ranks around each percentile.
    partition = key_cols or None
    ranked = (
        select(
            *key_cols,
            x.label("_v"),
            (func.row_number().over(partition_by=partition, order_by=x) - 1).label("_rn"),
            func.count().over(partition_by=partition, order_by=x, rows=(None, None)).label("_n"),
        )
        .where(x.is_not(None))
        .subquery("ranked")
    )
    wanted: list[ColumnElement[bool]] = []
    for q in qs:
        lo = cast(literal(float(q)) * (ranked.c._n - 1), Integer)
        wanted += [ranked.c._rn == lo, ranked.c._rn == lo + 1]
    rkeys = [ranked.c[k] for k in keys]
    stmt = select(*rkeys, ranked.c._n, ranked.c._rn, ranked.c._v).where(or_(*wanted))
    by_group: dict[tuple[Any, ...], tuple[int, dict[int, float]]] = {}
    for r in session.execute(stmt):
        key = tuple(r[: len(keys)])
        n, rn, v = int(r[len(keys)]), int(r[len(keys) + 1]), float(r[len(keys) + 2])
        by_group.setdefault(key, (n, {}))[1][rn] = v
    out: dict[tuple[Any, ...], tuple[float | None, ...]] = {}
    for key, (n, at) in by_group.items():
        values: list[float | None] = []
        for q in qs:
            pos = float(q) * (n - 1)
            below, above = at.get(math.floor(pos)), at.get(math.floor(pos) + 1)
            frac = pos - math.floor(pos)
            if below is None:
                values.append(None)
            elif above is None or frac == 0.0:
                values.append(below)
            else:
                values.append(below + frac * (above - below))
        out[key] = tuple(values)
    return out
