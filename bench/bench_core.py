"""The core benchmark (issue 2 §7): the queue's first page and the trends at 1k, 10k and 100k
check-ins, on SQLite and on PostgreSQL. It prints figures; it never asserts a timing.

Goals: the first queue page at 100k costs at most 1.5x what it costs at 1k, and the trends
report for one clinic at 100k check-ins, all time, takes at most 0.25 s (issue 13 §4).

    .venv/bin/python bench/bench_core.py                      # everything (a few minutes)
    .venv/bin/python bench/bench_core.py --sizes 1k,10k --backends sqlite
    .venv/bin/python bench/bench_core.py --sizes 100k --explain   # plus each query's plan

``--clinics N`` puts N clinics of each size in every database but the smallest, which stays one
clinic: the deployment the queue goal is measured against. The figures are always one clinic's
(clinic 1, its provider, its trends). Issue 13 §4's run, 10 clinics x 100k (1M check-ins):

    .venv/bin/python bench/bench_core.py --sizes 1k,100k --clinics 10 --backends postgres

For each backend and size: a fresh database (a SQLite file in a temporary directory, or a
database in a throwaway PostgreSQL 15 cluster from tests/pgcluster.py), migrated with the
project's Alembic migrations, seeded by bench/seed.py. PostgreSQL gets a VACUUM ANALYZE after the
bulk load (autovacuum does the same shortly after in production, inserts included since
PostgreSQL 13, and the visibility map it sets lets the trend tables' ranked reads stay in their
indexes); SQLite gets no ANALYZE, because the application never runs one. Each measurement
opens a fresh read session, as a dashboard request does, and times the service call alone; the
figure is the median after warm-up runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from checkins.domain import Role
from checkins.services import queue, trends
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import User
from checkins.storage.schema import upgrade

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # for pgcluster, the throwaway PostgreSQL cluster
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for seed

import pgcluster  # noqa: E402 - needs the path above
from seed import seed  # noqa: E402 - needs the path above

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
BACKENDS = ("sqlite", "postgres")
QUEUE_GOAL_RATIO = 1.5
TRENDS_GOAL_S = 0.25
RECENT_WEEKS = 26
MANAGER = Actor(role=Role.MANAGER, name="Bench manager", clinic_id=1)

Call = Callable[[Any], object]


def trend_calls() -> dict[str, Call]:
    """Every public aggregate of checkins.services.trends, called as the trends page would."""
    calls: dict[str, Call] = {
        "overview": lambda s: trends.overview(session=s, actor=MANAGER),
        "recovery_curves": lambda s: trends.recovery_curves(session=s, actor=MANAGER),
        "recovery_band": lambda s: trends.expected_recovery_band(
            session=s, actor=MANAGER, procedure="microneedling_rf"
        ),
        "adherence": lambda s: trends.adherence(session=s, actor=MANAGER),
        "queue_volume": lambda s: trends.queue_volume(session=s, actor=MANAGER),
        "review_times": lambda s: trends.review_times(session=s, actor=MANAGER),
        "false_alarm_rates": lambda s: trends.false_alarm_rates(session=s, actor=MANAGER),
    }
    report = getattr(trends, "report", None)  # every table at once, where the module has it
    if report is not None:
        calls["report (all tables)"] = lambda s: report(session=s, actor=MANAGER)
        recent = date.today() - timedelta(weeks=RECENT_WEEKS)
        calls[f"report, last {RECENT_WEEKS} weeks"] = lambda s: report(
            session=s, actor=MANAGER, start=recent
        )
    return calls


@dataclass(frozen=True)
class Figure:
    backend: str
    size: int
    name: str
    median_ms: float
    min_ms: float
    runs: int


def measure(db: Database, call: Call, *, runs: int, warmup: int) -> tuple[float, float]:
    """Median and minimum milliseconds of ``call(session)``, each run in a fresh read session."""
    times: list[float] = []
    gc.collect()  # start each series from a clean heap, not with the seeder's garbage
    for i in range(warmup + runs):
        with db.read() as s:
            t0 = time.perf_counter()
            call(s)
            elapsed = time.perf_counter() - t0
        if i >= warmup:
            times.append(elapsed * 1000.0)
    return statistics.median(times), min(times)


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) run on ``db`` inside the block."""
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


