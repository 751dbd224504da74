"""Trends: SQL aggregates checked against figures computed here in plain Python and numpy.

A seeded synthetic clinic is written straight through the ORM, while the test keeps its own
plain record of what it wrote; every aggregate is then recomputed from that record, with the same
suppression rule, and compared, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from checkins.domain import AccessDenied, InvalidInput, Role, Severity
from checkins.services import trends
from checkins.services.clinic import add_clinic
from checkins.services.trends.rows import utc_offsets
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Patient, ReviewItem, RuleHit, Treatment, User

NOW = datetime(2026, 3, 2, 12, 0)
MANAGER = Actor(role=Role.MANAGER, name="Morgan Manager", user_id=None, clinic_id=1)
RULES = ("fever", "pus", "redness_rising", "pain_high")
DISPOSITIONS = ("contacted_patient", "no_action_needed", "self_care_advised", "escalated")
SECRET_NOTE = "SECRET-FREE-TEXT"
NEW_YORK = "America/New_York"  # the zone of the clinic every migrated database starts with


@dataclass
class Record:
    """What the seeding wrote, as plain values (the test's independent source of truth)."""

    treatments: list[dict[str, Any]] = field(default_factory=list)
    checkins: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def seed(db: Database, *, patients: dict[str, int], rng_seed: int = 7) -> Record:
    """Patients per procedure, each with one treatment, check-ins and review cases."""
    rng = random.Random(rng_seed)
    rec = Record()
    with db.session() as s:
        provider = User(clinic_id=1, username="lee", display_name="Dr Lee", role="provider")
        s.add(provider)
        s.flush()
        for procedure, n in patients.items():
            for k in range(n):
                name = f"Zelda Q{procedure[:3]}{k} Patientname"
                rec.names.append(name)
                p = Patient(clinic_id=1, display_name=name, phone="555-0199")
                s.add(p)
                s.flush()
                treated_at = NOW - timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 23))
                schedule = [1, 3, 7, 14]
                t = Treatment(
                    clinic_id=1,
                    patient_id=p.id,
                    procedure=procedure,
                    treated_at=treated_at,
                    areas=["face"],
                    schedule_days=schedule,
                )
                s.add(t)
                s.flush()
                rec.treatments.append(
                    {"id": t.id, "patient": p.id, "procedure": procedure, "treated_at": treated_at}
                )
                # A baseline, then check-ins on (most) schedule days, sometimes a day late.
                days = [0] + [d + rng.choice((0, 0, 1)) for d in schedule if rng.random() < 0.8]
                for j, day in enumerate(days):
                    submitted = treated_at + timedelta(days=day, hours=rng.uniform(0, 20))
                    if submitted > NOW:
                        continue
                    baseline = j == 0
                    metrics = {
                        "mean_a_star": None if rng.random() < 0.1 else rng.uniform(5, 25),
                        "erythema_index": rng.uniform(200, 600),
                        "red_area_fraction": rng.uniform(0, 0.6),
                    }
                    c = CheckIn(
                        clinic_id=1,
                        treatment_id=t.id,
                        client_submission_id=f"sub-{t.id}-{j}-{rng.random()}",
                        submitted_at=submitted,
                        is_baseline=baseline,
                        hours_since_treatment=(submitted - treated_at).total_seconds() / 3600,
                        day_since_treatment=day,
                        notes=SECRET_NOTE,
                        **metrics,
                    )
                    s.add(c)
                    s.flush()
                    rec.checkins.append(
                        {
                            "id": c.id,
                            "treatment": t.id,
                            "patient": p.id,
                            "procedure": procedure,
                            "day": day,
                            "baseline": baseline,
                            "submitted_at": submitted,
                            **metrics,
                        }
                    )
                    if baseline or rng.random() < 0.3:
                        continue
                    rec.items.append(_review_item(s, rng, c, t, p.id, procedure, provider.id))
    return rec


