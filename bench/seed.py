"""Fast synthetic bulk data for the benchmarks: clinics with ``checkins`` check-ins of history each.

    from seed import seed            # with bench/ on sys.path (it is, for bench/*.py scripts)
    seed(db, checkins=100_000)       # a migrated, possibly non-empty Database; ~seconds

What it writes (SQLAlchemy Core bulk inserts in chunks, explicit ids, no ORM objects):

- 5 providers; patients with 1-3 treatments each (both procedures, default schedule 1/3/7/14).
- Treatments spread evenly over a history that grows with the size (about 120 check-ins a day,
  at least 28 days), so a bigger database is a clinic with a longer past, not a busier day.
- Check-ins on days 0-14: an optional pre-treatment baseline, the scheduled days (most patients
  answer, a day late at times) and the odd extra one; none dated after now.
- Triage: ~85% routine, ~12% review, ~3% urgent, each non-routine check-in with the rule hits
  that explain it (rules chosen from those that can fire on its day) and answers to match.
- Redness metrics: mean a* decaying by day from a per-patient skin baseline, with noise; an
  erythema index and red-area fraction that follow it; ~10% of check-ins have no usable photo.
- Review items for every non-routine check-in. All but the most recent ``open_items(checkins)``
  are resolved (first review and resolution minutes drawn per severity, varied dispositions);
  the open ones are new or claimed. A real open queue stays small while history grows.

No photo rows or blobs and no audit events: nothing the queue page or trends read. The trend
tables (services/trends/stored.py) are rebuilt from the rows in the same transaction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text

from checkins import questionnaire, schedule
from checkins.domain import (
    DEFAULT_SCHEDULE_DAYS,
    PROCEDURES,
    REDNESS_LEVELS,
    SWELLING_LEVELS,
    Disposition,
    ReviewStatus,
    Severity,
    utcnow,
)
from checkins.questionnaire import Kind
from checkins.services.convert import ANSWER_COLUMNS
from checkins.services.trends import stored
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import (
    CheckIn,
    ClinicSettings,
    Patient,
    ReviewItem,
    RuleHit,
    Treatment,
    TriageRecord,
    User,
)

CHUNK = 5_000
# The seed is an entry point, like the command line: it lays the trend tables out as this admin.
SEEDER = Actor.system(1, "bench seed")
PROVIDERS = 5
CHECKINS_PER_DAY = 120
CHECKINS_PER_TREATMENT = 4.4  # a baseline now and then, the four scheduled days, an extra one
MIN_HISTORY_DAYS = 28
URGENT_SHARE = 0.03
REVIEW_SHARE = 0.12
RULES_VERSION = "bench-synthetic"

URGENT_RULES = ("fever", "pus_drainage", "increased_warmth", "excessive_swelling")
DISPOSITION_WEIGHTS = {
    Disposition.NO_ACTION_NEEDED: 0.35,
    Disposition.SELF_CARE_ADVISED: 0.30,
    Disposition.CONTACTED_PATIENT: 0.20,
    Disposition.VISIT_SCHEDULED: 0.10,
    Disposition.ESCALATED: 0.05,
}
# Median minutes to first review and from review to resolution, per severity.
REVIEW_MINUTES = {Severity.URGENT: (12.0, 20.0), Severity.REVIEW: (75.0, 30.0)}
PEAK_A_STAR = {"microneedling": 8.0, "microneedling_rf": 11.0}


def open_items(checkins: int) -> int:
    """How many review items stay open: a few dozen at 1k, a few hundred at 100k."""
    return 60 + checkins // 500


def history_days(checkins: int) -> int:
    return max(MIN_HISTORY_DAYS, math.ceil(checkins / CHECKINS_PER_DAY))


def seed(
    db: Database,
    *,
    checkins: int,
    seed: int = 0,
    open_queue: int | None = None,
    clinics: int = 1,
) -> None:
    """Add ``checkins`` synthetic check-ins (and everything around them) to a migrated database.

    ``open_queue`` review items stay open (default ``open_items(checkins)``). Deterministic for a
    given ``seed`` and moment; ids continue after whatever the tables hold. The trend tables are
    laid out again from the rows at the end (a bulk load, like migration 0008's backfill).

    ``clinics``: the sizes are per clinic. Clinic 1 is the database's first (added when
    missing); clinics 2 … N are added, each with its own providers, patients and history, built
    and written one clinic at a time so memory stays that of one clinic.
    """
    if checkins < 1:
        raise ValueError("checkins must be at least 1")
    if clinics < 1:
        raise ValueError("clinics must be at least 1")
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    with db.session() as s:
        existing = int(s.scalar(select(func.coalesce(func.max(ClinicSettings.id), 0))) or 0)
        for k in range(existing + 1, clinics + 1):
            s.execute(
                insert(ClinicSettings),
                [
                    {
                        "id": k,
                        "name": f"Bench Skin Clinic {k}",
                        "phone": "555-0100",
                        "time_zone": "UTC",
                        "organisation": "Bench Group",
                    }
                ],
            )
    for clinic_id in range(1, clinics + 1):
        with db.session() as s:
            base = {
                t: int(s.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0) for t in _tables()
            }
        gen = _Generator(
            rng=rng,
            now=now,
            base=base,
            seed=seed * 100 + clinic_id,
            open_queue=open_items(checkins) if open_queue is None else open_queue,
        )
        gen.build(checkins)
        with db.session() as s:
            for table, rows in gen.tables():
                if "clinic_id" in table.c:
                    rows = [{"clinic_id": clinic_id, **r} for r in rows]
                for chunk in _chunks(rows, CHUNK):
                    s.execute(insert(table), chunk)
        del gen
    with db.session() as s:
        if db.engine.dialect.name == "postgresql":
            for table in (*_tables(), cast(Table, ClinicSettings.__table__)):
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                        f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
                    )
                )
        stored.rebuild(session=s, actor=SEEDER)


def _tables() -> list[Table]:
    models = (User, Patient, Treatment, CheckIn, TriageRecord, RuleHit, ReviewItem)
    return [cast(Table, m.__table__) for m in models]


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class _Generator:
    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        base: dict[Table, int],
        seed: int,
        open_queue: int,
    ):
        self.rng = rng
        self.open_queue = open_queue
        self.now = now
        self.ids = {t.name: n for t, n in base.items()}
        self.tag = f"b{seed}"
        self.users: list[dict[str, Any]] = []
        self.patients: list[dict[str, Any]] = []
        self.treatments: list[dict[str, Any]] = []
        self.checkins: list[dict[str, Any]] = []
        self.triage: list[dict[str, Any]] = []
        self.hits: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def tables(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        return [
            (cast(Table, User.__table__), self.users),
            (cast(Table, Patient.__table__), self.patients),
            (cast(Table, Treatment.__table__), self.treatments),
            (cast(Table, CheckIn.__table__), self.checkins),
            (cast(Table, TriageRecord.__table__), self.triage),
            (cast(Table, RuleHit.__table__), self.hits),
            (cast(Table, ReviewItem.__table__), self.items),
        ]

    # ---------------------------------------------------------------------------------------

    def build(self, n: int) -> None:
        """Lay treatments out backwards from now until there are ``n`` check-ins, then number
        every row in time order (as a live clinic's ids would be)."""
        self._providers()
        rate = n / history_days(n)  # check-ins a day
        step = timedelta(days=CHECKINS_PER_TREATMENT / rate)  # between new treatments
        cursor = self.now
        treatments: list[dict[str, Any]] = []
        visits: list[dict[str, Any]] = []
        patients = 0
        while len(visits) < n:
            patients += 1
            cursor -= step * self.rng.uniform(0.5, 1.5)
            skin = self.rng.gauss(10.0, 2.0)  # the patient's own redness, steady across visits
            series = self.rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
            for k in range(series):  # a series of treatments about five weeks apart
                treated_at = cursor - timedelta(days=35 * k, minutes=self.rng.randint(0, 600))
                treatment = self._treatment(patients, treated_at)
                treatments.append(treatment)
                visits.extend(self._visits(treatment, skin))
        # Keep the newest n; forget treatments (and patients) left with no check-in.
        visits.sort(key=lambda v: v["received_at"])
        del visits[: len(visits) - n]
        kept = {id(v["_treatment"]) for v in visits}
        treatments = sorted((t for t in treatments if id(t) in kept), key=lambda t: t["treated_at"])
        patient_ids: dict[int, int] = {}
        for t in treatments:
            if t["patient_id"] not in patient_ids:
                pid = patient_ids[t["patient_id"]] = self.next_id("patients")
                self.patients.append(
                    {
                        "id": pid,
                        "display_name": f"Patient {pid:06d}",
                        "phone": f"555-{pid % 10_000:04d}",
                        "created_at": t["created_at"],
                    }
                )
            t["patient_id"] = patient_ids[t["patient_id"]]
            t["id"] = self.next_id("treatments")
        for v in visits:
            v["id"] = self.next_id("checkins")
            v["client_submission_id"] = f"bench-{self.tag}-{v['id']}"
            v["treatment_id"] = v.pop("_treatment")["id"]
        self.treatments = treatments
        self.checkins = visits
        self._triage()

    def _providers(self) -> None:
        for i in range(PROVIDERS):
            uid = self.next_id("users")
            self.users.append(
                {
                    "id": uid,
                    "username": f"bench-{self.tag}-provider-{uid}",
                    "display_name": f"Provider {i + 1}",
                    "role": "provider",
                    "password_hash": None,
                    "failed_logins": 0,
                    "active": True,
                    "created_at": self.now,
                }
            )

    def _treatment(self, patient: int, treated_at: datetime) -> dict[str, Any]:
        rng = self.rng
        return {
            "id": 0,  # numbered once every row is in time order
            "patient_id": patient,  # a local number until then
            "procedure": rng.choice(PROCEDURES),
            "treated_at": treated_at,
            "areas": ["face"],
            "needle_depth_mm": rng.choice((0.5, 1.0, 1.5, 2.0)),
            "antiviral_prescribed": rng.random() < 0.2,
            "schedule_days": list(DEFAULT_SCHEDULE_DAYS),
            "link_generation": 1,
            "created_at": treated_at - timedelta(days=1),
        }

    def _visits(self, treatment: dict[str, Any], skin: float) -> list[dict[str, Any]]:
        """The treatment's check-ins that have happened by now (without ids yet)."""
        rng = self.rng
        plan: list[tuple[bool, float]] = []  # (is_baseline, hours since treatment)
        if rng.random() < 0.6:
            plan.append((True, -rng.uniform(0.5, 3.0)))
        for day in DEFAULT_SCHEDULE_DAYS:
            if rng.random() < 0.88:
                late = 24.0 if day < 14 and rng.random() < 0.15 else 0.0
                plan.append((False, day * 24.0 + late + rng.uniform(1.0, 11.0)))
        if rng.random() < 0.3:
            plan.append((False, rng.uniform(2.0, 14.0 * 24.0)))
        plan.sort(key=lambda v: v[1])
        out: list[dict[str, Any]] = []
        baseline_a: float | None = None
        previous_a: float | None = None
        peak = PEAK_A_STAR[treatment["procedure"]]
        for is_baseline, hours in plan:
            submitted = treatment["treated_at"] + timedelta(hours=hours)
            received = submitted + timedelta(seconds=rng.randint(1, 30))
            if received > self.now:
                break
            day = schedule.day_since_treatment(treated_at=treatment["treated_at"], at=submitted)
            a_star: float | None = None
            if is_baseline or rng.random() > 0.1:
                swell = 0.0 if is_baseline else peak * math.exp(-day / 3.0)
                a_star = skin + swell + rng.gauss(0.0, 1.0)
            out.append(
                {
                    "id": 0,
                    "_treatment": treatment,
                    "client_submission_id": "",
                    "submitted_at": submitted,
                    "received_at": received,
                    "is_baseline": is_baseline,
                    "hours_since_treatment": hours,
                    "day_since_treatment": day,
                    **_answers(rng, is_baseline),
                    "mean_a_star": a_star,
                    "erythema_index": None if a_star is None else 180.0 + 9.0 * a_star,
                    "red_area_fraction": (
                        None
                        if a_star is None
                        else min(1.0, max(0.0, 0.02 * (a_star - 6.0) + rng.gauss(0, 0.03)))
                    ),
                    "delta_a_star_baseline": _minus(a_star, baseline_a),
                    "delta_a_star_previous": _minus(a_star, previous_a),
                }
            )
            if a_star is not None:
                baseline_a = a_star if baseline_a is None else baseline_a
                previous_a = a_star
        return out

    # ---------------------------------------------------------------------------------------

    def _triage(self) -> None:
        rng = self.rng
        n = len(self.checkins)
        candidates = [i for i, c in enumerate(self.checkins) if not c["is_baseline"]]
        picked = rng.sample(
            candidates, min(len(candidates), round(n * (URGENT_SHARE + REVIEW_SHARE)))
        )
        n_urgent = round(n * URGENT_SHARE)
        severity = dict.fromkeys(range(n), Severity.ROUTINE)
        for k, i in enumerate(picked):
            severity[i] = Severity.URGENT if k < n_urgent else Severity.REVIEW
        for i, c in enumerate(self.checkins):
            sev = severity[i]
            rules = self._rules(c, sev)
            _match_answers(c, rules)
            self.triage.append(
                {
                    "id": self.next_id("triage_results"),
                    "checkin_id": c["id"],
                    "severity": sev.value,
                    "reasons": [{"rule": r, "severity": s.value, "message": r} for r, s in rules],
                    "patient_message": "Synthetic check-in.",
                    "rules_version": RULES_VERSION,
                    "created_at": c["received_at"],
                }
            )
            for rule, rule_sev in rules:
                self.hits.append(
                    {
                        "id": self.next_id("rule_hits"),
                        "checkin_id": c["id"],
                        "rule_id": rule,
                        "severity": rule_sev.value,
                    }
                )
            if sev is not Severity.ROUTINE:
                self.items.append(self._item(c, sev))
        # The most recent items are still open; everything older was handled.
        self.items.sort(key=lambda r: (r["created_at"], r["checkin_id"]))
        open_rows = self.items[len(self.items) - min(self.open_queue, len(self.items)) :]
        for row in self.items:
            row["id"] = self.next_id("review_items")
        for row in open_rows:
            self._reopen(row)

    def _rules(self, c: dict[str, Any], sev: Severity) -> list[tuple[str, Severity]]:
        rng = self.rng
        if sev is Severity.ROUTINE:
            return []
        review = ["picked_skin", "photo_unusable"]
        if c["hours_since_treatment"] > 24:
            review.append("oozing_after_24_hours")
        if c["day_since_treatment"] > 7:
            review.append("redness_after_7_days")
        if c["day_since_treatment"] > 2 and c["mean_a_star"] is not None:
            review.append("photo_redness_rising")
        if sev is Severity.URGENT:
            rules = [(r, Severity.URGENT) for r in rng.sample(URGENT_RULES, rng.choice((1, 1, 2)))]
            if rng.random() < 0.2:
                rules.append((rng.choice(review), Severity.REVIEW))
            return rules
        return [(r, Severity.REVIEW) for r in rng.sample(review, rng.choice((1, 1, 1, 2)))]

    def _item(self, c: dict[str, Any], sev: Severity) -> dict[str, Any]:
        rng = self.rng
        created = c["received_at"]
        to_review, to_resolve = REVIEW_MINUTES[sev]
        first = created + timedelta(minutes=rng.lognormvariate(math.log(to_review), 0.8))
        resolved = first + timedelta(minutes=rng.lognormvariate(math.log(to_resolve), 0.7))
        return {
            "id": 0,  # numbered once sorted by age
            "checkin_id": c["id"],
            "treatment_id": c["treatment_id"],
            "severity": sev.value,
            "severity_rank": sev.rank,
            "status": ReviewStatus.RESOLVED.value,
            "claimed_by": self.users[rng.randrange(len(self.users))]["id"],
            "claimed_at": first,
            "first_reviewed_at": first,
            "resolved_at": resolved,
            "disposition": rng.choices(
                list(DISPOSITION_WEIGHTS), weights=list(DISPOSITION_WEIGHTS.values())
            )[0].value,
            "resolution_note": "",
            "created_at": created,
            "version": 3,
        }

    def _reopen(self, row: dict[str, Any]) -> None:
        claimed = self.rng.random() < 0.3
        row.update(
            status=(ReviewStatus.CLAIMED if claimed else ReviewStatus.NEW).value,
            claimed_by=row["claimed_by"] if claimed else None,
            claimed_at=row["created_at"] + timedelta(minutes=5) if claimed else None,
            first_reviewed_at=row["created_at"] + timedelta(minutes=5) if claimed else None,
            resolved_at=None,
            disposition=None,
            version=2 if claimed else 1,
        )


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _answers(rng: random.Random, is_baseline: bool) -> dict[str, Any]:
    if is_baseline:
        # No questionnaire: every answer column empty, as intake stores a baseline photo.
        return dict.fromkeys(ANSWER_COLUMNS) | {questionnaire.NOTE.name: ""}
    # Every required yes/no "no", the rest empty, then a few realistic spreads; a question added
    # to the table gets a column here without an edit.
    out: dict[str, Any] = dict.fromkeys(ANSWER_COLUMNS) | {questionnaire.NOTE.name: ""}
    for q in questionnaire.QUESTIONS:
        if q.kind is Kind.YES_NO and q.required:
            out[q.name] = False
    temp = round(rng.gauss(98.4, 0.5), 1) if rng.random() < 0.4 else None
    out.update(
        temperature_value=temp,
        temperature_unit="F" if temp is not None else None,
        temperature_f=temp,
        swelling=rng.choices(SWELLING_LEVELS[:3], weights=(60, 30, 10))[0],
        redness=rng.choices(REDNESS_LEVELS[:2], weights=(40, 60))[0],
        pain=rng.choices(range(5), weights=(40, 30, 15, 10, 5))[0],
        sun_exposure=rng.random() < 0.05,
        routine_followed=rng.random() < 0.95,
    )
    assert set(out) == set(ANSWER_COLUMNS)
    return out


def _match_answers(c: dict[str, Any], rules: list[tuple[str, Severity]]) -> None:
    """Make the answers say what the rule hits claim (fever means a temperature, and so on)."""
    for rule, _ in rules:
        if rule == "fever":
            c.update(temperature_value=101.8, temperature_unit="F", temperature_f=101.8)
        elif rule == "pus_drainage":
            c["drainage_like_pus"] = True
        elif rule == "increased_warmth":
            c["increased_warmth"] = True
        elif rule == "excessive_swelling":
            c["swelling"] = "excessive"
        elif rule == "redness_after_7_days":
            c["redness"] = "moderate"
        elif rule == "oozing_after_24_hours":
            c["oozing"] = True
        elif rule == "picked_skin":
            c["picked_or_peeled_skin"] = True
