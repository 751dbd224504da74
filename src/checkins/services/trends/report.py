"""The trends report: its DTOs and the public aggregates, each checking access once.

Every public function goes through ``_begin`` (the access check, the filters, the dialect and
whether the trend tables are current) and then one private builder; ``report`` begins once and
runs every builder on the same context.

What leaves the database: group counts and aggregates, and, to be computed in this process,
only the values a figure needs, never a name, a photo or free text:

- Recovery curves over all time (optionally one procedure) come from the trend tables
  (``stored``): group sizes, then the values at the ranks around each percentile, read from
  an index (at most two values per percentile).
- Recovery curves for a window or a series: on PostgreSQL ``percentile_cont`` in SQL; on SQLite
  (no ordered-set aggregates) the procedure, day, a patient number and the three metrics of each
  check-in in the window are read and grouped here.
- Review times: per case its severity, a patient number (for the distinct count) and its two
  durations in minutes are read once and their percentiles taken here.
- Everything else (the overview, adherence, queue volume, false-alarm rates) is a GROUP BY.

Results carry procedure codes, rule ids, severities, days, weeks, counts and numbers. Small
groups of people are suppressed (``privacy``). Filters: ``start``/``end`` (inclusive dates, each
clinic's own local dates: a day runs from midnight to midnight in the clinic's time zone, turned
into UTC bounds by ``rows.Filters`` since the tables store UTC) select treatments by their
treatment date for recovery curves and adherence (cohorts), check-ins by their send date for the
overview's patients and check-ins, and review cases by the date they were queued for queue
volume, review times and false-alarm rates. The queue volume's weeks are the clinic's too
(Monday to Sunday in its zone, grouped in the database: ``rows.Filters.week_start``).
``procedure`` narrows every table to one procedure; ``series`` to a treatment's number in its
series (3: third or later).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Integer, Subquery, case, cast, distinct, func, select, true
from sqlalchemy.orm import Session

from checkins.access import clinic_of, readable_clinics, require_trends_access
from checkins.domain import AccessDenied, Disposition, InvalidInput, ReviewStatus, Severity, utcnow
from checkins.services.trends import dialect as dialects
from checkins.services.trends import rows, stored
from checkins.services.trends.privacy import could_identify
from checkins.services.trends.rows import METRICS, Filters
from checkins.services.trends.stored import ADHERENCE_GRACE_DAYS
from checkins.services.views import Actor
from checkins.storage.models import (
    CheckIn,
    ClinicSettings,
    ReviewItem,
    RuleHit,
    ScheduledCheckin,
    Treatment,
    TrendSlot,
)

METRIC_LABELS: dict[str, str] = {
    "mean_a_star": "Mean a* (CIELAB)",
    "erythema_index": "Erythema index",
    "red_area_fraction": "Red area (share of skin)",
}
ALL = "all"
"""The group key of a row that summarises every severity (review times)."""
QUARTILES = (0.25, 0.5, 0.75)


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
    """Review cases queued in one ISO week at one severity (weeks of the clinic's calendar)."""

    week: str  # ISO week, e.g. "2026-W05"
    week_start: date  # its Monday, a date on the clinic's calendar
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
# The shared beginning


@dataclass(frozen=True)
class _Context:
    session: Session
    dialect: dialects.Dialect
    filters: Filters
    stored: bool  # the trend tables are current: read them instead of the rows


def _begin(
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    clinics: Collection[int] | None = None,
) -> _Context:
    """The access check and the filters' check, once per public call.

    ``clinics``: whose trends (default the actor's own clinic); a manager may choose any
    clinics of their organisation, anyone else only their own."""
    require_trends_access(actor)
    readable = readable_clinics(actor)
    chosen = frozenset(clinics) if clinics else frozenset({clinic_of(actor)})
    if not chosen <= readable:
        raise AccessDenied("You can only see the trends of your own organisation's clinics.")
    ids = tuple(sorted(chosen))
    zone_of: dict[int, str] = {
        clinic_id: zone
        for clinic_id, zone in session.execute(
            select(ClinicSettings.id, ClinicSettings.time_zone).where(ClinicSettings.id.in_(ids))
        )
    }
    filters = Filters(
        start=start, end=end, procedure=procedure, series=series, clinics=ids,
        zones=tuple(zone_of.get(i, "UTC") for i in ids),
    )  # fmt: skip
    filters.check()
    return _Context(
        session=session,
        dialect=dialects.of(session),
        filters=filters,
        stored=stored.is_current(session=session, actor=actor),
    )


def _check_metrics(metrics: Sequence[str]) -> None:
    for m in metrics:
        if m not in METRICS:
            raise InvalidInput(f"Unknown metric {m!r}; choose one of {', '.join(METRICS)}.")


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
    clinics: Collection[int] | None = None,
) -> TrendsReport:
    """All the trends tables at once (one read session, one check, the same filters for each)."""
    ctx = _begin(session, actor, start, end, procedure, series, clinics)
    return TrendsReport(
        overview=_overview(ctx),
        curves=tuple(_curves(ctx, METRICS)),
        adherence=tuple(_adherence(ctx, now or utcnow())),
        volume=tuple(_volume(ctx)),
        review_times=tuple(_review_times(ctx)),
        false_alarms=tuple(_false_alarms(ctx)),
    )


