"""What the trends read: the filters, the rows each table is computed from, and percentiles.

Two sources hold the same rows. The check-in, treatment and review tables themselves, and the
trend tables of ``stored`` (one narrow row per non-baseline check-in, one per due check-in),
which are what the report reads while they are current. The filters apply to either.

Percentiles are continuous: linear interpolation between the two nearest ranks, PostgreSQL's
``percentile_cont`` (and numpy's default ``np.percentile``) definition, computed with
PostgreSQL's own arithmetic (``lo + frac * (hi - lo)``), so a percentile read at its rank here
is the same float as ``percentile_cont`` in the database.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    cast,
    or_,
    select,
    true,
)

from checkins.domain import PROCEDURES, InvalidInput
from checkins.services.trends.dialect import Dialect
from checkins.storage.models import CheckIn, ReviewItem, Treatment, TrendPoint

_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")

METRICS: tuple[str, ...] = ("mean_a_star", "erythema_index", "red_area_fraction")
SERIES_LAST = 3
"""Series filter 3 means the third treatment of a series or later."""


@dataclass(frozen=True)
class Filters:
    """``start``/``end``: inclusive dates on each clinic's own calendar (``zones``); the
    ``procedure``; the treatment's ``series`` number."""

    start: date | None = None
    end: date | None = None
    procedure: str | None = None
    series: int | None = None
    clinics: tuple[int, ...] = ()  # whose rows: set by the report from the actor, never empty
    zones: tuple[str, ...] = ()  # each clinic's time zone, in the order of ``clinics`` (or UTC)

    def check(self) -> None:
        if self.procedure is not None and self.procedure not in PROCEDURES:
            raise InvalidInput(f"Unknown procedure {self.procedure!r}.")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidInput("The start date is after the end date.")

    @property
    def all_time(self) -> bool:
        """No date window and no series, one clinic: what the all-time trend groups answer
        (several clinics' percentiles are read from the points instead)."""
        return (
            self.start is None and self.end is None and self.series is None
            and len(self.clinics) == 1
        )  # fmt: skip

    def in_clinics(self, column: Any) -> list[ColumnElement[bool]]:
        """The rows of the chosen clinics (an empty choice reads nothing, never everything)."""
        return [column.in_(list(self.clinics))]

    def window(self, column: Any, clinic: Any) -> list[ColumnElement[bool]]:
        """Rows whose ``column`` (a naive UTC time) falls on the period's days as the row's
        ``clinic`` counts them: from local midnight of ``start`` to local midnight after
        ``end``, converted to UTC here, at the boundary, so the stored times stay UTC."""
        if self.start is None and self.end is None:
            return []
        by_zone = self._by_zone()
        if len(by_zone) <= 1:  # one calendar: the clinics are chosen by ``in_clinics`` already
            return self._within(column, next(iter(by_zone), "UTC"))
        return [
            or_(
                *(
                    and_(clinic.in_(ids), *self._within(column, zone))
                    for zone, ids in by_zone.items()
                )
            )
        ]

    def span(self) -> tuple[datetime, datetime] | None:
        """The period as naive UTC bounds, from the earliest clinic's first midnight to the
        latest one's last; ``None`` when it is open at either end."""
        if self.start is None or self.end is None:
            return None
        zones = self._by_zone()
        first = min(_utc_midnight(self.start, zone) for zone in zones)
        last = max(_utc_midnight(self.end + timedelta(days=1), zone) for zone in zones)
        return first, last

    def week_start(
        self, column: Any, clinic: Any, dialect: Dialect, span: tuple[datetime, datetime] | None
    ) -> ColumnElement[Any]:
        """The Monday on or before ``column`` (a naive UTC time) on the calendar of the row's
        ``clinic``, as a date (a string on SQLite): the weeks line up with the period's days,
        and a case queued on a Sunday evening in New York is that Sunday's week's, not the
        next one's (it is already Monday in UTC).

        ``span``: the earliest and latest ``column`` of the rows (or bounds around them), for
        SQLite, which adds each zone's UTC offsets in force over it (``None``: no rows).
        """
        by_zone = self._by_zone()

        def in_zone(zone: str) -> ColumnElement[Any]:
            if dialect.has_time_zones or span is None:
                return dialect.week_start(column, zone)
            return dialect.week_start(column, zone, utc_offsets(zone, *span))

        weeks = [(ids, in_zone(zone)) for zone, ids in by_zone.items()]
        if len(weeks) == 1:
            return weeks[0][1]
        # The clinics are chosen by ``in_clinics`` already: the last zone needs no test.
        return case(*((clinic.in_(ids), week) for ids, week in weeks[:-1]), else_=weeks[-1][1])

    def _by_zone(self) -> dict[str, list[int]]:
        """The chosen clinics grouped by time zone (UTC for a clinic without one)."""
        zones = self.zones or ("UTC",) * len(self.clinics)
        by_zone: dict[str, list[int]] = {}
        for clinic_id, zone in zip(self.clinics, zones, strict=True):
            by_zone.setdefault(zone, []).append(clinic_id)
        return by_zone or {"UTC": []}

    def _within(self, column: Any, zone: str) -> list[ColumnElement[bool]]:
        """``local midnight of start <= column < local midnight after end``, in naive UTC."""
        clauses: list[ColumnElement[bool]] = []
        if self.start is not None:
            clauses.append(column >= _utc_midnight(self.start, zone))
        if self.end is not None:
            clauses.append(column < _utc_midnight(self.end + timedelta(days=1), zone))
        return clauses

    def cohort(self, procedure: Any, series: Any) -> list[ColumnElement[bool]]:
        """The procedure filter, and the treatment's number in its series (1, 2, or 3+)."""
        out: list[ColumnElement[bool]] = []
        if self.procedure is not None:
            out.append(procedure == self.procedure)
        if self.series is not None:
            out.append(
                series >= self.series if self.series >= SERIES_LAST else series == self.series
            )
        return out


