"""The database-specific SQL of the trends, chosen in one place: ``of(session)``.

PostgreSQL and SQLite differ in how they expand a JSON array, truncate to a week, subtract
datetimes, compute a percentile, read many ranked values at once and upsert. Everything else in
the package is portable SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Float,
    FromClause,
    Integer,
    String,
    cast,
    column,
    func,
    literal,
    select,
    true,
    union_all,
    values,
)
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

    def json_values(self, column: Any) -> FromClause:
        """A JSON array column as a table of its elements, one ``value`` column."""
        if self.is_postgres:
            fn = func.json_array_elements_text(column).table_valued("value")
        else:
            fn = func.json_each(column).table_valued("value")
        return fn.alias("sched")

    def week_start(self, column: Any) -> ColumnElement[Any]:
        """The Monday (UTC) on or before a datetime column, as a date (a string on SQLite)."""
        if self.is_postgres:
            return cast(func.date_trunc("week", column), Date)
        # Step back six days, then forward to a Monday.
        return func.date(column, "-6 days", "weekday 1")

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
        value: Any,
        group: tuple[Any, Any],
        wanted: Sequence[tuple[str, int, int, int]],
    ) -> list[Executable]:
        """Statements giving ``(i, value)``: the ``count`` values from rank ``lower`` (0-based)
        of the group (``procedure``, ``day``) in ascending order, for each ``wanted[i]`` of
        (procedure, day, lower, count). Each reads an index range of ``lower + count`` entries.

        PostgreSQL: one statement, a VALUES list joined LATERAL to the ranked read (planned
        once). SQLite has no LATERAL: a UNION ALL of one ranked read per entry, at most
        ``SQLITE_TERMS`` a statement (SQLite allows 500 terms in a compound SELECT).
        """
        procedure, day = group
        if not wanted:
            return []
        if self.is_postgres:
            w = values(
                column("i", Integer),
                column("proc", String),
                column("day", Integer),
                column("lower", Integer),
                column("count", Integer),
                name="wanted",
            ).data([(i, p, d, lo, n) for i, (p, d, lo, n) in enumerate(wanted)])
            ranked = (
                select(value.label("v"))
                .where(procedure == w.c.proc, day == w.c.day, value.is_not(None))
                .order_by(value)
                .limit(w.c["count"])
                .offset(w.c.lower)
                .lateral("ranked")
            )
            return [select(w.c.i, ranked.c.v).select_from(w.join(ranked, true()))]
        terms = []
        for i, (proc, group_day, lower, count) in enumerate(wanted):
            ranked_one = (
                select(value.label("v"))
                .where(procedure == proc, day == group_day, value.is_not(None))
                .order_by(value)
                .limit(count)
                .offset(lower)
                .subquery()
            )
            terms.append(select(literal(i).label("i"), ranked_one.c.v))
        chunks = [terms[k : k + SQLITE_TERMS] for k in range(0, len(terms), SQLITE_TERMS)]
        return [c[0] if len(c) == 1 else union_all(*c) for c in chunks]

    def insert(self, table: Any) -> Any:
        """An INSERT that takes ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
        if self.is_postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)


def of(session: Session) -> Dialect:
    """The dialect of the session's database."""
    return Dialect(session.get_bind().dialect.name)