def overview(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    clinics: Collection[int] | None = None,
) -> Overview:
    """Patients and check-ins received in the period; cases queued in it, open and resolved."""
    return _overview(_begin(session, actor, start, end, procedure, series, clinics))


def recovery_curves(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    metrics: Sequence[str] = METRICS,
    clinics: Collection[int] | None = None,
) -> list[CurvePoint]:
    """Median and interquartile range of each metric by day since treatment, per procedure.

    Baseline check-ins (taken before treatment) are left out; a patient who checks in twice on
    one day contributes both check-ins. ``patients`` counts distinct patients with a value.
    """
    ctx = _begin(session, actor, start, end, procedure, series, clinics)
    _check_metrics(metrics)
    return _curves(ctx, metrics)


def expected_recovery_band(
    *,
    session: Session,
    actor: Actor,
    procedure: str,
    metrics: Sequence[str] = METRICS,
    clinics: Collection[int] | None = None,
) -> list[BandPoint]:
    """The clinic's expected redness by day for a procedure: median and IQR over all patients.

    Days with fewer than ``MIN_GROUP`` patients are marked suppressed (no figures): a band drawn
    from a handful of patients would mislead and could identify them.
    """
    ctx = _begin(session, actor, procedure=procedure, clinics=clinics)
    _check_metrics(metrics)
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
        for p in _curves(ctx, metrics)
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
    clinics: Collection[int] | None = None,
) -> list[AdherenceRow]:
    """Share of due check-ins received, per procedure.

    Each treatment is due a check-in on each day of its ``schedule_days``. A due check-in counts
    once its window (day d to d + ``ADHERENCE_GRACE_DAYS``) has closed by ``now``; it is received
    if the treatment has a non-baseline check-in on a day inside that window.
    """
    return _adherence(
        _begin(session, actor, start, end, procedure, series, clinics), now or utcnow()
    )


def queue_volume(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    clinics: Collection[int] | None = None,
) -> list[VolumeRow]:
    """Review cases queued per ISO week and severity. A week runs Monday to Sunday on the
    calendar of the case's clinic (its own time zone, like the period's days)."""
    return _volume(_begin(session, actor, start, end, procedure, series, clinics))


def review_times(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    clinics: Collection[int] | None = None,
) -> list[ReviewTimeRow]:
    """Median and 90th percentile of minutes to first review and to resolution, by severity.

    The first row (severity ``"all"``) covers every case; then one row per severity, most
    severe first. Cases not yet reviewed (or resolved) count in ``cases`` but not in the times.
    """
    return _review_times(_begin(session, actor, start, end, procedure, series, clinics))


