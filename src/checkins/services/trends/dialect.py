"""The database-specific SQL of the trends, chosen in one place: ``of(session)``.

PostgreSQL and SQLite differ in how they expand a JSON array, truncate to a local week, subtract
datetimes, compute a percentile, read many ranked values at once and upsert. Everything else in
the package is portable SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, FromClause, case, cast, func, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

SQLITE_TERMS = 200


@dataclass(frozen=True)
class Dialect:
    """The SQL that differs between the two backends."""

    name: str

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    @property
    def has_percentile_cont(self) -> bool:
        """PostgreSQL has ordered-set aggregates; SQLite has none."""
        return self.is_postgres

    def percentile(self, q: float, value: Any) -> ColumnElement[Any]:
        """The continuous percentile ``q`` of ``value`` as an aggregate (PostgreSQL only: check
        ``has_percentile_cont``; SQLite computes it from ranked values instead)."""
        if not self.has_percentile_cont:
            raise NotImplementedError("SQLite has no ordered-set aggregates")
        return func.percentile_cont(q).within_group(value)

    def json_values(self, column: Any) -> FromClause:
        """A JSON array column as a table of its elements, one ``value`` column."""
        if self.is_postgres:
            fn = func.json_array_elements_text(column).table_valued("value")
        else:
            fn = func.json_each(column).table_valued("value")
        return fn.alias("sched")

    @property
    def has_time_zones(self) -> bool:
        """PostgreSQL converts between named zones itself; SQLite knows only UTC, so a local
        time there is the UTC time plus the offset in force (``week_start``'s ``offsets``)."""
        return self.is_postgres

    def week_start(
        self, column: Any, zone: str = "UTC", offsets: Sequence[tuple[datetime, int]] = ()
    ) -> ColumnElement[Any]:
        """The Monday on or before a naive UTC datetime column on ``zone``'s calendar, as a
        date (a string on SQLite): a week runs Monday to Sunday where the clinic is.

        PostgreSQL reads the column as UTC and converts it to ``zone`` itself. SQLite adds
        ``offsets``: ``(from, seconds east of UTC)`` in time order, each in force from its naive
        UTC instant to the next one's; the first also covers anything earlier and the last
        anything later, so they must span the rows' times (``rows.utc_offsets`` gives them).
        """
        if self.is_postgres:
            local = column
            if zone != "UTC":
                local = func.timezone(zone, func.timezone("UTC", column))
            return cast(func.date_trunc("week", local), Date)
        # Shift to local time, step back six days, then forward to a Monday.
        return func.date(column, *_shift(column, offsets), "-6 days", "weekday 1")

    def days_since(self, earlier: Any, later: datetime) -> ColumnElement[Any]:
        """Fractional days from a datetime column to a fixed instant."""
        if self.is_postgres:
            return cast(func.extract("epoch", literal(later) - earlier), Float) / 86400.0
        return func.julianday(later.isoformat(sep=" ")) - func.julianday(earlier)

    def minutes_between(self, earlier: Any, later: Any) -> ColumnElement[Any]:
        """Minutes between two datetime columns; NULL when either is NULL."""
        if self.is_postgres:
            return cast(func.extract("epoch", later - earlier), Float) / 60.0
        return (func.julianday(later) - func.julianday(earlier)) * 1440.0

    def at_ranks(
        self,
        table: str,
        value: str,
        wanted: Sequence[tuple[str, int, int, int]],
        clinic_id: int,
    ) -> list[tuple[str, Any]]:
        """Statements (SQL, parameters) giving rows ``(i, value)``: the ``count`` smallest
        values from rank ``lower`` (0-based) of ``value`` in group (``procedure``, ``day``) of
        ``table`` in clinic ``clinic_id``, for each ``wanted[i]`` of (procedure, day, lower,
        count). Each reads ``lower + count`` entries of the (clinic, procedure, day, value)
        index.

        Plain SQL with a fixed shape, so neither SQLAlchemy nor the database compiles a new
        statement per look-up (building ~100 SQLAlchemy selects cost more than running them).
        ``table`` and ``value`` are the trend tables' own names, never user input.
        PostgreSQL: one statement, the look-ups as arrays (``unnest``) joined LATERAL to the
        ranked read, prepared once by the driver. SQLite has no LATERAL and no arrays: a
        UNION ALL of one ranked read per look-up, at most ``SQLITE_TERMS`` a statement (SQLite
        allows 500 terms in a compound SELECT).
        """
        if not wanted:
            return []
        if self.is_postgres:
            ranked = (
                f"SELECT t.{value} AS v FROM {table} AS t "  # noqa: S608 - our names only
                f"WHERE t.clinic_id = %(clinic)s AND t.procedure = w.proc AND t.day = w.day "
                f"AND t.{value} IS NOT NULL "
                f"ORDER BY t.{value} LIMIT w.n OFFSET w.lower_rank"
            )
            lookups = (
                "unnest(%(i)s::int[], %(proc)s::text[], %(day)s::int[], %(lower)s::int[], "
                "%(n)s::int[]) AS w(i, proc, day, lower_rank, n)"
            )
            sql = f"SELECT w.i, r.v FROM {lookups} CROSS JOIN LATERAL ({ranked}) AS r"  # noqa: S608
            columns = list(zip(*wanted, strict=True))
            params = {
                "i": list(range(len(wanted))),
                "proc": list(columns[0]),
                "day": list(columns[1]),
                "lower": list(columns[2]),
                "n": list(columns[3]),
                "clinic": clinic_id,
            }
            return [(sql, params)]
        term = (
            f"SELECT * FROM (SELECT ? AS i, {value} AS v FROM {table} "  # noqa: S608 - our names
            f"WHERE clinic_id = ? AND procedure = ? AND day = ? AND {value} IS NOT NULL "
            f"ORDER BY {value} LIMIT ? OFFSET ?)"
        )
        out: list[tuple[str, Any]] = []
        for k in range(0, len(wanted), SQLITE_TERMS):
            chunk = wanted[k : k + SQLITE_TERMS]
            union = " UNION ALL ".join([term] * len(chunk))
            positional = tuple(
                v
                for i, (proc, day, lower, n) in enumerate(chunk, start=k)
                for v in (i, clinic_id, proc, day, n, lower)
            )
            out.append((union, positional))
        return out

    def insert(self, table: Any) -> Any:
        """An INSERT that takes ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
        if self.is_postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)


def _shift(column: Any, offsets: Sequence[tuple[datetime, int]]) -> list[Any]:
    """SQLite's date modifier that turns ``column`` into local time: none at UTC, a constant
    between DST transitions, else a CASE choosing the offset in force at each row's time."""
    seconds = [s for _, s in offsets]
    if not any(seconds):
        return []
    if len(set(seconds)) == 1:
        return [_modifier(seconds[0])]
    whens = [
        (column < offsets[i + 1][0], _modifier(offsets[i][1])) for i in range(len(offsets) - 1)
    ]
    return [case(*whens, else_=_modifier(offsets[-1][1]))]


def _modifier(seconds: int) -> str:
    return f"{seconds:+d} seconds"


def of(session: Session) -> Dialect:
    """The dialect of the session's database."""
    return Dialect(session.get_bind().dialect.name)
