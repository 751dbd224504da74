"""The trend tables give exactly the figures of a direct recomputation from the rows.

A seeded clinic (two procedures, series 1 to 3, ties, missing metrics, two check-ins a day,
review cases) is written through the ORM and counted into the trend tables the way intake and
the schedule writers do it (``checkin_added``, ``schedule_written``). Every report, for several
filters, is then computed from the tables and again from the rows (the tables declared stale),
and the two must be equal: the same floats, not approximately, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import case, func, select

from checkins.domain import Role, Severity
from checkins.services import intake, patients, queue, trends
from checkins.services.trends import stored
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import (
    CheckIn,
    Patient,
    ReviewItem,
    Treatment,
    TrendPoint,
    TrendSlot,
)

from .helpers import ADMIN, LINK_KEY, RULES, at, calm_answers, make_provider, make_treatment

NOW = datetime(2026, 3, 2, 12, 0)
MANAGER = Actor(role=Role.MANAGER, name="Morgan Manager", clinic_id=1)
FILTERS: list[dict[str, object]] = [
    {},
    {"procedure": "microneedling"},
    {"start": date(2026, 1, 20), "end": date(2026, 2, 20)},
    {"series": 2},
    {"series": 3, "procedure": "microneedling_rf"},
    {"start": date(2026, 2, 1), "procedure": "microneedling"},
]


def seed(db: Database, *, patients: int = 70, rng_seed: int = 13) -> None:
    """A clinic written row by row, counted into the trend tables as the services do."""
    rng = random.Random(rng_seed)
    with db.session() as s:
        for k in range(patients):
            p = Patient(clinic_id=1, display_name=f"Patient {k}")
            s.add(p)
            s.flush()
            first = NOW - timedelta(days=rng.randint(3, 70), hours=rng.randint(0, 23))
            for series in range(1, rng.choice((1, 1, 2, 3)) + 1):
                treated_at = first + timedelta(days=21 * (series - 1))
                if treated_at > NOW:
                    break
                t = Treatment(
                    clinic_id=1,
                    patient_id=p.id,
                    procedure=rng.choice(("microneedling", "microneedling", "microneedling_rf")),
                    treated_at=treated_at,
                    series_number=series,
                    schedule_days=[1, 3, 7, 14],
                )
                s.add(t)
                s.flush()
                trends.schedule_written(session=s, actor=ADMIN, treatment_id=t.id, new=True)
                _checkins(s, rng, t)


def _checkins(s: Any, rng: random.Random, t: Treatment) -> None:
    days = [0] + [d + rng.choice((0, 0, 1)) for d in (1, 3, 7, 14) if rng.random() < 0.85]
    days += [days[-1]] if rng.random() < 0.2 else []  # twice on one day
    for j, day in enumerate(days):
        submitted = t.treated_at + timedelta(days=day, hours=rng.uniform(0, 20))
        if submitted > NOW:
            continue
        a = None if rng.random() < 0.1 else round(rng.uniform(5, 25), 1)  # rounded: ties
        c = CheckIn(
            clinic_id=1,
            treatment_id=t.id,
            client_submission_id=f"sub-{t.id}-{j}",
            submitted_at=submitted,
            is_baseline=j == 0,
            hours_since_treatment=(submitted - t.treated_at).total_seconds() / 3600,
            day_since_treatment=day,
            mean_a_star=a,
            erythema_index=None if a is None else rng.uniform(200, 600),
            red_area_fraction=None if a is None else rng.uniform(0, 0.6),
        )
        s.add(c)
        s.flush()
        trends.checkin_added(session=s, actor=ADMIN, checkin_id=c.id)
        if j and rng.random() < 0.3:
            sev = rng.choice((Severity.REVIEW, Severity.URGENT))
            created = submitted + timedelta(minutes=rng.uniform(0, 2))
            reviewed = created + timedelta(minutes=rng.uniform(1, 300))
            resolved = reviewed + timedelta(minutes=rng.uniform(1, 600))
            done = rng.random() < 0.7
            s.add(
                ReviewItem(
                    clinic_id=1,
                    checkin_id=c.id,
                    treatment_id=t.id,
                    severity=sev.value,
                    severity_rank=sev.rank,
                    status="resolved" if done else "new",
                    first_reviewed_at=reviewed if done else None,
                    resolved_at=resolved if done else None,
                    disposition="no_action_needed" if done else None,
                    created_at=created,
                )
            )


def _reports(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    """(from the tables, from the rows) for every filter set, and the procedure's band."""
    out = []
    for f in FILTERS:
        with db.read() as s:
            assert trends.is_current(session=s, actor=ADMIN)
            fast = trends.report(session=s, actor=MANAGER, now=NOW, **f)  # type: ignore[arg-type]
            band = trends.expected_recovery_band(
                session=s, actor=MANAGER, procedure="microneedling"
            )
        with monkeypatch.context() as m:
            m.setattr(stored, "is_current", lambda *, session, actor: False)
            with db.read() as s:
                slow = trends.report(session=s, actor=MANAGER, now=NOW, **f)  # type: ignore[arg-type]
                slow_band = trends.expected_recovery_band(
                    session=s, actor=MANAGER, procedure="microneedling"
                )
        out += [(fast, slow), (band, slow_band)]
    return out