def false_alarm_rates(
    *,
    session: Session,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    procedure: str | None = None,
    series: int | None = None,
    clinics: Collection[int] | None = None,
) -> list[RuleRateRow]:
    """Per rule: the share of its resolved cases that providers closed as "no action needed".

    Highest rate first, so the rules most worth tuning lead the table.
    """
    return _false_alarms(_begin(session, actor, start, end, procedure, series, clinics))


def data_stamp(*, session: Session, actor: Actor) -> tuple[int, ...]:
    """A cheap fingerprint of everything the trends read; it changes whenever a check-in
    arrives, a case is queued, claimed, replied to, released or resolved (each bumps its
    version), a treatment is recorded or its schedule is written (what adherence reads).

    Pages may cache a report keyed on (filters, stamp): a few milliseconds instead of a
    recomputation, and never stale from a change of the data (a due check-in's window closing
    with time is the clock's, not the data's: the page's cache lifetime covers it). It carries
    only counts, ids and one time, nothing about any patient; whoever may read trends may.

    Schedules: a new due day is a new ``scheduled_checkins`` row (its highest id); a dropped
    one is a row cancelled now (the latest cancellation, and their number) or, when it was
    answered, one slot fewer in ``trend_slots``; a day brought back is one cancellation
    fewer. Every schedule write changes at least one of them.
    """
    require_trends_access(actor)
    sc = ScheduledCheckin
    found = session.execute(
        select(
            select(func.count(CheckIn.id)).scalar_subquery(),
            select(func.max(CheckIn.id)).scalar_subquery(),
            select(func.count(ReviewItem.id)).scalar_subquery(),
            select(func.max(ReviewItem.id)).scalar_subquery(),
            select(func.sum(ReviewItem.version)).scalar_subquery(),
            select(func.count(Treatment.id)).scalar_subquery(),
            select(func.max(Treatment.id)).scalar_subquery(),
            select(func.count(sc.id)).scalar_subquery(),
            select(func.max(sc.id)).scalar_subquery(),
            select(func.count(sc.cancelled_at)).scalar_subquery(),
            select(func.max(sc.cancelled_at)).scalar_subquery(),
            select(func.count()).select_from(TrendSlot).scalar_subquery(),
        )
    ).one()
    *counts, last_cancelled, slots = found
    return (*(int(v or 0) for v in counts), _microseconds(last_cancelled), int(slots or 0))


def _microseconds(at: datetime | str | None) -> int:
    """A stored time as whole microseconds since 1970 (SQLite may answer MAX() as text)."""
    if at is None:
        return 0
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


# --------------------------------------------------------------------------------------------
# The builders (access already checked)


def _overview(ctx: _Context) -> Overview:
    f = ctx.filters
    if ctx.stored and f.all_time:
        patients, n_checkins = stored.overview_size(ctx.session, f.procedure, f.clinics[0])
    else:
        patient, checkin, where = rows.checkin_rows(f, stored=ctx.stored)
        found = ctx.session.execute(
            select(func.count(distinct(patient)), func.count(checkin)).where(*where)
        ).one()
        patients, n_checkins = int(found[0]), int(found[1])
    is_resolved = ReviewItem.status == ReviewStatus.RESOLVED.value
    cases = rows.cases(
        select(
            func.coalesce(func.sum(case((is_resolved, 0), else_=1)), 0),
            func.coalesce(func.sum(case((is_resolved, 1), else_=0)), 0),
        ),
        f,
    )
    open_cases, resolved_cases = ctx.session.execute(cases).one()
    # The patients who checked in are a group of people; the cases are the clinic's work.
    hidden = could_identify(patients)
    return Overview(
        patients=None if hidden else patients,
        checkins=None if hidden else n_checkins,
        open_cases=int(open_cases),
        resolved_cases=int(resolved_cases),
        suppressed=hidden,
    )