def _utc_midnight(day: date, zone: str) -> datetime:
    """The first moment of ``day`` in ``zone``, as the naive UTC time the tables store."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_offsets(zone: str, first: datetime, last: datetime) -> list[tuple[datetime, int]]:
    """``zone``'s UTC offsets in force from ``first`` to ``last`` (naive UTC times): ``(from,
    seconds east of UTC)`` in time order, the first from ``first``, then one per change (a DST
    transition, or a change of the zone's standard time) up to ``last``."""
    out = [(first, _offset_at(first, zone))]
    for year in range(first.year, last.year + 1):
        out.extend((at, seconds) for at, seconds in _changes(zone, year) if first < at <= last)
    return out


@functools.lru_cache(maxsize=512)
def _changes(zone: str, year: int) -> tuple[tuple[datetime, int], ...]:
    """Where ``zone``'s UTC offset changes in ``year`` (up to the next New Year's midnight, UTC):
    the first naive UTC second of each new offset, and the offset. Found by stepping a day at a
    time (no zone changes twice in a day) and halving the day that changed down to the second;
    cached, as the zones and years of a clinic's data are few."""
    changes: list[tuple[datetime, int]] = []
    at, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    before = _offset_at(at, zone)
    while at < end:
        step = min(at + timedelta(days=1), end)
        after = _offset_at(step, zone)
        if after != before:
            changes.append((_first_second_of(after, at, step, zone), after))
            before = after
        at = step
    return tuple(changes)


def _first_second_of(offset: int, old: datetime, new: datetime, zone: str) -> datetime:
    """The first second in (``old``, ``new``] at which ``zone`` is at ``offset`` (at ``new``
    it is, at ``old`` it is not)."""
    while new - old > timedelta(seconds=1):
        mid = old + (new - old) // 2
        mid -= timedelta(microseconds=mid.microsecond)
        if _offset_at(mid, zone) == offset:
            new = mid
        else:
            old = mid
    return new


def _offset_at(at: datetime, zone: str) -> int:
    """``zone``'s UTC offset, in seconds, at the naive UTC time ``at``."""
    offset = at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


# --------------------------------------------------------------------------------------------
# Row sources


def curve_rows(f: Filters, metrics: Sequence[str], *, stored: bool) -> Subquery:
    """Non-baseline check-ins of treatments in the window: procedure, day, patient, metrics."""
    if stored:
        return (
            select(
                TrendPoint.procedure.label("procedure"),
                TrendPoint.day.label("day"),
                TrendPoint.patient_id.label("patient_id"),
                *(getattr(TrendPoint, m).label(m) for m in metrics),
            )
            .where(
                *f.in_clinics(TrendPoint.clinic_id),
                *f.window(TrendPoint.treated_at, TrendPoint.clinic_id),
            )
            .where(*f.cohort(TrendPoint.procedure, TrendPoint.series_number))
            .subquery("curve_source")
        )
    return (
        select(
            Treatment.procedure.label("procedure"),
            CheckIn.day_since_treatment.label("day"),
            Treatment.patient_id.label("patient_id"),
            *(cast(getattr(CheckIn, m), Float).label(m) for m in metrics),
        )
        .select_from(CheckIn)
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(CheckIn.is_baseline.is_(False), *f.in_clinics(Treatment.clinic_id))
        .where(
            *f.window(Treatment.treated_at, Treatment.clinic_id),
            *f.cohort(Treatment.procedure, Treatment.series_number),
        )
        .subquery("curve_source")
    )


def checkin_rows(f: Filters, *, stored: bool) -> tuple[Any, Any, list[ColumnElement[bool]]]:
    """(patient id column, check-in id column, where clauses) of the non-baseline check-ins
    sent in the window, for the overview; the FROM follows from the columns."""
    if stored:
        where = [
            *f.in_clinics(TrendPoint.clinic_id),
            *f.window(TrendPoint.submitted_at, TrendPoint.clinic_id),
            *f.cohort(TrendPoint.procedure, TrendPoint.series_number),
        ]
        return TrendPoint.patient_id, TrendPoint.checkin_id, where
    where = [
        CheckIn.treatment_id == Treatment.id,
        CheckIn.is_baseline.is_(False),
        *f.in_clinics(Treatment.clinic_id),
        *f.window(CheckIn.submitted_at, Treatment.clinic_id),
        *f.cohort(Treatment.procedure, Treatment.series_number),
    ]
    return Treatment.patient_id, CheckIn.id, where


def cases(stmt: _S, f: Filters) -> _S:
    """Review cases (joined to their treatment) queued in the window, for the filters."""
    return (
        stmt.select_from(ReviewItem)
        .join(Treatment, Treatment.id == ReviewItem.treatment_id)
        .where(
            and_(
                true(),
                # Both sides carry the clinic (a case's treatment is its clinic's): filtering
                # both lets the join read one clinic's treatments, not every clinic's.
                *f.in_clinics(ReviewItem.clinic_id),
                *f.in_clinics(Treatment.clinic_id),
                *f.window(ReviewItem.created_at, ReviewItem.clinic_id),
                *f.cohort(Treatment.procedure, Treatment.series_number),
            )
        )
    )


# --------------------------------------------------------------------------------------------
# Percentiles


def rank_of(q: float, n: int) -> tuple[int, float]:
    """The lower rank (0-based) of percentile ``q`` among ``n`` sorted values, and the fraction
    of the way to the next rank (0.0 when the percentile falls on a value)."""
    pos = q * (n - 1)
    lower = math.floor(pos)
    return lower, pos - lower


def interpolate(below: float, above: float | None, frac: float) -> float:
    """``percentile_cont``'s step between the two ranks around a percentile."""
    if above is None or frac == 0.0:
        return below
    return below + frac * (above - below)


def percentile(values: Sequence[float], q: float) -> float:
    """The continuous percentile ``q`` (0-1) of already sorted ``values`` (not empty)."""
    lower, frac = rank_of(q, len(values))
    above = values[lower + 1] if lower + 1 < len(values) else None
    return interpolate(values[lower], above, frac)


def percentiles_by(
    rows: Sequence[tuple[Any, float | None]], qs: Sequence[float]
) -> dict[Any, tuple[float, ...]]:
    """Percentiles ``qs`` of the non-NULL values of ``(group, value)`` rows, per group."""
    groups: dict[Any, list[float]] = {}
    for key, value in rows:
        if value is not None:
            groups.setdefault(key, []).append(float(value))
    out: dict[Any, tuple[float, ...]] = {}
    for key, values in groups.items():
        values.sort()
        out[key] = tuple(percentile(values, q) for q in qs)
    return out