def test_the_tables_give_exactly_the_recomputed_figures(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db)
    pairs = _reports(db, monkeypatch)
    for fast, slow in pairs:
        assert fast == slow
    everything = pairs[0][0]
    assert isinstance(everything, trends.TrendsReport)
    shown = [p for p in everything.curves if not p.suppressed]
    assert len(shown) >= 10 and any(p.suppressed for p in everything.curves)
    assert everything.adherence and everything.review_times and not everything.overview.suppressed
    # A rebuild from the rows lays out the same tables the services kept.
    with db.session() as s:
        trends.rebuild(session=s, actor=ADMIN)
    for fast, slow in _reports(db, monkeypatch):
        assert fast == slow


def test_a_bulk_load_that_bypasses_the_services_is_noticed(db: Database) -> None:
    seed(db, patients=12)
    with db.session() as s:
        tid = s.scalar(select(func.min(Treatment.id)))
        s.add(
            CheckIn(
                clinic_id=1,
                treatment_id=tid,
                client_submission_id="bulk-loaded-1",
                submitted_at=NOW,
                hours_since_treatment=30.0,
                day_since_treatment=1,
                mean_a_star=12.0,
            )
        )
    with db.read() as s:
        assert not trends.is_current(session=s, actor=ADMIN)  # the report then reads the rows
    # A check-in counted by the services after it does not hide the one that was not.
    with db.session() as s:
        later = CheckIn(
            clinic_id=1,
            treatment_id=tid,
            client_submission_id="through-the-services",
            submitted_at=NOW,
            hours_since_treatment=54.0,
            day_since_treatment=2,
            mean_a_star=11.0,
        )
        s.add(later)
        s.flush()
        trends.checkin_added(session=s, actor=ADMIN, checkin_id=later.id)
    with db.read() as s:
        assert not trends.is_current(session=s, actor=ADMIN)
    with db.session() as s:
        trends.rebuild(session=s, actor=ADMIN)
    with db.read() as s:
        assert trends.is_current(session=s, actor=ADMIN)
        assert s.scalar(select(func.count()).select_from(TrendPoint)) == s.scalar(
            select(func.count(CheckIn.id)).where(CheckIn.is_baseline.is_(False))
        )