def _point(
    proc: str, metric: str, day: int, patients: int, n: int, qs: tuple[float, ...] | None
) -> CurvePoint:
    if could_identify(patients) or qs is None:
        return CurvePoint(proc, metric, day, None, None, None, None, None, True)
    q1, med, q3 = qs
    return CurvePoint(proc, metric, day, patients, n, q1, med, q3, False)


def _curves(ctx: _Context, metrics: Sequence[str]) -> list[CurvePoint]:
    if ctx.stored and ctx.filters.all_time:
        points = _curves_stored(ctx, metrics)
    else:
        source = rows.curve_rows(ctx.filters, metrics, stored=ctx.stored)
        if ctx.dialect.has_percentile_cont:
            points = _curves_in_sql(ctx, source, metrics)
        else:
            points = _curves_in_process(ctx, source, metrics)
    order = {m: i for i, m in enumerate(metrics)}
    points.sort(key=lambda p: (order[p.metric], p.procedure, p.day))
    return points


def _curves_stored(ctx: _Context, metrics: Sequence[str]) -> list[CurvePoint]:
    """All time: group sizes from ``trend_groups``, percentiles read at rank."""
    clinic = ctx.filters.clinics[0]  # all_time: exactly one
    sizes = stored.group_sizes(ctx.session, metrics, ctx.filters.procedure, clinic)
    shown = [(k, p, d, n) for k, p, d, n, c in sizes if n and not could_identify(c)]
    qs = stored.curve_quartiles(ctx.session, shown, QUARTILES, clinic)
    return [
        _point(proc, metric, day, patients, n, qs.get((metric, proc, day)))
        for metric, proc, day, n, patients in sizes
        if n
    ]


def _curves_in_sql(ctx: _Context, source: Subquery, metrics: Sequence[str]) -> list[CurvePoint]:
    """PostgreSQL: counts and ``percentile_cont`` per group, in the database."""
    s = source.c
    counts_stmt = select(
        s.procedure,
        s.day,
        *(func.count(distinct(case((s[m].is_not(None), s.patient_id)))) for m in metrics),
        *(func.count(s[m]) for m in metrics),
    ).group_by(s.procedure, s.day)
    counts = {(r[0], int(r[1])): r[2:] for r in ctx.session.execute(counts_stmt)}
    points: list[CurvePoint] = []
    for i, metric in enumerate(metrics):
        x = s[metric]
        pct = (
            select(s.procedure, s.day, *(ctx.dialect.percentile(q, x) for q in QUARTILES))
            .where(x.is_not(None))
            .group_by(s.procedure, s.day)
        )
        qs = {(r[0], int(r[1])): tuple(float(v) for v in r[2:]) for r in ctx.session.execute(pct)}
        for (proc, day), row in counts.items():
            patients, n = int(row[i]), int(row[len(metrics) + i])
            if n:
                points.append(_point(proc, metric, day, patients, n, qs.get((proc, day))))
    return points


def _curves_in_process(ctx: _Context, source: Subquery, metrics: Sequence[str]) -> list[CurvePoint]:
    """SQLite has no percentile function: read the few columns once and group here.

    One scan instead of a ranked window per metric. Only procedure, day, a patient number and
    the metric values are read, and only aggregates leave this function.
    """
    missing = -1e300  # SQLite has no NaN: a sentinel for NULL, turned into NaN below
    cols = [
        source.c.procedure,
        source.c.day,
        source.c.patient_id,
        *(func.coalesce(source.c[m], missing) for m in metrics),
    ]
    # Core, not ORM, execution: plain tuples, without per-row ORM bookkeeping.
    found = ctx.session.connection().execute(select(*cols)).all()
    if not found:
        return []
    columns = list(zip(*found, strict=True))
    procs = np.array(columns[0], dtype=object)
    days = np.array(columns[1], dtype=np.int64)
    pids = np.array(columns[2], dtype=np.int64)
    values = np.array(columns[3:], dtype=np.float64).T
    values[values == missing] = np.nan
    points: list[CurvePoint] = []
    for proc, day in sorted({(str(p), int(d)) for p, d in zip(procs, days, strict=True)}):
        in_group = (procs == proc) & (days == day)
        for i, metric in enumerate(metrics):
            col = values[in_group, i]
            has = ~np.isnan(col)
            n = int(has.sum())
            if n == 0:
                continue
            patients = len(np.unique(pids[in_group][has]))
            ordered = np.sort(col[has]).tolist()
            qs = tuple(rows.percentile(ordered, q) for q in QUARTILES)
            points.append(_point(proc, metric, day, patients, n, qs))
    return points


