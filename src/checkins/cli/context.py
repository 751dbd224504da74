"""What every command shares: the actor it acts as, the database, the photo store, and
reading input files safely."""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checkins.domain import InvalidInput, Role

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    from checkins.links import LinkKey
    from checkins.services.views import Actor
    from checkins.storage.db import Database
    from checkins.storage.photos import BlobStore


EXIT_OK = 0
EXIT_INPUT = 2


def cli_actor() -> Actor:
    """The actor the command line acts as (recorded in the audit log)."""
    from checkins.services.views import Actor

    return Actor(role=Role.ADMIN, name="checkins command")


def _now() -> datetime:
    from checkins.domain import utcnow

    return utcnow()


def home() -> Path:
    from checkins.storage.db import home as db_home

    return db_home()


def photo_store() -> BlobStore:
    from checkins.storage.photos import open_store

    try:
        return open_store(os.environ.get("CHECKINS_PHOTO_STORE"), home())
    except ValueError as exc:
        raise InvalidInput(str(exc), code="photo_store") from None


def link_key() -> LinkKey:
    """The link key, read once per command (from $CHECKINS_SECRET_KEY or its file) and passed
    to whatever signs or verifies a link."""
    from checkins.links import load_key

    return load_key()


def _connect(migrate: bool = True) -> Database:
    from checkins.storage import schema
    from checkins.storage.db import Database

    db = Database.connect()
    if migrate:
        schema.upgrade(db.engine)
    return db


MAX_CHECKIN_FILE_BYTES = 1_000_000  # a check-in's JSON is a few hundred bytes


MAX_PHOTO_FILE_BYTES = 25 * 1024 * 1024  # as imaging.MAX_UPLOAD_BYTES; intake checks again


def _read(path: str, limit: int = MAX_PHOTO_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit``: /dev/zero, a FIFO or a directory is refused
    with a sentence instead of reading forever (or blocking on a FIFO with no writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise InvalidInput(
            f"Cannot read {path}: {e.strerror or e}.", code="unreadable_file"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InvalidInput(
            f"Cannot read {path}: it is not a regular file (a device, a pipe or a directory).",
            code="unreadable_file",
        )
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > limit:
            raise InvalidInput(
                f"{path} is too large ({info.st_size:,} bytes; at most {limit:,}).",
                code="file_too_large",
            )
        try:
            data = fh.read(limit + 1)
        except OSError as e:
            raise InvalidInput(
                f"Cannot read {path}: {e.strerror or e}.", code="unreadable_file"
            ) from None
    if len(data) > limit:  # it grew while we read
        raise InvalidInput(f"{path} is too large (at most {limit:,} bytes).", code="file_too_large")
    return data


def _iso_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} is a date like 1980-04-17, not “{text}”.") from None
