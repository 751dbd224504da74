"""`checkins submit`: store one check-in file with its photos, and triage it.

The photos are started first, before this command's own imports (the rules, the models, the
database: most of a second), and are worked on meanwhile. They go to one supervised child process
(``checkins.imaging.batch``), forked at once, with a thread per core: one thread imports NumPy and
OpenCV while the others already stage photos with Pillow and libjpeg-turbo alone (the checks, the
lossless stored copy, the display-scale decode: ``checkins.imaging.stored``). Each photo keeps its
own deadline; its result comes back as a pickle in a private temporary folder.

A process that already runs other threads (a test server, a library caller) cannot fork safely:
there each photo goes to the spawned imaging pool (``checkins.imaging.isolate``) instead, with the
same deadline.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from checkins.cli import output
from checkins.cli.context import (
    EXIT_OK,
    MAX_CHECKIN_FILE_BYTES,
    _connect,
    _now,
    _read,
    cli_actor,
    photo_store,
)
from checkins.domain import MAX_PHOTOS, CheckinsError, InvalidInput

if TYPE_CHECKING:  # imported where used: every other command loads this module too
    from checkins.imaging.batch import Batch
    from checkins.imaging.results import ProcessedPhoto
    from checkins.imaging.stored import Staged

PHOTO_TIMEOUT = 10.0  # seconds of work per photo, as intake's imaging workers allow
Result = dict[str, Any]


def _error(exc: CheckinsError) -> Result:
    return {"ok": False, "kind": type(exc).__name__, "code": exc.code, "message": exc.message}


def _raised(result: Result) -> CheckinsError:
    """The refusal a child reported, as the exception intake would have raised."""
    from checkins.imaging.opening import PhotoRejected

    kinds: dict[str, type[CheckinsError]] = {
        "PhotoRejected": PhotoRejected,
        "InvalidInput": InvalidInput,
    }
    kind = kinds.get(str(result["kind"]), CheckinsError)
    return kind(str(result["message"]), code=str(result["code"]))


class _Store:
    """The work on each photo, for ``batch.run``: stage it (Pillow and libjpeg-turbo), then the
    renditions and the analysis (NumPy and OpenCV), pickled into ``folder``."""

    def __init__(self, paths: Sequence[Path], folder: Path) -> None:
        self.paths = paths
        self.folder = folder

    def warm(self) -> None:
        from checkins.cli.analyze import warm_imaging

        warm_imaging()

    def prepare(self, i: int) -> Staged | Result:
        from checkins.imaging.stored import stage

        try:
            return stage(_read(str(self.paths[i])))
        except CheckinsError as exc:
            return _error(exc)

    def finish(self, i: int, prepared: Staged) -> Result:
        from checkins.imaging.pipeline import process_staged

        try:
            processed = process_staged(prepared)
        except CheckinsError as exc:
            return _error(exc)
        out = self.folder / f"{i}.pickle"
        out.write_bytes(pickle.dumps(processed, protocol=pickle.HIGHEST_PROTOCOL))
        return {"ok": True}

    def refused(self, i: int, code: str) -> Result:
        from checkins.imaging.opening import rejected

        return _error(rejected(code))


def _alone(path: Path) -> ProcessedPhoto:
    from checkins.imaging import isolate

    return isolate.process_photo_isolated(_read(str(path)), timeout=PHOTO_TIMEOUT)


class Photos:
    """The photos of one check-in, started when made; ``processed()`` waits for them."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(dict.fromkeys(paths))
        self._folder: Path | None = None
        self._batch: Batch | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Path, Future[ProcessedPhoto]] = {}
        if threading.active_count() > 1:
            from checkins.imaging.isolate import MAX_WORKERS

            # One thread per imaging worker: the photos are worked on side by side.
            self._pool = ThreadPoolExecutor(max_workers=MAX_WORKERS)
            self._futures = {p: self._pool.submit(_alone, p) for p in self.paths}
            return
        from checkins.imaging import batch

        self._folder = Path(tempfile.mkdtemp(prefix="checkins-submit-"))
        job = _Store(self.paths, self._folder)
        self._batch = batch.run(
            job, len(self.paths), width=os.cpu_count() or 1, timeout=PHOTO_TIMEOUT
        )

    def processed(self, paths: Sequence[Path]) -> list[ProcessedPhoto]:
        """Each photo of ``paths`` processed, in order; raises the first one's refusal."""
        if self._batch is None:
            return [self._futures[p].result() for p in paths]
        assert self._folder is not None
        results: dict[int, Result] = dict(self._batch)
        index = {p: i for i, p in enumerate(self.paths)}
        out = []
        for p in paths:
            r = results[index[p]]
            if not r.get("ok"):
                raise _raised(r)
            # Written by this command's own child, into the folder made for it (mode 0700).
            pickled = (self._folder / f"{index[p]}.pickle").read_bytes()
            out.append(pickle.loads(pickled))  # noqa: S301
        return out

    def close(self) -> None:
        if self._batch is not None:
            self._batch.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Photos:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _photo_paths(raw: bytes, base: Path) -> list[Path] | None:
    """The photo paths a check-in file names, read with ``json`` alone; None if it names none
    clearly, or too many (the full validation, later, says what is wrong)."""
    import json

    try:
        photos = json.loads(raw).get("photos")
    except (ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(photos, list) or not all(isinstance(p, str) and p for p in photos):
        return None
    if not photos or len(photos) > MAX_PHOTOS:
        return None
    return [Path(p) if Path(p).is_absolute() else base / p for p in photos]


def cmd_submit(args: argparse.Namespace, out: TextIO) -> int:
    raw = _read(args.file, MAX_CHECKIN_FILE_BYTES)
    base = Path(args.file).resolve().parent
    early = _photo_paths(raw, base)
    photos = Photos(early) if early else None
    try:
        return _submit(args, out, raw, base, photos)
    finally:
        if photos is not None:
            photos.close()


def _submit(
    args: argparse.Namespace, out: TextIO, raw: bytes, base: Path, photos: Photos | None
) -> int:
    from checkins import rules
    from checkins.services import clinic, intake
    from checkins.validation import parse_checkin_json

    # The rules file is checked before any photo is waited for: a bad one fails first.
    ruleset = rules.load_active_rules()
    inp = parse_checkin_json(raw, now=_now())
    paths = [Path(n) if Path(n).is_absolute() else base / n for n in inp.photos]
    if photos is None or photos.paths != list(dict.fromkeys(paths)):
        if photos is not None:
            photos.close()
        photos = Photos(paths)  # closed by the caller's ``finally`` only when it made it
    with photos:
        csid = (
            inp.client_submission_id
            or uuid.uuid5(uuid.NAMESPACE_URL, raw.decode("utf-8", "replace")).hex
        )
        db = _connect()
        with db.session() as s:
            # The reads first, while the photos are still being worked on; the writes after.
            actor = cli_actor(s, args)
            own_rules = clinic.get_clinic(session=s, actor=actor).rules_path
            if own_rules:  # this clinic's own rule file, not the deployment's
                ruleset = rules.load_clinic_rules(own_rules)
            stored = intake.treatment_of_submission(
                session=s, actor=actor, client_submission_id=csid
            )
            # The first refused photo is the one reported, and nothing is stored until all pass.
            prepared = [
                intake.PreparedPhoto(name=intake.display_name(p.name), processed=done)
                for p, done in zip(paths, photos.processed(paths), strict=True)
            ]
            if args.treatment is not None:
                treatment_id = args.treatment
            elif stored is not None:
                treatment_id = stored  # sent before: answer with what was stored, add no patient
            else:
                pid = clinic.create_patient(
                    session=s, actor=actor, display_name="Patient (command line)"
                )
                treatment_id = clinic.create_treatment(
                    session=s,
                    actor=actor,
                    patient_id=pid,
                    procedure=inp.treatment.procedure,
                    treated_at=inp.treatment.treated_at,
                ).id
            result = intake.submit_checkin(
                session=s,
                store=photo_store(),
                actor=actor,
                treatment_id=treatment_id,
                answers=inp.answers,
                photos=prepared,
                client_submission_id=csid,
                submitted_at=inp.submitted_at,
                ruleset=ruleset,
            )
    output.emit(
        out, output.submit_json(result, treatment_id), args.json, output.submit_text(result)
    )
    return EXIT_OK