def _adherence(ctx: _Context, now: datetime) -> list[AdherenceRow]:
    f = ctx.filters
    if ctx.stored:
        where = [
            *f.in_clinics(TrendSlot.clinic_id),
            *f.window(TrendSlot.treated_at, TrendSlot.clinic_id),
            *f.cohort(TrendSlot.procedure, TrendSlot.series_number),
        ]
        found = stored.adherence_rows(ctx.session, now=now, where=where)
    else:
        found = _adherence_from_rows(ctx, now)
    out: list[AdherenceRow] = []
    for proc, patients, expected, got in found:
        if could_identify(patients):
            out.append(AdherenceRow(proc, None, None, None, None, suppressed=True))
            continue
        share = got / expected if expected else None
        out.append(AdherenceRow(proc, patients, expected, got, share, False))
    return out


def _adherence_from_rows(ctx: _Context, now: datetime) -> list[tuple[str, int, int, int]]:
    """The schedules expanded in SQL, each due day checked against the check-ins."""
    f = ctx.filters
    sched = ctx.dialect.json_values(Treatment.schedule_days)
    due_day = cast(sched.c.value, Integer)
    received = (
        select(CheckIn.id)
        .where(
            CheckIn.treatment_id == Treatment.id,
            CheckIn.is_baseline.is_(False),
            CheckIn.day_since_treatment.between(due_day, due_day + ADHERENCE_GRACE_DAYS),
        )
        .exists()
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
            ctx.dialect.days_since(Treatment.treated_at, now) >= due_day + ADHERENCE_GRACE_DAYS + 1
        )
        .where(*f.in_clinics(Treatment.clinic_id))
        .where(
            *f.window(Treatment.treated_at, Treatment.clinic_id),
            *f.cohort(Treatment.procedure, Treatment.series_number),
        )
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
    return [(str(p), int(n), int(e), int(g)) for p, n, e, g in ctx.session.execute(stmt)]


def _volume(ctx: _Context) -> list[VolumeRow]:
    """Cases per week of each case's clinic's calendar, grouped in the database."""
    span = None if ctx.dialect.has_time_zones else _queued_span(ctx)
    week = ctx.filters.week_start(
        ReviewItem.created_at, ReviewItem.clinic_id, ctx.dialect, span
    ).label("week_start")
    stmt = rows.cases(
        select(
            week,
            ReviewItem.severity,
            func.count(ReviewItem.id),
            func.count(distinct(Treatment.patient_id)),
        ),
        ctx.filters,
    ).group_by(week, ReviewItem.severity)
    out: list[VolumeRow] = []
    for week_start, severity, n_cases, patients in ctx.session.execute(stmt):
        monday = week_start if isinstance(week_start, date) else date.fromisoformat(week_start)
        iso = monday.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        out.append(VolumeRow(label, monday, severity, int(n_cases), int(patients), False))
    rank = {s.value: s.rank for s in Severity}
    out.sort(key=lambda r: (r.week_start, -rank.get(r.severity, -1)))
    return out