def _review_item(
    s: Any, rng: random.Random, c: CheckIn, t: Treatment, patient: int, procedure: str, uid: int
) -> dict[str, Any]:
    severity = rng.choice(list(Severity))
    created = c.submitted_at + timedelta(minutes=rng.uniform(0, 2))
    status = rng.choice(("new", "claimed", "resolved", "resolved", "resolved"))
    reviewed = created + timedelta(minutes=rng.uniform(1, 300)) if status != "new" else None
    resolved = (
        reviewed + timedelta(minutes=rng.uniform(1, 600))
        if status == "resolved" and reviewed
        else None
    )
    disposition = rng.choice(DISPOSITIONS) if resolved else None
    item = ReviewItem(
        clinic_id=1,
        checkin_id=c.id,
        treatment_id=t.id,
        severity=severity.value,
        severity_rank=severity.rank,
        status=status,
        claimed_by=uid if status == "claimed" else None,
        first_reviewed_at=reviewed,
        resolved_at=resolved,
        disposition=disposition,
        resolution_note=SECRET_NOTE if resolved else "",
        created_at=created,
    )
    s.add(item)
    rules = rng.sample(RULES, rng.randint(1, 2))
    for r in rules:
        s.add(RuleHit(checkin_id=c.id, rule_id=r, severity=severity.value))
    s.flush()
    return {
        "id": item.id,
        "patient": patient,
        "procedure": procedure,
        "severity": severity.value,
        "status": status,
        "created": created,
        "reviewed": reviewed,
        "resolved": resolved,
        "disposition": disposition,
        "rules": rules,
    }


def _minutes(a: datetime, b: datetime | None) -> float | None:
    return None if b is None else (b - a).total_seconds() / 60


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q * 100))


@pytest.fixture
def clinic(db: Database) -> tuple[Database, Record]:
    # 30 micro-needling patients (most groups shown), 8 with RF (every group suppressed).
    return db, seed(db, patients={"microneedling": 30, "microneedling_rf": 8})


def test_recovery_curves_match_numpy_and_suppress_small_groups(
    clinic: tuple[Database, Record],
) -> None:
    db, rec = clinic
    with db.read() as s:
        points = trends.recovery_curves(session=s, actor=MANAGER)
    got = {(p.procedure, p.metric, p.day): p for p in points}
    groups: dict[tuple[str, str, int], list[tuple[int, float]]] = defaultdict(list)
    for c in rec.checkins:
        for m in trends.METRICS:
            if not c["baseline"] and c[m] is not None:
                groups[(c["procedure"], m, c["day"])].append((c["patient"], c[m]))
    assert set(got) == set(groups)
    shown = 0
    for key, pairs in groups.items():
        p = got[key]
        patients = len({pid for pid, _ in pairs})
        if patients < trends.MIN_GROUP:
            assert p.suppressed and p.median is None and p.patients is None, key
            continue
        shown += 1
        values = [v for _, v in pairs]
        assert not p.suppressed
        assert p.patients == patients and p.checkins == len(values)
        assert p.q1 == pytest.approx(_pct(values, 0.25), rel=1e-9)
        assert p.median == pytest.approx(_pct(values, 0.5), rel=1e-9)
        assert p.q3 == pytest.approx(_pct(values, 0.75), rel=1e-9)
    assert shown >= 6  # the seed gives real, unsuppressed points to check
    assert all(p.suppressed for p in points if p.procedure == "microneedling_rf")


def test_expected_band_is_the_procedures_curve(clinic: tuple[Database, Record]) -> None:
    db, _ = clinic
    with db.read() as s:
        band = trends.expected_recovery_band(session=s, actor=MANAGER, procedure="microneedling")
        curve = trends.recovery_curves(session=s, actor=MANAGER, procedure="microneedling")
    assert [(b.metric, b.day, b.low, b.median, b.high) for b in band] == [
        (c.metric, c.day, c.q1, c.median, c.q3) for c in curve
    ]
    assert any(not b.suppressed for b in band)


