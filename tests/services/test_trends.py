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
            if it["severity"] == r.severity
            and clinic_week(it["created"]) == r.week_start
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
    with db.session() as s:
        admin = Actor(role=Role.ADMIN, name="test set-up", clinic_id=1)
        chicago = add_clinic(
            session=s, actor=admin, name="Lakeside", time_zone="America/Chicago"
        ).id
        for clinic_id in (1, chicago):
            p = Patient(clinic_id=clinic_id, display_name=f"Pat {clinic_id}", phone="555-0199")
            s.add(p)
            s.flush()
            t = Treatment(clinic_id=clinic_id, patient_id=p.id, procedure="microneedling",
                          treated_at=queued - timedelta(days=2), areas=["face"],
                          schedule_days=[1, 3])  # fmt: skip
            s.add(t)
            s.flush()
            c = CheckIn(clinic_id=clinic_id, treatment_id=t.id, client_submission_id=f"z-{t.id}",
                        submitted_at=queued, is_baseline=False, hours_since_treatment=48.0,
                        day_since_treatment=2)  # fmt: skip
            s.add(c)
            s.flush()
            s.add(ReviewItem(clinic_id=clinic_id, checkin_id=c.id, treatment_id=t.id,
                             severity="review", severity_rank=Severity.REVIEW.rank, status="new",
                             created_at=queued))  # fmt: skip
    boss = Actor(role=Role.MANAGER, name="Boss", clinic_id=1,
                 organisation_clinics=frozenset({1, chicago}))  # fmt: skip

    def cases(day: date, clinics: list[int]) -> int:
        with db.read() as s:
            found = trends.queue_volume(session=s, actor=boss, start=day, end=day, clinics=clinics)
        return sum(r.cases or 0 for r in found)

    first, second = date(2026, 2, 1), date(2026, 2, 2)
    assert (cases(first, [1]), cases(second, [1])) == (0, 1)  # New York: the 2nd
    assert (cases(first, [chicago]), cases(second, [chicago])) == (1, 0)  # Chicago: the 1st
    assert (cases(first, [1, chicago]), cases(second, [1, chicago])) == (1, 1)


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