def test_intake_and_enrolment_keep_the_tables_current(db: Database, store: object) -> None:
    tid = make_treatment(db, procedure="microneedling")
    with db.session() as s:
        intake.submit_checkin(
            session=s,
            ruleset=RULES,
            store=store,  # type: ignore[arg-type]
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[],
            client_submission_id="trend-tables-1",
            submitted_at=at(26),
        )
    with db.read() as s:
        assert trends.is_current(session=s, actor=ADMIN)
        point = s.execute(select(TrendPoint.day, TrendPoint.procedure)).one()
        assert tuple(point) == (1, "microneedling")
        rows = trends.adherence(session=s, actor=MANAGER, now=at(24 * 30))
    assert rows[0].suppressed  # one patient; the slot was counted all the same
    with db.read() as s:
        got = s.execute(
            select(func.count(), func.sum(case((TrendSlot.received.is_(True), 1), else_=0)))
        ).one()
    assert tuple(got) == (5, 1)  # the clinic's default schedule; day 1 received
    with db.session() as s:  # the schedule edited: the due days follow
        patients.set_schedule(session=s, actor=ADMIN, treatment_id=tid, days=[1, 2], now=at(27))
    with db.read() as s:
        assert trends.is_current(session=s, actor=ADMIN)
        days = s.scalars(select(TrendSlot.due_day).order_by(TrendSlot.position)).all()
    assert list(days) == [1, 2]


def _case(db: Database, store: object, name: str, csid: str) -> int:
    tid = make_treatment(db, name=name)
    with db.session() as s:
        res = intake.submit_checkin(
            session=s,
            ruleset=RULES,
            store=store,  # type: ignore[arg-type]
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(oozing=True),
            photos=[],
            client_submission_id=csid,
            submitted_at=at(30),
        )
    assert res.review_item_id is not None
    return res.review_item_id


def test_the_data_stamp_changes_after_reply_claim_and_resolve(db: Database, store: object) -> None:
    """Each action that changes what the trends read changes the stamp a page caches on.

    (A reply on a case its author already claimed changes nothing the trends read: the claim
    set its first review.)"""
    replied = _case(db, store, "Rae Reply", "trend-stamp-1")
    claimed = _case(db, store, "Cal Claim", "trend-stamp-2")
    lee = make_provider(db, "dr.stamp", "Dr Stamp")
    steps = [
        lambda s: queue.reply(
            session=s, signing_key=LINK_KEY, actor=lee, item_id=replied, body="How is it today?"
        ),
        lambda s: queue.claim(session=s, actor=lee, item_id=claimed),
        lambda s: queue.resolve(
            session=s, actor=lee, item_id=claimed, disposition="no_action_needed"
        ),
    ]
    seen = set()
    with db.read() as s:
        seen.add(trends.data_stamp(session=s, actor=ADMIN))
    for step in steps:
        with db.session() as s:
            step(s)
        with db.read() as s:
            stamp = trends.data_stamp(session=s, actor=ADMIN)
        assert stamp not in seen  # a page's cached report is never served after the change
        seen.add(stamp)


def test_the_data_stamp_changes_with_treatments_and_every_schedule_write(
    db: Database, store: object
) -> None:
    """Adherence reads the treatments and their schedules: a page's cached report must not
    outlive a treatment recorded, nor any edit of a schedule, even one that keeps the number
    of due days (a day swapped for one cancelled before) or drops an answered day."""
    make_treatment(db)  # the clinic
    with db.session() as s:
        pid = patients.add_patient(
            session=s,
            actor=ADMIN,
            name="Ada Adherence",
            birth_date=date(1980, 1, 2),
            contact_preference="none",
        ).id
        tid = patients.record_treatment(
            session=s, actor=ADMIN, patient_id=pid, procedure="microneedling",
            treated_at=at(0), schedule_days=[1, 3, 7, 14, 28], now=at(1),
        ).treatment.id  # fmt: skip
        intake.submit_checkin(
            session=s, ruleset=RULES, store=store, actor=ADMIN, treatment_id=tid,  # type: ignore[arg-type]
            answers=calm_answers(), photos=[], client_submission_id="stamp-day-1",
            submitted_at=at(26),
        )  # fmt: skip

    def treated(s: Any) -> object:
        other = patients.add_patient(
            session=s,
            actor=ADMIN,
            name="Bo Adherence",
            birth_date=date(1981, 2, 3),
            contact_preference="none",
        ).id
        return patients.record_treatment(
            session=s, actor=ADMIN, patient_id=other, procedure="microneedling_rf",
            treated_at=at(2), now=at(3),
        )  # fmt: skip

    def schedule(days: list[int], hours: float) -> Any:
        return lambda s: patients.set_schedule(
            session=s, actor=ADMIN, treatment_id=tid, days=days, now=at(hours)
        )

    steps = {
        "a treatment recorded": treated,
        "day 28 dropped": schedule([1, 3, 7, 14], 27),
        "14 swapped for the cancelled 28": schedule([1, 3, 7, 28], 28),
        "the answered day 1 dropped": schedule([3, 7, 28], 29),
        "a new day 10": schedule([3, 7, 10, 28], 30),
    }
    with db.read() as s:
        seen = {trends.data_stamp(session=s, actor=ADMIN)}
    for name, step in steps.items():
        with db.session() as s:
            step(s)
        with db.read() as s:
            stamp = trends.data_stamp(session=s, actor=MANAGER)
            assert trends.data_stamp(session=s, actor=MANAGER) == stamp  # reading changes none
        assert stamp not in seen, name
        seen.add(stamp)


