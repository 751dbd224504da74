"""Schema migrations (Alembic), run programmatically so `checkins init` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _foreign_keys(conn: Connection, on: bool) -> None:
    """SQLite rebuilds a table to alter it (Alembic's batch mode); with foreign keys enforced,
    dropping the old copy of a table that others reference fails once it has rows. The pragma
    only takes effect outside a transaction, so it is set on the driver connection first."""
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = _config(engine)
    with engine.connect() as conn:
        _foreign_keys(conn, False)
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            _foreign_keys(conn, True)


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = _config(engine)
    with engine.connect() as conn:
        _foreign_keys(conn, False)
        try:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
            conn.commit()
        finally:
            _foreign_keys(conn, True)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the models (a developer tool: `python -m ...schema`)."""
    cfg = _config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


if __name__ == "__main__":  # pragma: no cover
    import sys

    from checkins.storage.db import make_engine

    eng = make_engine("sqlite:////tmp/checkins-autogen.db")
    upgrade(eng)
    revision(eng, sys.argv[1] if len(sys.argv) > 1 else "change")
