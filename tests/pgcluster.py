"""A throwaway PostgreSQL cluster for the tests and the benchmarks: real server, never a mock.

    cluster = start_cluster()
    url = cluster.create_database("scratch")   # postgresql+psycopg://postgres@127.0.0.1:PORT/scratch
    ...
    cluster.stop()                              # pg_ctl stop -m immediate, then the directory goes

The cluster lives in a fresh temporary directory (data, unix socket and log), owned by the
``postgres`` user when we run as root, because ``initdb`` and ``postgres`` refuse to run as root.
It listens on a free TCP port on 127.0.0.1 with trust authentication and without fsync: it is
for tests only. Where no server binaries exist, root installs them with apt-get; anyone else gets
a loud error, never a skip.

Run ``python tests/pgcluster.py`` to start one by hand and print its URL (Ctrl-C stops it).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

PG_USER = "postgres"
PREFERRED_VERSION = "15"
_LIB = Path("/usr/lib/postgresql")
# A unix socket path must fit in sun_path (108 bytes) with ".s.PGSQL.NNNNN" appended.
_MAX_SOCKET_DIR = 80


class ClusterError(RuntimeError):
    """The throwaway cluster could not be found, installed, started or used."""


@dataclass
class Cluster:
    """A running throwaway server. ``url`` points at its ``postgres`` database."""

    bindir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    _stopped: bool = field(default=False, repr=False)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A plain autocommit psycopg connection (for CREATE/DROP DATABASE and checks)."""
        return psycopg.connect(
            host=self.host, port=self.port, user=PG_USER, dbname=dbname, autocommit=True
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``) and return its URL."""
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            # FILE_COPY: for a small template, copying files beats WAL-logging every page.
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        with self.connect() as conn:
            conn.execute(query)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still in it."""
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        """Stop the server at once (``-m immediate``) and remove its directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if (self.datadir / "postmaster.pid").exists():
                pg_ctl = str(self.bindir / "pg_ctl")
                _run_as_pg(
                    [pg_ctl, "stop", "-D", str(self.datadir), "-m", "immediate", "-w"],
                    cwd=self.root,
                    check=False,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def find_bindir(*, install: bool = True) -> Path:
    """The directory holding initdb/pg_ctl: $PG_BINDIR, else /usr/lib/postgresql/<ver>/bin.

    Prefers version 15 (what production runs), else the newest found. As root, installs the
    ``postgresql`` package when nothing is found; otherwise raises ``ClusterError``.
    """
    env = os.environ.get("PG_BINDIR")
    if env:
        if not (Path(env) / "initdb").exists():
            raise ClusterError(f"PG_BINDIR={env} has no initdb")
        return Path(env)
    found = _installed_bindir()
    if found is None and install:
        _apt_install()
        found = _installed_bindir()
    if found is None:
        raise ClusterError(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; "
            "install them (`apt-get install -y postgresql`) or set PG_BINDIR"
        )
    return found


def _installed_bindir() -> Path | None:
    candidates = [p.parent for p in _LIB.glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    if not candidates:
        return None
    for c in candidates:
        if c.parent.name == PREFERRED_VERSION:
            return c
    return max(candidates, key=lambda c: _version_key(c.parent.name))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split(".") if x.isdigit())


def _apt_install() -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ClusterError(
            "PostgreSQL server binaries are missing and cannot be installed here "
            "(needs root and apt-get): run `apt-get install -y postgresql`"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    if subprocess.run(cmd, env=env, check=False, capture_output=True).returncode != 0:
        # A fresh machine may have empty package lists: refresh them once and try again.
        subprocess.run(["apt-get", "update"], env=env, check=False, capture_output=True)
        done = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise ClusterError(f"apt-get install postgresql failed:\n{done.stderr[-2000:]}")


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_pg(
    args: list[str], *, cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a server tool, as the postgres user when we are root (initdb refuses root)."""
    if _as_root():
        args = ["runuser", "-u", PG_USER, "--", *args]
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise ClusterError(
            f"{' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _make_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="checkins-pg-"))
    if len(str(root)) > _MAX_SOCKET_DIR:  # a long $TMPDIR would break the unix socket path
        shutil.rmtree(root)
        root = Path(tempfile.mkdtemp(prefix="checkins-pg-", dir="/tmp"))
    if _as_root():
        try:
            pw = pwd.getpwnam(PG_USER)
        except KeyError:
            shutil.rmtree(root)
            raise ClusterError(
                f"running as root but there is no {PG_USER!r} user to run the server as"
            ) from None
        os.chown(root, pw.pw_uid, pw.pw_gid)
    root.chmod(0o700)
    return root


def start_cluster(*, attempts: int = 5) -> Cluster:
    """initdb a fresh cluster in a temporary directory and start it on a free port.

    The cluster is also stopped at interpreter exit, should the caller forget or crash.
    """
    bindir = find_bindir()
    root = _make_root()
    try:
        _run_as_pg(
            [
                str(bindir / "initdb"),
                *("-D", str(root / "data"), "-A", "trust", "-U", PG_USER, "-E", "UTF8"),
                *("--no-locale", "--no-sync", "--no-instructions"),
            ],
            cwd=root,
        )
        last = ""
        for _ in range(attempts):
            cluster = Cluster(bindir=bindir, root=root, port=_free_port("127.0.0.1"))
            options = " ".join(
                [
                    f"-p {cluster.port}",
                    f"-k {root}",
                    f"-h {cluster.host}",
                    # Throwaway data: durability buys nothing and costs seconds.
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            done = _run_as_pg(
                [
                    str(bindir / "pg_ctl"),
                    *("start", "-D", str(cluster.datadir), "-w", "-t", "60"),
                    *("-l", str(cluster.logfile), "-o", options),
                ],
                cwd=root,
                check=False,
            )
            if done.returncode == 0:
                _wait_ready(cluster)
                atexit.register(cluster.stop)
                return cluster
            last = cluster.logfile.read_text(errors="replace") if cluster.logfile.exists() else ""
            last += done.stderr
            if "could not bind" not in last and "already in use" not in last:
                break  # not a port race: retrying will not help
        raise ClusterError(f"pg_ctl start failed:\n{last[-3000:]}")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with cluster.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.05)


if __name__ == "__main__":  # pragma: no cover - a manual tool
    c = start_cluster()
    print(c.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt), c:
        while True:
            time.sleep(3600)
