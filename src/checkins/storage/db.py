"""Engine and session factory for SQLite (default) and PostgreSQL (by URL).

SQLite gets WAL, a busy timeout and foreign keys on every connection, and starts each write
transaction with BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe), so a transaction that
reads then writes takes the write lock up front and never fails with "database is locked" when
another writer holds it: it waits for the busy timeout instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "checkins_read_only"


def home() -> Path:
    """Where the default database and photo store live: $CHECKINS_HOME, else ./var."""
    return Path(os.environ.get("CHECKINS_HOME", "var"))


def default_url() -> str:
    url = os.environ.get("CHECKINS_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{home() / 'checkins.db'}"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or default_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if "///" in url and not path.startswith("file:"):
                private_sqlite_files(Path(path.split("?", 1)[0]))
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _sqlite_pragmas(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # JIT compiles the trend queries for longer than they run (EXPLAIN ANALYZE: 280 ms of JIT
    # for a 25 ms query at 10k check-ins); the queries here are short, so leave it off.
    connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_sqlite_files(path: Path) -> None:
    """Make the database file 0600 before SQLite opens it (tightening an older, wider one).

    SQLite gives its -wal, -shm and -journal files the main file's permissions, so they follow;
    any left from before are tightened too. The patients' data is readable by this user only,
    like the photos and the link key.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        try:
            if side.stat().st_mode & 0o077:
                side.chmod(0o600)
        except FileNotFoundError:
            pass


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, say when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    """One engine and its session factories; the dashboard caches one per URL."""

    engine: Engine
    _writer: sessionmaker[Session]
    _reader: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str | None = None, **kwargs: Any) -> Database:
        engine = make_engine(url, **kwargs)
        reader_engine = engine.execution_options(**{READ_ONLY: True})
        return cls(
            engine=engine,
            _writer=sessionmaker(engine, expire_on_commit=False),
            _reader=sessionmaker(reader_engine, expire_on_commit=False),
        )

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._writer() as s, s.begin():
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (on SQLite it does not take the write lock)."""
        with self._reader() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
