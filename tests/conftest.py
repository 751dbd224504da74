"""Fixtures shared by the whole suite.

Databases: ``db`` runs a test twice, on SQLite and on a real PostgreSQL server (a throwaway
cluster started once per session by ``pg_cluster``); ``sqlite_db`` and ``pg_db`` pick one
backend. Each yields a migrated ``Database`` on a database of its own; ``empty_db`` yields one
with no tables, for migration tests. PostgreSQL databases are copied from a template migrated
once per session, so a fresh one costs a few tens of milliseconds.

Every test gets its own ``CHECKINS_HOME`` and no ``CHECKINS_DATABASE_URL``, so nothing writes into
the repository's ``var/`` or reaches a developer's database.

The suite runs in one process; pytest-xdist is not needed. Nothing here depends on it, and under
it each worker would simply start its own cluster.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.photos import PhotoStore

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # so tests and benches can `import pgcluster`
    sys.path.insert(0, str(TESTS))

import pgcluster  # noqa: E402 - needs the path above

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PG_TEMPLATE = "checkins_template"


@pytest.fixture(autouse=True)
def checkins_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "checkins-home"
    home.mkdir()
    monkeypatch.setenv("CHECKINS_HOME", str(home))
    monkeypatch.delenv("CHECKINS_DATABASE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    """A real PostgreSQL server for the whole session; stopped and removed at the end."""
    cluster = pgcluster.start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: pgcluster.Cluster) -> str:
    """The name of a database migrated to head, to copy per test (CREATE DATABASE ... TEMPLATE)."""
    pg_cluster.create_database(PG_TEMPLATE)
    database = Database.connect(pg_cluster.url_for(PG_TEMPLATE))
    try:
        schema.upgrade(database.engine)
    finally:
        database.dispose()  # a template must have no open connections when it is copied
    return PG_TEMPLATE


def _fresh_pg(cluster: pgcluster.Cluster, template: str | None) -> Iterator[Database]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    database = Database.connect(cluster.create_database(name, template=template))
    try:
        yield database
    finally:
        database.dispose()
        cluster.drop_database(name)


def _fresh_sqlite(path: Path, *, migrate: bool) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{path}")
    try:
        if migrate:
            schema.upgrade(database.engine)
        yield database
    finally:
        database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in this test's tmp_path."""
    yield from _fresh_sqlite(tmp_path / "checkins.db", migrate=True)


@pytest.fixture
def pg_db(pg_cluster: pgcluster.Cluster, pg_template: str) -> Iterator[Database]:
    """A migrated PostgreSQL database of this test's own, dropped afterwards."""
    yield from _fresh_pg(pg_cluster, pg_template)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Database:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    # Looked up lazily so that `-m "not postgres"` never starts the cluster.
    fixture = "sqlite_db" if request.param == "sqlite" else "pg_db"
    database: Database = request.getfixturevalue(fixture)
    return database


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables at all (not migrated), once per backend."""
    if request.param == "sqlite":
        yield from _fresh_sqlite(tmp_path / "empty.db", migrate=False)
    else:
        yield from _fresh_pg(request.getfixturevalue("pg_cluster"), None)


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    """An empty photo store in this test's tmp_path."""
    return PhotoStore(tmp_path / "photos")
