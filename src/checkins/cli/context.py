"""What every command shares: the actor it acts as, the database, the photo store, and
reading input files safely."""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checkins.domain import InvalidInput

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    import argparse

    from sqlalchemy.orm import Session

    from checkins.links import LinkKey
    from checkins.services.views import Actor, ClinicView
    from checkins.storage.db import Database
    from checkins.storage.photos import BlobStore


EXIT_OK = 0
EXIT_INPUT = 2


CLI_NAME = "checkins command"


def chosen_clinic(session: Session, ref: str | None) -> ClinicView:
    """The clinic a command acts for: ``--clinic ID|NAME``, else the only one there is.

    With several clinics and no ``--clinic`` the command refuses with a sentence (exit 2)
    rather than guess whose patients it should touch."""
    from checkins.services import clinic

    if ref:
        return clinic.find_clinic(session=session, ref=ref)
    clinics = clinic.list_clinics(session=session)
    if len(clinics) == 1:
        return clinics[0]
    names = ", ".join(f"{c.id} ({c.name})" for c in clinics)
    raise InvalidInput(
        f"This database holds {len(clinics)} clinics ({names}): say which with --clinic ID "
        "or --clinic NAME.",
        code="clinic_required",
    )


def cli_actor(session: Session, args: argparse.Namespace) -> Actor:
    """The actor the command line acts as, in the clinic of ``--clinic`` (audited as such)."""
    from checkins.services.views import Actor

    chosen = chosen_clinic(session, getattr(args, "clinic", None))
    return Actor.system(chosen.id, CLI_NAME)


def deployment_actor(session: Session) -> Actor:
    """For work on the whole deployment (the photo store's reconcile, adding a clinic): audited
    in the first clinic, since the files and the list of clinics are shared by every clinic."""
    from checkins.services import clinic
    from checkins.services.views import Actor

    return Actor.system(min(c.id for c in clinic.list_clinics(session=session)), CLI_NAME)


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
