"""Staff pages at clinic scale: 100k check-ins, timed in the services and in a real browser.

    .venv/bin/python bench/bench_staff_pages.py                 # SQLite, 100k check-ins
    .venv/bin/python bench/bench_staff_pages.py --postgres      # the same on PostgreSQL
    .venv/bin/python bench/bench_staff_pages.py --checkins 20000 --no-browser

What it does:

1. Writes a synthetic clinic with bulk inserts (``insert(...)`` with lists of rows): 25k
   patients with one treatment each over the past year, four check-ins per treatment (100k),
   a review case for 30% of them (most resolved, a few hundred still open), 1-2 rule hits each.
2. Times the services in-process: one queue page, the urgent count, a claim (claim + release,
   each its own unit of work), the expected-recovery band and the whole trends report.
3. Starts ``streamlit run dashboard/serve.py`` on that database and drives Debian Chromium
   (headless): signs a provider in, then times the queue page (click "Queue" until the table is
   drawn), a claim round trip on the case page (click "Claim" until "You claimed it." shows) and
   the trends page (click "Trends" until its last table's download button shows; the first
   visit computes the report, later visits with unchanged data are served from the page's
   cache, keyed on ``trends.data_stamp``).

It prints figures (median and worst of several runs) against the goals; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from checkins.domain import ReviewStatus, Severity, utcnow
from checkins.services import clinic, queue, trends, users
from checkins.services.views import Actor
from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.models import (
    CheckIn,
    Patient,
    ReviewItem,
    RuleHit,
    Treatment,
    TriageRecord,
    User,
)

SETUP = Actor.system(1, "bench set-up")  # the bench is an entry point: it says who acts
ROOT = Path(__file__).resolve().parents[1]
GOALS = {
    "queue page (browser)": 2.0,
    "claim round trip (browser)": 0.5,
    "trends page (browser)": 3.0,
}
PROVIDER = ("bench.lee", "Dr Bench Lee", "bench-provider-pass-1")
SECOND = ("bench.kim", "NP Bench Kim", "bench-provider-pass-2")
MANAGER = ("bench.manager", "Bench Manager", "bench-manager-pass-1")
RULES = ("fever", "pus_drainage", "redness_rising", "pain_high", "swelling_excessive")
CHUNK = 5000


# ---- data ---------------------------------------------------------------------------------------


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def populate(db: Database, n_checkins: int, *, seed: int = 5) -> dict[str, int]:
    """Bulk-insert a clinic with ``n_checkins`` check-ins; returns the row counts."""
    rng = random.Random(seed)
    now = utcnow()
    n_treatments = max(1, n_checkins // 4)
    with db.session() as s:
        clinic.set_clinic(session=s, actor=SETUP, name="Bench Clinic", phone="(555) 010-0199")
        for username, name, password in (PROVIDER, SECOND):
            users.add_user(
                session=s,
                actor=SETUP,
                username=username,
                display_name=name,
                role="provider",
                password=password,
            )
        users.add_user(
            session=s,
            actor=SETUP,
            username=MANAGER[0],
            display_name=MANAGER[1],
            role="manager",
            password=MANAGER[2],
        )
        provider_id = s.scalar(select(User.id).where(User.username == PROVIDER[0]))
    patients = [
        {"id": i + 1, "display_name": f"Bench Patient {i + 1}"} for i in range(n_treatments)
    ]
    treatments, checkins, items, hits, triage = [], [], [], [], []
    cid = 0
    for i in range(n_treatments):
        treated_at = now - timedelta(days=rng.uniform(0.5, 365))
        procedure = "microneedling" if rng.random() < 0.7 else "microneedling_rf"
        treatments.append(
            {
                "id": i + 1,
                "patient_id": i + 1,
                "procedure": procedure,
                "treated_at": treated_at,
                "areas": ["face"],
                "schedule_days": [1, 3, 7, 14],
                "antiviral_prescribed": False,
                "link_generation": 1,
                "created_at": treated_at,
            }
        )
        for j, day in enumerate((0, 1, 3, 7)):
            submitted = treated_at + timedelta(days=day, hours=rng.uniform(0, 12))
            if submitted > now:
                submitted = now - timedelta(minutes=rng.uniform(1, 600))
            cid += 1
            a_star = max(0.0, rng.gauss(16 - day, 3))
            checkins.append(
                {
                    "id": cid,
                    "treatment_id": i + 1,
                    "client_submission_id": f"bench-{cid}",
                    "submitted_at": submitted,
                    "received_at": submitted,
                    "is_baseline": j == 0,
                    "hours_since_treatment": (submitted - treated_at).total_seconds() / 3600,
                    "day_since_treatment": day,
                    "swelling": "mild",
                    "redness": "mild",
                    "pain": rng.randint(0, 6),
                    "notes": "",
                    "mean_a_star": a_star,
                    "erythema_index": a_star * 25,
                    "red_area_fraction": min(1.0, a_star / 40),
                }
            )
            if j == 0 or rng.random() > 0.3:
                continue
            severity = rng.choices(list(Severity), weights=(6, 3, 1))[0]
            recent = (now - submitted) < timedelta(days=3)
            is_open = recent and rng.random() < 0.5
            reviewed = submitted + timedelta(minutes=rng.uniform(5, 240))
            done = reviewed + timedelta(minutes=rng.uniform(5, 600))
            items.append(
                {
                    "checkin_id": cid,
                    "treatment_id": i + 1,
                    "severity": severity.value,
                    "severity_rank": severity.rank,
                    "status": (ReviewStatus.NEW if is_open else ReviewStatus.RESOLVED).value,
                    "claimed_by": None if is_open else provider_id,
                    "claimed_at": None if is_open else reviewed,
                    "first_reviewed_at": None if is_open else reviewed,
                    "resolved_at": None if is_open else done,
                    "disposition": None
                    if is_open
                    else rng.choice(("no_action_needed", "self_care_advised", "contacted_patient")),
                    "resolution_note": "",
                    "created_at": submitted,
                    "version": 1,
                }
            )
            fired = rng.sample(RULES, rng.randint(1, 2))
            hits += [{"checkin_id": cid, "rule_id": r, "severity": severity.value} for r in fired]
            triage.append(
                {
                    "checkin_id": cid,
                    "severity": severity.value,
                    "reasons": [
                        {"rule": r, "severity": severity.value, "message": r.replace("_", " ")}
                        for r in fired
                    ],
                    "patient_message": "",
                    "rules_version": "bench",
                    "created_at": submitted,
                }
            )
    for model, rows in (
        (Patient, patients),
        (Treatment, treatments),
        (CheckIn, checkins),
        (TriageRecord, triage),
        (ReviewItem, items),
        (RuleHit, hits),
    ):
        if "clinic_id" in model.__table__.c:  # every row is the bench clinic's (clinic 1)
            rows = [{"clinic_id": SETUP.clinic_id, **r} for r in rows]
        for part in _chunks(rows):
            with db.session() as s:
                s.execute(insert(model), part)
    with db.session() as s:  # a bulk load: lay the trend tables out from the rows
        trends.rebuild(session=s, actor=SETUP)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:  # the explicit ids above left the sequences at 1
            for table in ("patients", "treatments", "checkins"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with db.read() as s:
        open_items = s.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.status == ReviewStatus.NEW)
        )
    return {
        "patients": len(patients),
        "checkins": len(checkins),
        "review cases": len(items),
        "open cases": int(open_items or 0),
        "rule hits": len(hits),
    }


# ---- timing helpers ------------------------------------------------------------------------------


def timed(fn: Callable[[], object], runs: int = 5) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(name: str, seconds: list[float]) -> None:
    goal = GOALS.get(name)
    verdict = ""
    if goal is not None:
        verdict = "  (goal ≤ {:.1f} s: {})".format(
            goal, "met" if max(seconds) <= goal else "MISSED"
        )
    print(
        f"  {name:<34} median {statistics.median(seconds) * 1000:7.0f} ms   "
        f"worst {max(seconds) * 1000:7.0f} ms   n={len(seconds)}{verdict}",
        flush=True,
    )


def service_timings(db: Database) -> None:
    with db.read() as s:
        lee = users.actor_for_username(session=s, username=PROVIDER[0])
        manager = users.actor_for_username(session=s, username=MANAGER[0])
    assert lee is not None and manager is not None

    def page() -> object:
        with db.read() as s:
            return queue.list_queue(session=s, actor=lee)

    def count() -> object:
        with db.read() as s:
            return queue.count_open(session=s, actor=lee, severity="urgent")

    with db.read() as s:
        first = queue.list_queue(session=s, actor=lee).rows[0].item_id

    def claim_release() -> object:
        with db.session() as s:
            queue.claim(session=s, actor=lee, item_id=first)
        with db.session() as s:
            return queue.release(session=s, actor=lee, item_id=first)

    def band() -> object:
        with db.read() as s:
            return trends.expected_recovery_band(session=s, actor=lee, procedure="microneedling")

    today = utcnow().date()

    def report_90() -> object:
        with db.read() as s:
            return trends.report(
                session=s, actor=manager, start=today - timedelta(days=90), end=today
            )

    def report_all() -> object:
        with db.read() as s:
            return trends.report(session=s, actor=manager)

    print("Services (in-process):", flush=True)
    report("list_queue, page 1 of open cases", timed(page))
    report("count_open(urgent)", timed(count))
    report("claim + release (two commits)", timed(claim_release))
    report("expected_recovery_band", timed(band, 3))
    report("trends.report, last 90 days", timed(report_90, 3))
    report("trends.report, all time", timed(report_all, 3))


# ---- browser -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "CHECKINS_DATABASE_URL": url, "CHECKINS_HOME": str(home)}
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "streamlit"),
            "run",
            str(ROOT / "dashboard" / "serve.py"),
            *("--server.port", str(port), "--server.headless", "true"),
            *("--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("streamlit did not start within 60 s")


def browser_timings(base: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(base)
        page.get_by_role("textbox", name="Username").fill(PROVIDER[0])
        page.get_by_role("textbox", name="Password").fill(PROVIDER[2])
        t0 = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("select a row to open the case").wait_for()
        page.locator('[data-testid="stDataFrame"]').wait_for()
        first = time.perf_counter() - t0

        def nav(name: str) -> None:
            page.get_by_role("link", name=name, exact=True).first.click()

        queue_times, trends_times = [], []
        for _ in range(runs):
            nav("Trends")
            t0 = time.perf_counter()
            page.get_by_role("button", name="Download rule false alarms (CSV)").wait_for()
            trends_times.append(time.perf_counter() - t0)
            nav("Queue")
            t0 = time.perf_counter()
            page.get_by_text("select a row to open the case").wait_for()
            page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
            queue_times.append(time.perf_counter() - t0)

        # Open the top case: click its row marker in the table's canvas.
        grid = page.locator('[data-testid="stDataFrame"]').first
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
        page.get_by_role("button", name="Claim").wait_for()
        claims = []
        for _ in range(runs):
            t0 = time.perf_counter()
            page.get_by_role("button", name="Claim").click()
            page.get_by_text("You claimed it.").wait_for()
            claims.append(time.perf_counter() - t0)
            page.get_by_role("button", name="Release").click()
            page.get_by_text("Released.").wait_for()
        browser.close()
    print("Browser (headless Chromium, 1366 px):", flush=True)
    report("sign-in to queue drawn", [first])
    report("queue page (browser)", queue_times)
    report("claim round trip (browser)", claims)
    report("trends page (browser)", trends_times[:1])
    report("trends page again (cached report)", trends_times[1:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkins", type=int, default=100_000)
    ap.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL cluster")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-staff-"))
    cluster = None
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        import pgcluster

        cluster = pgcluster.start_cluster()
        url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{work / 'bench.db'}"
    db = Database.connect(url)
    try:
        schema.upgrade(db.engine)
        t0 = time.perf_counter()
        counts = populate(db, args.checkins)
        print(
            f"Staff pages bench on {db.engine.dialect.name}: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
            + f" (written in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        service_timings(db)
        if not args.no_browser:
            proc, base = start_server(url, work)
            try:
                browser_timings(base, args.runs)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    finally:
        db.dispose()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