def test_adherence_counts_due_check_ins_received(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        rows = trends.adherence(session=s, actor=MANAGER, now=NOW)
    grace = trends.ADHERENCE_GRACE_DAYS
    days_by_treatment: dict[int, set[int]] = defaultdict(set)
    for c in rec.checkins:
        if not c["baseline"]:
            days_by_treatment[c["treatment"]].add(c["day"])
    expect: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    patients: dict[str, set[int]] = defaultdict(set)
    for t in rec.treatments:
        elapsed = (NOW - t["treated_at"]).total_seconds() / 86400
        for d in (1, 3, 7, 14):
            if elapsed >= d + grace + 1:
                expect[t["procedure"]][0] += 1
                patients[t["procedure"]].add(t["patient"])
                if any(d <= x <= d + grace for x in days_by_treatment[t["id"]]):
                    expect[t["procedure"]][1] += 1
    by_proc = {r.procedure: r for r in rows}
    assert set(by_proc) == set(expect)
    mn = by_proc["microneedling"]
    assert not mn.suppressed
    assert (mn.expected, mn.received) == tuple(expect["microneedling"])
    assert mn.patients == len(patients["microneedling"])
    assert mn.share == pytest.approx(expect["microneedling"][1] / expect["microneedling"][0])
    assert 0.5 < (mn.share or 0) < 1.0
    rf = by_proc["microneedling_rf"]
    assert rf.suppressed and rf.expected is None and rf.share is None


def test_queue_volume_by_iso_week_and_severity(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        rows = trends.queue_volume(session=s, actor=MANAGER)
    groups: dict[tuple[date, str], list[int]] = defaultdict(list)
    for it in rec.items:
        groups[(clinic_week(it["created"]), it["severity"])].append(it["patient"])
    got = {(r.week_start, r.severity): r for r in rows}
    assert set(got) == set(groups)
    for (monday, sev), pids in groups.items():
        r = got[(monday, sev)]
        iso = monday.isocalendar()
        assert r.week == f"{iso.year}-W{iso.week:02d}"
        # A count of cases is not a group of people: every week is shown, however thin.
        assert (r.cases, r.patients, r.suppressed) == (len(pids), len(set(pids)), False)
    assert len(rows) == len(groups)
    assert [r.week_start for r in rows] == sorted(r.week_start for r in rows)


def test_queue_volume_shows_large_weeks(db: Database) -> None:
    rec = seed(db, patients={"microneedling": 160}, rng_seed=3)
    with db.read() as s:
        rows = trends.queue_volume(session=s, actor=MANAGER, procedure="microneedling")
    shown = [r for r in rows if not r.suppressed]
    assert shown, "a 160-patient clinic has weeks with 11+ patients at one severity"
    for r in shown:
        pids = [
            it["patient"]
            for it in rec.items
            if it["severity"] == r.severity and clinic_week(it["created"]) == r.week_start
        ]
        assert (r.cases, r.patients) == (len(pids), len(set(pids)))


def test_review_times_median_and_p90(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        rows = trends.review_times(session=s, actor=MANAGER)
    assert rows[0].severity == trends.ALL
    by_sev = {r.severity: r for r in rows}
    for sev, r in by_sev.items():
        items = [it for it in rec.items if sev == trends.ALL or it["severity"] == sev]
        assert not r.suppressed  # a time to review is not a group of people
        to_review = [m for it in items if (m := _minutes(it["created"], it["reviewed"]))]
        to_resolve = [m for it in items if (m := _minutes(it["created"], it["resolved"]))]
        assert (r.cases, r.reviewed, r.resolved) == (len(items), len(to_review), len(to_resolve))
        assert r.first_review_median_min == pytest.approx(_pct(to_review, 0.5), abs=1e-3)
        assert r.first_review_p90_min == pytest.approx(_pct(to_review, 0.9), abs=1e-3)
        assert r.resolution_median_min == pytest.approx(_pct(to_resolve, 0.5), abs=1e-3)
        assert r.resolution_p90_min == pytest.approx(_pct(to_resolve, 0.9), abs=1e-3)
    assert not by_sev[trends.ALL].suppressed


def test_false_alarm_rate_per_rule(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        rows = trends.false_alarm_rates(session=s, actor=MANAGER)
    got = {r.rule_id: r for r in rows}
    resolved = [it for it in rec.items if it["status"] == "resolved"]
    assert set(got) == {r for it in resolved for r in it["rules"]}
    shown = 0
    for rule, r in got.items():
        cases = [it for it in resolved if rule in it["rules"]]
        assert not r.suppressed  # cases, not people
        shown += 1
        none_needed = sum(it["disposition"] == "no_action_needed" for it in cases)
        assert (r.resolved_cases, r.no_action_cases) == (len(cases), none_needed)
        assert r.false_alarm_rate == pytest.approx(none_needed / len(cases))
    assert shown >= 1
    rates = [r.false_alarm_rate for r in rows if not r.suppressed]
    assert rates == sorted(rates, reverse=True)  # the rules most worth tuning first


def test_overview_counts(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        o = trends.overview(session=s, actor=MANAGER, procedure="microneedling")
        rf = trends.overview(session=s, actor=MANAGER, procedure="microneedling_rf")
    mine = [c for c in rec.checkins if c["procedure"] == "microneedling" and not c["baseline"]]
    items = [it for it in rec.items if it["procedure"] == "microneedling"]
    assert o.patients == len({c["patient"] for c in mine})
    assert o.checkins == len(mine)
    assert o.open_cases == sum(it["status"] != "resolved" for it in items)
    assert o.resolved_cases == sum(it["status"] == "resolved" for it in items)
    assert not o.suppressed
    # Eight RF patients: their count is hidden, the clinic's cases are not.
    rf_items = [it for it in rec.items if it["procedure"] == "microneedling_rf"]
    assert rf.suppressed and rf.patients is None and rf.checkins is None
    assert rf.open_cases == sum(it["status"] != "resolved" for it in rf_items)
    assert rf.resolved_cases == sum(it["status"] == "resolved" for it in rf_items)


def test_filters_by_procedure_and_date(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    start, end = date(2026, 2, 1), date(2026, 2, 14)
    with db.read() as s:
        rows = trends.review_times(
            session=s, actor=MANAGER, start=start, end=end, procedure="microneedling"
        )
        points = trends.recovery_curves(session=s, actor=MANAGER, start=start, end=end)
    items = [
        it
        for it in rec.items
        if it["procedure"] == "microneedling" and start <= clinic_day(it["created"]) <= end
    ]
    everything = rows[0]
    assert not everything.suppressed and everything.cases == len(items)
    cohort = {t["id"] for t in rec.treatments if start <= clinic_day(t["treated_at"]) <= end}
    in_cohort = [c for c in rec.checkins if c["treatment"] in cohort and not c["baseline"]]
    assert {(p.procedure, p.day) for p in points} == {(c["procedure"], c["day"]) for c in in_cohort}


def clinic_day(at: datetime, zone: str = NEW_YORK) -> date:
    """The date of a stored (naive UTC) time on the clinic's own calendar."""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def clinic_week(at: datetime, zone: str = NEW_YORK) -> date:
    """The Monday of a stored (naive UTC) time's week on the clinic's own calendar."""
    day = clinic_day(at, zone)
    return day - timedelta(days=day.weekday())


def test_the_period_is_the_clinics_own_dates(clinic: tuple[Database, Record]) -> None:
    """A case queued at 22:00 in New York on 1 February (03:00 UTC on the 2nd) belongs to
    1 February: every one-day period counts the cases of that day on the clinic's calendar."""
    db, rec = clinic
    days = sorted({clinic_day(it["created"]) for it in rec.items})
    differs = 0
    with db.read() as s:
        for day in days:
            volume = trends.queue_volume(session=s, actor=MANAGER, start=day, end=day)
            local = sum(clinic_day(it["created"]) == day for it in rec.items)
            assert sum(r.cases or 0 for r in volume) == local, day
            differs += local != sum(it["created"].date() == day for it in rec.items)
    assert differs, "no day where UTC and the clinic's calendar disagree: the test proves nothing"


def test_each_clinic_counts_its_own_days(db: Database) -> None:
    """Two clinics an hour apart: at 05:30 UTC on 2 February it is already the 2nd in New York
    and still the 1st in Chicago, so a period of 1 February holds Chicago's case only."""
    queued = datetime(2026, 2, 2, 5, 30)
    chicago = add_clinics(db, "America/Chicago")[0]
    with db.session() as s:
        for clinic_id in (1, chicago):
            queue_cases(s, clinic_id, [queued])
    boss = boss_of(1, chicago)

    def cases(day: date, clinics: list[int]) -> int:
        with db.read() as s:
            found = trends.queue_volume(session=s, actor=boss, start=day, end=day, clinics=clinics)
        return sum(r.cases or 0 for r in found)

    first, second = date(2026, 2, 1), date(2026, 2, 2)
    assert (cases(first, [1]), cases(second, [1])) == (0, 1)  # New York: the 2nd
    assert (cases(first, [chicago]), cases(second, [chicago])) == (1, 0)  # Chicago: the 1st
    assert (cases(first, [1, chicago]), cases(second, [1, chicago])) == (1, 1)


ADMIN = Actor(role=Role.ADMIN, name="test set-up", clinic_id=1)
KOLKATA = "Asia/Kolkata"  # UTC+05:30 all year: a half-hour offset, no DST
AUCKLAND = "Pacific/Auckland"  # UTC+12, +13 in the southern summer (DST from late September)


def add_clinics(db: Database, *zones: str) -> list[int]:
    """New clinics, one per zone (clinic 1, New York, is every migrated database's)."""
    with db.session() as s:
        return [
            add_clinic(session=s, actor=ADMIN, name=f"Clinic {k}", time_zone=zone).id
            for k, zone in enumerate(zones)
        ]


def boss_of(*clinics: int) -> Actor:
    """A manager who may read the trends of ``clinics``."""
    return Actor(role=Role.MANAGER, name="Boss", clinic_id=clinics[0],
                 organisation_clinics=frozenset(clinics))  # fmt: skip


def queue_cases(
    s: Any, clinic_id: int, times: list[datetime], severity: Severity = Severity.REVIEW
) -> None:
    """Review cases queued at ``times`` (naive UTC) in a clinic, one check-in each, all of one
    patient's treatment."""
    p = Patient(clinic_id=clinic_id, display_name=f"Pat {clinic_id}", phone="555-0199")
    s.add(p)
    s.flush()
    t = Treatment(clinic_id=clinic_id, patient_id=p.id, procedure="microneedling",
                  treated_at=min(times) - timedelta(days=2), areas=["face"],
                  schedule_days=[1, 3])  # fmt: skip
    s.add(t)
    s.flush()
    for k, at in enumerate(times):
        c = CheckIn(clinic_id=clinic_id, treatment_id=t.id, client_submission_id=f"z-{t.id}-{k}",
                    submitted_at=at, is_baseline=False, hours_since_treatment=48.0,
                    day_since_treatment=2)  # fmt: skip
        s.add(c)
        s.flush()
        s.add(ReviewItem(clinic_id=clinic_id, checkin_id=c.id, treatment_id=t.id,
                         severity=severity.value, severity_rank=severity.rank, status="new",
                         created_at=at))  # fmt: skip


def utc(local: str, zone: str = NEW_YORK, *, fold: int = 0) -> datetime:
    """A wall-clock time in ``zone`` ("2026-02-01 23:30") as the naive UTC time stored."""
    at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone), fold=fold)
    return at.astimezone(UTC).replace(tzinfo=None)


def weeks(db: Database, actor: Actor = MANAGER, **period: Any) -> dict[tuple[date, str], int]:
    """The queue volume as {(Monday, severity): cases}, checking each row's ISO week label."""
    with db.read() as s:
        found = trends.queue_volume(session=s, actor=actor, **period)
    for r in found:
        iso = r.week_start.isocalendar()
        assert (r.week_start.weekday(), r.week) == (0, f"{iso.year}-W{iso.week:02d}")
    return {(r.week_start, r.severity): r.cases or 0 for r in found}


@pytest.mark.parametrize("sunday", [date(2026, 2, 1), date(2026, 7, 5)], ids=["EST", "EDT"])
def test_a_sunday_night_case_is_in_that_sundays_week(db: Database, sunday: date) -> None:
    """Sunday 23:30 in New York is already Monday in UTC (04:30 in winter, 03:30 in summer):
    the case is that Sunday's week's. Monday 00:30 local starts the next week."""
    monday = sunday + timedelta(days=1)
    late_sunday, early_monday = utc(f"{sunday} 23:30"), utc(f"{monday} 00:30")
    assert late_sunday.date() == monday, "a UTC week would put it in the next one"
    with db.session() as s:
        queue_cases(s, 1, [late_sunday, early_monday])
    expect = {(sunday - timedelta(days=6), "review"): 1, (monday, "review"): 1}
    assert weeks(db) == expect  # all time: SQLite's offsets over the cases' own times
    assert weeks(db, start=sunday, end=monday) == expect  # the period's bounds


def test_weeks_either_side_of_new_yorks_dst_changes(db: Database) -> None:
    """Clocks go forward on Sunday 2026-03-08 (02:00 EST, 07:00 UTC) and back on Sunday
    2026-11-01 (02:00 EDT, 06:00 UTC). Each case near a week's edge lands in another week if
    read with the offset of the other side of the change (an hour off)."""
    monday_of = {
        utc("2026-03-01 23:30"): date(2026, 2, 23),  # EST; under EDT, Monday 00:30
        utc("2026-03-08 01:30"): date(2026, 3, 2),  # the last half hour of EST
        utc("2026-03-08 03:30"): date(2026, 3, 2),  # the first of EDT
        utc("2026-03-09 00:30"): date(2026, 3, 9),  # EDT; under EST, Sunday 23:30
        utc("2026-10-26 00:30"): date(2026, 10, 26),  # EDT; under EST, Sunday 23:30
        utc("2026-11-01 01:30", fold=0): date(2026, 10, 26),  # 01:30 EDT, 05:30 UTC
        utc("2026-11-01 01:30", fold=1): date(2026, 10, 26),  # 01:30 EST, 06:30 UTC
        utc("2026-11-01 23:30"): date(2026, 10, 26),  # EST; under EDT, Monday 00:30
        utc("2026-11-02 00:30"): date(2026, 11, 2),
    }
    with db.session() as s:
        queue_cases(s, 1, list(monday_of))
    expect: dict[tuple[date, str], int] = defaultdict(int)
    for monday in monday_of.values():
        expect[(monday, "review")] += 1
    assert weeks(db) == expect
    march = {k: v for k, v in expect.items() if k[0] < date(2026, 6, 1)}
    assert weeks(db, start=date(2026, 3, 1), end=date(2026, 3, 9)) == march
    november = {k: v for k, v in expect.items() if k[0] > date(2026, 6, 1)}
    assert weeks(db, start=date(2026, 10, 26), end=date(2026, 11, 2)) == november


def test_each_case_counts_in_its_own_clinics_week(db: Database) -> None:
    """New York, Kolkata (+05:30) and Auckland (+13:00, +12:00 from 5 April) in one report:
    each case is in the week of its own clinic's calendar (one severity per clinic, so the
    rows tell the clinics apart)."""
    kolkata, auckland = add_clinics(db, KOLKATA, AUCKLAND)
    cases = {
        (1, Severity.REVIEW): {
            utc("2026-02-01 23:30"): date(2026, 1, 26),
            utc("2026-02-02 00:30"): date(2026, 2, 2),
        },
        (kolkata, Severity.URGENT): {
            utc("2026-02-01 23:50", KOLKATA): date(2026, 1, 26),  # 18:20 UTC
            utc("2026-02-02 00:10", KOLKATA): date(2026, 2, 2),  # 18:40 UTC, still Sunday
        },
        (auckland, Severity.ROUTINE): {
            utc("2026-02-02 00:30", AUCKLAND): date(2026, 2, 2),  # 11:30 UTC on Sunday
            utc("2026-04-05 23:30", AUCKLAND): date(2026, 3, 30),  # NZST; under NZDT, Monday
            utc("2026-04-06 00:30", AUCKLAND): date(2026, 4, 6),
        },
    }
    expect: dict[tuple[date, str], int] = defaultdict(int)
    with db.session() as s:
        for (clinic_id, severity), monday_of in cases.items():
            queue_cases(s, clinic_id, list(monday_of), severity)
            for monday in monday_of.values():
                expect[(monday, severity.value)] += 1
    boss = boss_of(1, kolkata, auckland)
    clinics = [1, kolkata, auckland]
    assert weeks(db, boss, clinics=clinics) == expect
    period = {"start": date(2026, 2, 1), "end": date(2026, 4, 6)}
    assert weeks(db, boss, clinics=clinics, **period) == expect
    for (clinic_id, severity), _ in cases.items():
        mine = {k: v for k, v in expect.items() if k[1] == severity.value}
        assert weeks(db, boss, clinics=[clinic_id]) == mine


def test_utc_offsets_are_the_zones_own() -> None:
    """The offsets SQLite adds: each change at its UTC instant, none for a zone without DST."""
    first, last = datetime(2026, 1, 1), datetime(2027, 1, 1)
    assert utc_offsets(NEW_YORK, first, last) == [
        (first, -5 * 3600),
        (datetime(2026, 3, 8, 7), -4 * 3600),
        (datetime(2026, 11, 1, 6), -5 * 3600),
    ]
    assert utc_offsets(AUCKLAND, first, last) == [
        (first, 13 * 3600),
        (datetime(2026, 4, 4, 14), 12 * 3600),
        (datetime(2026, 9, 26, 14), 13 * 3600),
    ]
    assert utc_offsets(KOLKATA, first, last) == [(first, 19800)]
    inside = datetime(2026, 3, 8, 6, 59, 59), datetime(2026, 3, 8, 7)
    assert utc_offsets(NEW_YORK, *inside) == [
        (inside[0], -5 * 3600),
        (inside[1], -4 * 3600),
    ]


def scattered_cases(db: Database, rng_seed: int = 12) -> tuple[list[int], dict[Any, int]]:
    """Clinics in New York, Kolkata and Auckland with cases at random times over 18 months, a
    third of them within three hours of the clinic's midnight between a Sunday and a Monday
    (where an offset an hour off changes the week) and a third within a day of a DST change
    in New York or Auckland; and the volume computed here with zoneinfo."""
    rng = random.Random(rng_seed)
    kolkata, auckland = add_clinics(db, KOLKATA, AUCKLAND)
    zones = {(1, Severity.REVIEW): NEW_YORK, (kolkata, Severity.URGENT): KOLKATA,
             (auckland, Severity.ROUTINE): AUCKLAND}  # fmt: skip
    first, last = datetime(2025, 9, 1), datetime(2027, 3, 1)
    changes = [at for z in (NEW_YORK, AUCKLAND) for at, _ in utc_offsets(z, first, last)[1:]]

    def near_a_monday(zone: str) -> datetime:
        day = (first + (last - first) * rng.random()).date()
        monday = day - timedelta(days=day.weekday())
        return utc(f"{monday} 00:00", zone) + timedelta(hours=rng.uniform(-3, 3))

    expect: dict[tuple[date, str], int] = defaultdict(int)
    with db.session() as s:
        for (clinic_id, severity), zone in zones.items():
            times = [near_a_monday(zone) for _ in range(30)]
            times += [
                rng.choice(changes) + timedelta(hours=rng.uniform(-24, 24)) for _ in range(30)
            ]
            times += [first + (last - first) * rng.random() for _ in range(30)]
            queue_cases(s, clinic_id, times, severity)
            for at in times:
                expect[(clinic_week(at, zone), severity.value)] += 1
    return [1, kolkata, auckland], expect


def test_weeks_match_zoneinfo_at_random_times(db: Database) -> None:
    clinics, expect = scattered_cases(db)
    boss = boss_of(*clinics)
    assert weeks(db, boss, clinics=clinics) == expect
    # A period that starts and ends mid-week: its first and last weeks are partial.
    start, end = date(2026, 3, 4), date(2026, 11, 4)
    with db.read() as s:
        inside = trends.overview(session=s, actor=boss, start=start, end=end, clinics=clinics)
    partial = weeks(db, boss, clinics=clinics, start=start, end=end)
    assert sum(partial.values()) == inside.open_cases
    assert all(start - timedelta(days=6) <= monday <= end for monday, _ in partial)
    for key, n in partial.items():
        assert n <= expect[key]
        if start <= key[0] and key[0] + timedelta(days=6) <= end:
            assert n == expect[key], key


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_weeks(sqlite_db: Database, pg_db: Database) -> None:
    """The same cases on both backends: the same rows, for all time and for a period."""
    found = []
    for db in (sqlite_db, pg_db):
        seed(db, patients={"microneedling": 30})
        clinics, _ = scattered_cases(db)
        boss = boss_of(*clinics)
        found.append(
            [
                weeks(db, boss, clinics=clinics),
                weeks(db, boss, clinics=clinics, start=date(2026, 2, 1), end=date(2026, 3, 31)),
                weeks(db, boss, clinics=[1], start=date(2026, 2, 15)),
            ]
        )
    assert found[0] == found[1]
    assert all(found[0]), "every report has rows"


def test_suppression_boundary_is_eleven_patients(db: Database) -> None:
    seed(db, patients={"microneedling": 10, "microneedling_rf": 11}, rng_seed=11)
    with db.read() as s:
        rows = {r.procedure: r for r in trends.adherence(session=s, actor=MANAGER, now=NOW)}
        ten = trends.overview(session=s, actor=MANAGER, procedure="microneedling")
    assert rows["microneedling"].suppressed and rows["microneedling"].patients is None
    assert not rows["microneedling_rf"].suppressed
    assert rows["microneedling_rf"].patients == 11
    assert ten.suppressed and ten.checkins is None


def test_no_names_notes_or_photos_leave_the_module(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        outputs: list[Any] = [
            trends.overview(session=s, actor=MANAGER),
            *trends.recovery_curves(session=s, actor=MANAGER),
            *trends.adherence(session=s, actor=MANAGER, now=NOW),
            *trends.queue_volume(session=s, actor=MANAGER),
            *trends.review_times(session=s, actor=MANAGER),
            *trends.false_alarm_rates(session=s, actor=MANAGER),
        ]
    allowed = (str, int, float, bool, date, type(None))
    text = []
    for o in outputs:
        for k, v in dataclasses.asdict(o).items():
            assert isinstance(v, allowed), (k, v)
            text.append(str(v))
    blob = "\n".join(text)
    assert SECRET_NOTE not in blob and "Dr Lee" not in blob and "555-0199" not in blob
    for name in rec.names:
        assert name not in blob


def test_only_staff_see_trends_and_filters_are_checked(sqlite_db: Database) -> None:
    patient = Actor(role=Role.PATIENT, name="p", patient_id=1, treatment_id=1, clinic_id=1)
    with sqlite_db.read() as s:
        with pytest.raises(AccessDenied):
            trends.recovery_curves(session=s, actor=patient)
        with pytest.raises(AccessDenied):
            trends.expected_recovery_band(session=s, actor=patient, procedure="microneedling")
        with pytest.raises(InvalidInput):
            trends.adherence(session=s, actor=MANAGER, procedure="tattoo")
        with pytest.raises(InvalidInput):
            trends.queue_volume(
                session=s, actor=MANAGER, start=date(2026, 3, 1), end=date(2026, 2, 1)
            )
        # An empty clinic gives empty tables, not errors.
        assert trends.recovery_curves(session=s, actor=MANAGER) == []
        assert trends.review_times(session=s, actor=MANAGER) == []
        assert trends.overview(session=s, actor=MANAGER).suppressed


def test_data_stamp_changes_with_every_case_action(clinic: tuple[Database, Record]) -> None:
    db, rec = clinic
    with db.read() as s:
        first = trends.data_stamp(session=s, actor=MANAGER)
        assert trends.data_stamp(session=s, actor=MANAGER) == first
    item = next(it for it in rec.items if it["status"] == "new")
    with db.session() as s:
        row = s.get(ReviewItem, item["id"])
        assert row is not None
        row.status, row.version = "claimed", row.version + 1  # what queue.claim does
    with db.read() as s:
        assert trends.data_stamp(session=s, actor=MANAGER) != first


def test_a_small_clinic_sees_its_case_figures(db: Database) -> None:
    """Three patients: their redness curves stay hidden, the clinic's work is shown."""
    rec = seed(db, patients={"microneedling": 3}, rng_seed=5)
    with db.read() as s:
        report = trends.report(session=s, actor=MANAGER, now=NOW)
    assert rec.items, "the seed queues some cases"
    assert report.volume and not any(r.suppressed for r in report.volume)
    assert sum(r.cases or 0 for r in report.volume) == len(rec.items)
    everything = report.review_times[0]
    assert everything.severity == trends.ALL and everything.cases == len(rec.items)
    assert not any(r.suppressed for r in report.false_alarms)
    assert report.overview.open_cases is not None and report.overview.patients is None
    assert all(p.suppressed for p in report.curves)
    assert all(a.suppressed for a in report.adherence)