def test_migration_0009_backfills_the_tables_from_existing_rows(empty_db: Database) -> None:
    """A database at 0008 with a clinic's history in it (and empty trend tables): 0009 lays
    the tables out from it, per clinic. (0008 left the backfill to 0009.) The rows are written
    at head and the database taken down to 0008, since the models carry 0009's columns."""
    from checkins.storage import schema

    schema.upgrade(empty_db.engine)
    with empty_db.session() as s:
        seed_rows_only(s)
    schema.downgrade(empty_db.engine, "0008")
    schema.upgrade(empty_db.engine)
    with empty_db.read() as s:
        assert trends.is_current(session=s, actor=ADMIN)
        points = s.scalar(select(func.count()).select_from(TrendPoint))
        assert points == s.scalar(
            select(func.count(CheckIn.id)).where(CheckIn.is_baseline.is_(False))
        )
        assert points and s.scalar(select(func.count()).select_from(TrendSlot)) == 4 * 20
        rows = trends.adherence(session=s, actor=MANAGER, now=NOW)
    assert rows and rows[0].expected == 4 * 20


def seed_rows_only(s: Any) -> None:
    """Twenty patients written as rows only (as an older version of the software left them)."""
    rng = random.Random(3)
    for k in range(20):
        p = Patient(clinic_id=1, display_name=f"Old {k}")
        s.add(p)
        s.flush()
        t = Treatment(
            clinic_id=1,
            patient_id=p.id,
            procedure="microneedling",
            treated_at=NOW - timedelta(days=30 + k),
            schedule_days=[1, 3, 7, 14],
        )
        s.add(t)
        s.flush()
        for day in (1, 3, 7):
            s.add(
                CheckIn(
                    clinic_id=1,
                    treatment_id=t.id,
                    client_submission_id=f"old-{t.id}-{day}",
                    submitted_at=t.treated_at + timedelta(days=day, hours=2),
                    hours_since_treatment=24.0 * day + 2,
                    day_since_treatment=day,
                    mean_a_star=rng.uniform(5, 20),
                )
            )


def test_reconcile_repair_rebuilds_stale_trend_tables(db: Database, store: object) -> None:
    from checkins.services.reconcile import reconcile

    with db.session() as s:
        seed_rows_only(s)  # bypassing the services: the tables are stale
    with db.session() as s:
        found = reconcile(session=s, actor=ADMIN, store=store)  # type: ignore[arg-type]
        assert found.trend_tables == "stale" and found.clean  # the photos are fine
    with db.session() as s:
        fixed = reconcile(session=s, actor=ADMIN, store=store, repair=True)  # type: ignore[arg-type]
        assert fixed.to_json()["trend_tables"] == "rebuilt"
    with db.read() as s:
        assert trends.is_current(session=s, actor=ADMIN)