def explain(db: Database, label: str, call: Call) -> None:
    """Print the plan of every statement ``call`` runs (EXPLAIN ANALYZE on PostgreSQL)."""
    with captured(db) as seen, db.read() as s:
        call(s)
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    print(f"\n--- plans: {label} ({len(seen)} statements)")
    with db.engine.connect() as conn:
        for statement, params in seen:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            print("\n" + " ".join(statement.split())[:400])
            rows = conn.exec_driver_sql(prefix + statement, params).all()
            for row in rows:
                print("   ", " | ".join(str(v) for v in row))
        conn.rollback()


def provider(db: Database) -> Actor:
    with db.read() as s:
        uid = s.execute(
            text("SELECT min(id) FROM users WHERE role = 'provider' AND clinic_id = 1")
        ).scalar_one()
    return Actor(role=Role.PROVIDER, name="Bench provider", user_id=int(uid), clinic_id=1)


@contextmanager
def databases(backend: str) -> Iterator[Callable[[int], Database]]:
    """A factory of fresh, empty databases on one backend; everything goes at the end."""
    made: list[Database] = []
    with tempfile.TemporaryDirectory(prefix="checkins-bench-") as tmp:
        cluster = pgcluster.start_cluster() if backend == "postgres" else None

        def fresh(size: int) -> Database:
            if cluster is None:
                db = Database.connect(f"sqlite:///{Path(tmp) / f'bench-{size}.db'}")
            else:
                db = Database.connect(cluster.create_database(f"bench_{size}"))
            made.append(db)
            return db

        try:
            yield fresh
        finally:
            for db in made:
                db.dispose()
            if cluster is not None:
                cluster.stop()


def prepare(db: Database, size: int, open_queue: int | None, clinics: int = 1) -> float:
    """Migrate, seed (``size`` check-ins per clinic) and (on PostgreSQL) analyze; seconds."""
    t0 = time.perf_counter()
    upgrade(db.engine)
    seed(db, checkins=size, open_queue=open_queue, clinics=clinics)
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - t0


def run(args: argparse.Namespace) -> list[Figure]:
    figures: list[Figure] = []
    calls = trend_calls()
    for backend in args.backends:
        with databases(backend) as fresh:
            for size in args.sizes:
                db = fresh(size)
                clinics = 1 if size == min(args.sizes) else args.clinics
                took = prepare(db, size, args.open_queue, clinics)
                who = provider(db)
                with db.read() as s:
                    open_n = queue.count_open(session=s, actor=who)
                    rows = s.query(User).count()
                    current = trends.is_current(session=s, actor=MANAGER)
                print(
                    f"{backend} {clinics} x {size:>7,}: seeded in {took:.1f} s "
                    f"({open_n} open review items, {rows} users, "
                    f"trend tables {'current' if current else 'STALE: the rows are read'})",
                    flush=True,
                )

                def page(s: Any, who: Actor = who) -> object:
                    return queue.list_queue(session=s, actor=who, page=1, page_size=50)

                med, low = measure(db, page, runs=args.queue_runs, warmup=3)
                figures.append(Figure(backend, size, "queue first page", med, low, args.queue_runs))
                for name, call in calls.items():
                    med, low = measure(db, call, runs=args.trend_runs, warmup=1)
                    figures.append(Figure(backend, size, name, med, low, args.trend_runs))
                if args.explain:
                    explain(db, f"{backend} {size:,} queue first page", page)
                    for name, call in calls.items():
                        if not name.startswith("report"):
                            explain(db, f"{backend} {size:,} trends {name}", call)
    return figures


