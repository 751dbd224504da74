"""The check-in schedule: one place that turns a treatment time and schedule days into due dates,
and that counts the day since treatment (the rules, intake, the patient's page and the demo all
count it here).

Times are naive UTC in the library. A check-in for day N is due from the start of the N-th day
after the treatment's day in the clinic's time zone. The series window (the next treatment in
4–6 weeks, as the clinic's instructions say) is computed here too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from checkins.domain import InvalidInput

MAX_SCHEDULE_DAY = 90
# "Your next treatment will typically be within 4-6 weeks."
NEXT_TREATMENT_WEEKS = (4, 6)


@dataclass(frozen=True)
class Due:
    day: int
    due_at: datetime  # naive UTC


def clean_days(days: Iterable[int | str]) -> tuple[int, ...]:
    """Sorted, unique schedule days 1..90; a sentence for anything else."""
    out: set[int] = set()
    for raw in days:
        text = str(raw).strip()
        if not text:
            continue
        try:
            d = int(text)
        except ValueError:
            raise InvalidInput(
                f"“{text}” is not a day number; list days after treatment, like 1, 3, 7, 14, 28.",
                code="invalid_schedule",
            ) from None
        if not 1 <= d <= MAX_SCHEDULE_DAY:
            raise InvalidInput(
                f"Check-in days run from 1 to {MAX_SCHEDULE_DAY} after the treatment; {d} is not.",
                code="invalid_schedule",
            )
        out.add(d)
    if not out:
        raise InvalidInput("A schedule needs at least one check-in day.", code="invalid_schedule")
    return tuple(sorted(out))


def parse_days(text: str) -> tuple[int, ...]:
    """``"1, 3, 7"`` → ``(1, 3, 7)``."""
    return clean_days(text.replace(";", ",").replace(" ", ",").split(","))


def local_date(at_utc: datetime, time_zone: str) -> date:
    return at_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).date()


def start_of_local_day(day: date, time_zone: str) -> datetime:
    """Midnight of ``day`` in the clinic's zone, as naive UTC."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def due_dates(*, treated_at: datetime, days: Sequence[int], time_zone: str) -> list[Due]:
    """When each check-in day falls due (naive UTC), in day order."""
    first = local_date(treated_at, time_zone)
    return [
        Due(day=d, due_at=start_of_local_day(first + timedelta(days=d), time_zone))
        for d in sorted(set(days))
    ]


def hours_since(*, treated_at: datetime, at: datetime) -> float:
    """Hours from the treatment to ``at`` (negative before it)."""
    return (at - treated_at).total_seconds() / 3600.0


def day_from_hours(hours: float) -> int:
    """The day since treatment from the hours since it: 0 in the first 24 hours, 1 in the next;
    negative before the treatment."""
    return math.floor(hours / 24.0)


def day_since_treatment(*, treated_at: datetime, at: datetime) -> int:
    """The day since treatment as patients count it: 0 in the first 24 hours after it, then
    whole days. Before the treatment it is negative: -1 on the day of the treatment and the
    day before it, -2 the day before that (by calendar dates), so a page can say "before your
    treatment" and count down."""
    if at >= treated_at:
        return day_from_hours(hours_since(treated_at=treated_at, at=at))
    return -max(1, (treated_at.date() - at.date()).days)


def next_checkin_day(*, schedule_days: Sequence[int], day: int) -> int | None:
    """The first schedule day after ``day``, or None when the schedule is over."""
    later = [d for d in sorted(schedule_days) if d > day]
    return later[0] if later else None


def next_treatment_window(treated_at: datetime, time_zone: str) -> tuple[date, date]:
    """The dates between which the next treatment of the series typically falls."""
    first = local_date(treated_at, time_zone)
    lo, hi = NEXT_TREATMENT_WEEKS
    return first + timedelta(weeks=lo), first + timedelta(weeks=hi)
