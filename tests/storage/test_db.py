"""Database: connection settings, units of work, and concurrent writers on SQLite."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from checkins.storage import db as dbmod
from checkins.storage import schema
from checkins.storage.db import SQLITE_BUSY_TIMEOUT_MS, Database, make_engine
from checkins.storage.models import Patient, Treatment

THREADS = 8
ROUNDS = 5


def _patients(database: Database) -> list[str]:
    with database.read() as r:
        return list(r.scalars(select(Patient.display_name).order_by(Patient.id)))


def _run_threads(target: Callable[[int], None], n: int = THREADS) -> list[BaseException]:
    """Run ``target(i)`` in n threads released together; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def worker(i: int) -> None:
        start.wait()
        try:
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a worker hung"
    return errors


# --- settings ---------------------------------------------------------------------------


def _pragmas(dbapi_connection: Any) -> tuple[str, int, int]:
    cur = dbapi_connection.cursor()
    try:
        journal = cur.execute("PRAGMA journal_mode").fetchone()[0]
        fks = cur.execute("PRAGMA foreign_keys").fetchone()[0]
        busy = cur.execute("PRAGMA busy_timeout").fetchone()[0]
    finally:
        cur.close()
    return journal, fks, busy


def test_sqlite_settings_on_every_pooled_connection(sqlite_db: Database) -> None:
    expected = ("wal", 1, SQLITE_BUSY_TIMEOUT_MS)
    # Hold several at once, so the pool must open distinct DBAPI connections.
    conns = [sqlite_db.engine.connect() for _ in range(4)]
    try:
        raw = [c.connection.dbapi_connection for c in conns]
        assert len({id(r) for r in raw}) == len(raw)
        for r in raw:
            assert _pragmas(r) == expected
    finally:
        for c in conns:
            c.close()
    # And through the session factories, after the pool has handed connections back.
    with sqlite_db.session() as s:
        assert _pragmas(s.connection().connection.dbapi_connection) == expected
    with sqlite_db.read() as r:
        assert _pragmas(r.connection().connection.dbapi_connection) == expected


def test_sqlite_settings_survive_a_pool_reset(sqlite_db: Database) -> None:
    sqlite_db.engine.dispose()
    with sqlite_db.engine.connect() as conn:
        assert _pragmas(conn.connection.dbapi_connection) == ("wal", 1, SQLITE_BUSY_TIMEOUT_MS)


def test_foreign_key_violation_is_refused(db: Database) -> None:
    orphan = Treatment(
        clinic_id=1,
        patient_id=999_999,
        procedure="microneedling",
        treated_at=datetime(2026, 1, 5, 9),
    )
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(orphan)
    with db.read() as r:
        assert r.scalar(select(func.count()).select_from(Treatment)) == 0


def test_postgresql_url_uses_psycopg3() -> None:
    engine = make_engine("postgresql://clinic:secret@db.example:5432/checkins")
    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    database = Database(engine=engine, _writer=None, _reader=None)  # type: ignore[arg-type]
    assert "secret" not in database.url


def test_default_database_lives_undercheckins_home(checkins_home: Path) -> None:
    assert dbmod.default_url() == f"sqlite:///{checkins_home / 'checkins.db'}"
    database = Database.connect()
    try:
        schema.upgrade(database.engine)
    finally:
        database.dispose()
    assert (checkins_home / "checkins.db").exists()


# --- units of work ----------------------------------------------------------------------


def test_session_commits_on_success(db: Database) -> None:
    with db.session() as s:
        s.add(Patient(clinic_id=1, display_name="Ada"))
    assert _patients(db) == ["Ada"]


def test_session_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"), db.session() as s:
        s.add(Patient(clinic_id=1, display_name="Ada"))
        s.flush()
        raise RuntimeError("boom")
    assert _patients(db) == []


# --- concurrency ------------------------------------------------------------------------


def _read_then_write(database: Database) -> Callable[[int], None]:
    def work(i: int) -> None:
        for round_ in range(ROUNDS):
            with database.session() as s:
                seen = s.scalar(select(func.count()).select_from(Patient))
                time.sleep(0.002)  # widen the gap between the read and the write
                s.add(Patient(clinic_id=1, display_name=f"seen={seen} by={i}.{round_}"))

    return work


def test_concurrent_read_then_write_loses_nothing(db: Database) -> None:
    errors = _run_threads(_read_then_write(db))
    assert errors == []
    assert len(_patients(db)) == THREADS * ROUNDS


def test_sqlite_read_then_write_transactions_are_serialised(sqlite_db: Database) -> None:
    """BEGIN IMMEDIATE: each transaction sees every earlier one, so every count is distinct."""
    errors = _run_threads(_read_then_write(sqlite_db))
    assert errors == []
    seen = sorted(int(name.split()[0].removeprefix("seen=")) for name in _patients(sqlite_db))
    assert seen == list(range(THREADS * ROUNDS))


def test_without_begin_immediate_the_same_workload_fails(tmp_path: Path) -> None:
    """The control for the tests above: deferred BEGIN gives "database is locked" at once.

    Every thread reads (taking a snapshot), waits for all the others to have read, then
    writes: all but one must upgrade a stale read transaction, which SQLite refuses without
    waiting for the busy timeout.
    """
    engine = create_engine(f"sqlite:///{tmp_path / 'deferred.db'}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    schema.upgrade(engine)
    all_read = threading.Barrier(THREADS)

    def work(i: int) -> None:
        with Session(engine) as s, s.begin():
            s.scalar(select(func.count()).select_from(Patient))
            all_read.wait(timeout=30)
            s.add(Patient(clinic_id=1, display_name=f"by={i}"))

    try:
        errors = _run_threads(work)
    finally:
        engine.dispose()
    assert errors, "deferred transactions all succeeded: this test no longer shows anything"
    assert all(isinstance(e, OperationalError) and "locked" in str(e) for e in errors), errors


def test_sqlite_reader_runs_while_a_writer_holds_the_lock(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        s.add(Patient(clinic_id=1, display_name="committed"))

    second_writer_in = threading.Event()

    def second_writer() -> None:
        with sqlite_db.session() as s2:
            s2.connection()  # the session begins lazily: make it BEGIN IMMEDIATE now
            second_writer_in.set()
            s2.add(Patient(clinic_id=1, display_name="second"))

    with sqlite_db.session() as w:
        w.add(Patient(clinic_id=1, display_name="uncommitted"))
        w.flush()  # the write lock is now held until this block ends
        other = threading.Thread(target=second_writer)
        other.start()

        # This thread holds the write lock until the block ends, so a reader that needed it
        # could never get it: it would fail with "database is locked" after the busy timeout.
        # Reading at all, here, shows that it did not wait for the lock.
        with sqlite_db.read() as r:
            names = list(r.scalars(select(Patient.display_name)))
        assert names == ["committed"]  # and it saw only committed rows
        # The lock really is held: a writer that will not wait is refused at once, and the
        # other writer has not got in.
        probe = sqlite3.connect(sqlite_db.engine.url.database or "", timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")
        finally:
            probe.close()
        assert not second_writer_in.is_set()

    other.join(timeout=30)
    assert second_writer_in.is_set()
    assert _patients(sqlite_db) == ["committed", "uncommitted", "second"]