def print_table(figures: list[Figure], sizes: list[int]) -> None:
    names = list(dict.fromkeys(f.name for f in figures))
    backends = list(dict.fromkeys(f.backend for f in figures))
    cell = {(f.backend, f.size, f.name): f for f in figures}
    head = ["median (min) ms"] + [f"{b} {_label(n)}" for b in backends for n in sizes]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name in names:
        vals = [cell.get((b, n, name)) for b in backends for n in sizes]
        shown = [f"{v.median_ms:.1f} ({v.min_ms:.1f})" if v else "—" for v in vals]
        print(f"| {name} | " + " | ".join(shown) + " |")
    print()
    small, large = min(sizes), max(sizes)
    for b in backends:
        q_small = cell.get((b, small, "queue first page"))
        q_large = cell.get((b, large, "queue first page"))
        if q_small and q_large and large > small:
            ratio = q_large.median_ms / q_small.median_ms
            best = q_large.min_ms / q_small.min_ms
            verdict = "met" if ratio <= QUEUE_GOAL_RATIO else "MISSED"
            print(
                f"{b}: queue first page {_label(large)}/{_label(small)} = {ratio:.2f}x of the "
                f"median, {best:.2f}x of the min (goal ≤ {QUEUE_GOAL_RATIO}x: {verdict})"
            )
        total = cell.get((b, large, "report (all tables)"))
        trend_figs = [
            f for f in figures if f.backend == b and f.size == large and f.name in _trend_parts()
        ]
        worst = max(trend_figs, key=lambda f: f.median_ms, default=None)
        if worst is not None:
            summed = sum(f.median_ms for f in trend_figs)
            whole = total.median_ms if total else summed
            verdict = "met" if whole <= TRENDS_GOAL_S * 1000 else "MISSED"
            print(
                f"{b}: trends at {_label(large)}: all tables {whole:.0f} ms, slowest "
                f"{worst.name} {worst.median_ms:.0f} ms (goal ≤ {TRENDS_GOAL_S * 1000:.0f} ms "
                f"for everything: {verdict})"
            )


def _trend_parts() -> set[str]:
    return {n for n in trend_calls() if not n.startswith("report") and n != "recovery_band"}


def _label(n: int) -> str:
    return next((k for k, v in SIZES.items() if v == n), f"{n:,}")


def machine() -> str:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    try:
        server = pgcluster.find_bindir(install=False) / "postgres"
        done = subprocess.run([str(server), "--version"], capture_output=True, text=True)
        pg = done.stdout.strip() or f"PostgreSQL {server.parents[1].name}"
    except pgcluster.ClusterError:
        pg = "PostgreSQL not installed"
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"date {date.today().isoformat()}; load average {load}; {os.cpu_count()} CPUs ({cpu}); "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; {pg}"
    )


def parse_sizes(value: str) -> list[int]:
    out = []
    for part in value.split(","):
        part = part.strip().lower()
        out.append(SIZES[part] if part in SIZES else int(part.replace("_", "")))
    return sorted(set(out))


def parse_backends(value: str) -> list[str]:
    chosen = [b.strip() for b in value.split(",") if b.strip()]
    for b in chosen:
        if b not in BACKENDS:
            raise argparse.ArgumentTypeError(f"unknown backend {b!r}; choose from {BACKENDS}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes, default=list(SIZES.values()))
    parser.add_argument("--backends", type=parse_backends, default=list(BACKENDS))
    parser.add_argument("--queue-runs", type=int, default=25)
    parser.add_argument("--trend-runs", type=int, default=5)
    parser.add_argument(
        "--open-queue",
        type=int,
        default=None,
        help="open review items at every size (default: 60 + check-ins/500, as seed.py does)",
    )
    parser.add_argument("--explain", action="store_true", help="print every query's plan")
    parser.add_argument(
        "--clinics",
        type=int,
        default=1,
        help="clinics in each database but the smallest, each of --sizes check-ins",
    )
    args = parser.parse_args(argv)
    if args.clinics < 1:
        parser.error("--clinics must be at least 1")
    print(machine(), flush=True)
    figures = run(args)
    print_table(figures, args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
