"""The database files hold patients' data: 0600 from the first byte, like the photos and key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from checkins import cli
from checkins.storage import schema
from checkins.storage.db import Database
from checkins.storage.models import Patient


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_and_a_write_leave_every_sqlite_file_0600(checkins_home: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        assert cli.main(["init", "--clinic-name", "C", "--phone", "(555) 010-0199"]) == 0
        main = checkins_home / "checkins.db"
        assert _mode(main) == 0o600
        db = Database.connect(f"sqlite:///{main}")
        try:
            with db.session() as s:  # a write while the connection stays open: -wal and -shm
                s.add(Patient(clinic_id=1, display_name="Mode Test"))
            side = [main.with_name(main.name + x) for x in ("-wal", "-shm")]
            assert all(p.exists() for p in side)
            assert {p.name: _mode(p) for p in [main, *side]} == {
                p.name: 0o600 for p in [main, *side]
            }
        finally:
            db.dispose()
    finally:
        os.umask(old)


def test_an_older_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    first = Database.connect(f"sqlite:///{path}")
    schema.upgrade(first.engine)
    first.dispose()
    path.chmod(0o644)
    journal = path.with_name(path.name + "-journal")
    journal.write_bytes(b"")
    journal.chmod(0o644)
    again = Database.connect(f"sqlite:///{path}")
    try:
        assert _mode(path) == 0o600 and _mode(journal) == 0o600
    finally:
        again.dispose()