def _queued_span(ctx: _Context) -> tuple[datetime, datetime] | None:
    """The earliest and latest queueing time the volume can read, for SQLite's UTC offsets:
    the period's bounds, or, when it is open, the chosen clinics' cases' first and last
    (one read of ``review_items`` alone; ``None`` when there are none)."""
    f = ctx.filters
    if (bounds := f.span()) is not None:
        return bounds
    column = ReviewItem.created_at
    found = ctx.session.execute(
        select(func.min(column), func.max(column)).where(
            *f.in_clinics(ReviewItem.clinic_id), *f.window(column, ReviewItem.clinic_id)
        )
    ).one()
    if found[0] is None:
        return None
    first, last = (datetime.fromisoformat(v) if isinstance(v, str) else v for v in found)
    return first, last


def _review_times(ctx: _Context) -> list[ReviewTimeRow]:
    """One pass over the cases in the window; counts and percentiles per severity, here.

    The first row covers every case (``ALL``), then each severity, most severe first."""
    d = ctx.dialect
    stmt = rows.cases(
        select(
            ReviewItem.severity,
            Treatment.patient_id,
            d.minutes_between(ReviewItem.created_at, ReviewItem.first_reviewed_at),
            d.minutes_between(ReviewItem.created_at, ReviewItem.resolved_at),
        ),
        ctx.filters,
    )
    found = ctx.session.connection().execute(stmt).all()
    if not found:
        return []
    columns = list(zip(*found, strict=True))
    severities = np.array(columns[0], dtype=object)
    patients = np.array(columns[1], dtype=np.int64)
    nan = float("nan")
    review = np.array([nan if v is None else v for v in columns[2]], dtype=np.float64)
    resolve = np.array([nan if v is None else v for v in columns[3]], dtype=np.float64)
    rank = {s.value: s.rank for s in Severity}
    keys = sorted({str(v) for v in columns[0]}, key=lambda k: -rank.get(k, 99))
    out: list[ReviewTimeRow] = []
    for key in (ALL, *keys):
        mine = np.ones(len(found), dtype=bool) if key == ALL else severities == key
        to_review = np.sort(review[mine & ~np.isnan(review)]).tolist()
        to_resolve = np.sort(resolve[mine & ~np.isnan(resolve)]).tolist()
        out.append(
            ReviewTimeRow(
                severity=key,
                cases=int(mine.sum()),
                patients=len(np.unique(patients[mine])),
                reviewed=len(to_review),
                first_review_median_min=_pct(to_review, 0.5),
                first_review_p90_min=_pct(to_review, 0.9),
                resolved=len(to_resolve),
                resolution_median_min=_pct(to_resolve, 0.5),
                resolution_p90_min=_pct(to_resolve, 0.9),
                suppressed=False,
            )
        )
    return out


def _pct(ordered: list[float], q: float) -> float | None:
    return rows.percentile(ordered, q) if ordered else None


def _false_alarms(ctx: _Context) -> list[RuleRateRow]:
    no_action = ReviewItem.disposition == Disposition.NO_ACTION_NEEDED.value
    stmt = (
        rows.cases(
            select(
                RuleHit.rule_id,
                func.count(distinct(ReviewItem.id)),
                func.count(distinct(case((no_action, ReviewItem.id)))),
                func.count(distinct(Treatment.patient_id)),
            ).join(RuleHit, RuleHit.checkin_id == ReviewItem.checkin_id),
            ctx.filters,
        )
        .where(ReviewItem.status == ReviewStatus.RESOLVED.value)
        .group_by(RuleHit.rule_id)
    )
    out: list[RuleRateRow] = []
    for rule_id, resolved, none_needed, patients in ctx.session.execute(stmt):
        rate = int(none_needed) / int(resolved)
        out.append(
            RuleRateRow(rule_id, int(resolved), int(none_needed), rate, int(patients), False)
        )
    out.sort(key=lambda r: (r.suppressed, -(r.false_alarm_rate or 0.0), r.rule_id))
    return out
