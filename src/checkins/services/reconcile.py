"""Make the photo store and the database agree again after a crash or a lost disk.

Files without rows (a crash between the atomic photo write and the commit, or an interrupted
write's temp file) are removed once older than a grace period, so an intake in flight is never
raced. Rows without files cannot get their photo back; they are reported and flagged
``file_missing`` so the case shows it, and their answers and metrics are kept.

It also checks the trends' tables (services/trends/stored.py) against the rows: stale after a
bulk load that bypassed the services (the trends then read the rows, correctly but slowly);
``repair`` lays them out again.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import InvalidInput
from checkins.services import trends
from checkins.services.views import Actor
from checkins.storage.models import Photo
from checkins.storage.photos import BlobStore

GRACE_SECONDS = 600.0
MISSING = "file_missing"


@dataclass
class ReconcileReport:
    rows_without_files: list[tuple[int, str]] = field(default_factory=list)
    files_without_rows: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)
    repaired: bool = False
    trend_tables: str = "current"  # "current", "stale", or "rebuilt" by the repair

    @property
    def clean(self) -> bool:
        return not (self.rows_without_files or self.files_without_rows or self.temp_files)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": True,
            "clean": self.clean,
            "repaired": self.repaired,
            "rows_without_files": [{"photo_id": i, "key": k} for i, k in self.rows_without_files],
            "files_without_rows": self.files_without_rows,
            "temp_files": self.temp_files,
            "trend_tables": self.trend_tables,
        }


def reconcile(
    *,
    session: Session,
    actor: Actor,
    store: BlobStore,
    repair: bool = False,
    grace_seconds: float = GRACE_SECONDS,
    now: float | None = None,
) -> ReconcileReport:
    access.require_admin(actor)
    if not (math.isfinite(grace_seconds) and grace_seconds >= 0):
        # NaN compares false with every age, so every file would count as old enough and a
        # repair would remove an intake's photo in flight (as a negative grace would).
        raise InvalidInput(
            "The grace period is a number of seconds, 0 or more (for example 600).",
            code="invalid_grace",
        )
    now = time.time() if now is None else now
    report = ReconcileReport(repaired=repair)
    referenced: set[str] = set()
    for photo in session.scalars(select(Photo)):
        stored = (photo.storage_key, photo.display_key, photo.thumb_key, photo.region_key)
        keys = [k for k in stored if k]
        referenced.update(keys)
        missing = [k for k in keys if not store.exists(k)]
        if missing:
            report.rows_without_files.extend((photo.id, k) for k in missing)
            if repair and MISSING not in (photo.quality_issues or []):
                photo.quality_issues = [*(photo.quality_issues or []), MISSING]
                photo.quality_acceptable = False
    # A patient's draft names photos no check-in row does yet (services/drafts.py).
    from checkins.services import drafts

    referenced.update(drafts.referenced_keys(session=session, actor=actor))
    for key in store.keys():  # noqa: SIM118 - a PhotoStore is not a dict
        if key in referenced:
            continue
        if store.age_seconds(key, now) < grace_seconds:
            continue  # possibly an intake still in flight
        report.files_without_rows.append(key)
        if repair:
            store.delete(key)
    for tmp in store.temp_files():
        if now - tmp.stat().st_mtime < grace_seconds:
            continue
        report.temp_files.append(str(tmp))
        if repair:
            tmp.unlink(missing_ok=True)
    if not trends.is_current(session=session, actor=actor):
        report.trend_tables = "stale"
        if repair:
            trends.rebuild(session=session, actor=actor)
            report.trend_tables = "rebuilt"
    session.flush()
    return report
