"""De-identified clinic trends for managers (a package: one module per job).

- ``report``: the DTOs and the public aggregates, each checking access once;
- ``rows``: the filters, the rows each table is computed from, and exact percentiles;
- ``stored``: the trend tables kept in the transaction of each change, read at rank;
- ``privacy``: small-cell suppression (only figures that could identify a patient);
- ``dialect``: the SQL that differs between PostgreSQL and SQLite, chosen in one place.

Callers use the package: ``from checkins.services import trends; trends.report(...)``.
"""

from checkins.services.trends.privacy import MIN_GROUP
from checkins.services.trends.report import (
    ALL,
    METRIC_LABELS,
    AdherenceRow,
    BandPoint,
    CurvePoint,
    Overview,
    ReviewTimeRow,
    RuleRateRow,
    TrendsReport,
    VolumeRow,
    adherence,
    data_stamp,
    expected_recovery_band,
    false_alarm_rates,
    overview,
    queue_volume,
    recovery_curves,
    report,
    review_times,
)
from checkins.services.trends.rows import METRICS
from checkins.services.trends.stored import (
    ADHERENCE_GRACE_DAYS,
    checkin_added,
    is_current,
    rebuild,
    schedule_written,
)

__all__ = [
    "ADHERENCE_GRACE_DAYS",
    "ALL",
    "METRICS",
    "METRIC_LABELS",
    "MIN_GROUP",
    "AdherenceRow",
    "BandPoint",
    "CurvePoint",
    "Overview",
    "ReviewTimeRow",
    "RuleRateRow",
    "TrendsReport",
    "VolumeRow",
    "adherence",
    "checkin_added",
    "data_stamp",
    "expected_recovery_band",
    "false_alarm_rates",
    "is_current",
    "overview",
    "queue_volume",
    "rebuild",
    "recovery_curves",
    "report",
    "review_times",
    "schedule_written",
]
