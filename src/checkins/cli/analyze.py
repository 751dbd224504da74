"""What ``checkins analyze`` and ``checkins card`` do (cli/photos.py wires them up, importing
this module only when one of them runs).

``analyze_command`` prints one JSON object per input, in input order (JSON Lines), and returns 0
when every input was analysed, 2 otherwise. It never raises for a bad input: unreadable paths and
refused photos become ``{"path": ..., "ok": false, "error": {...}}`` lines. The photos run in a
supervised worker process (``checkins.imaging.batch``), a thread per core, each photo with its
own deadline, so a hostile file costs at most ``timeout`` seconds and a crashing one is refused
alone. This module imports Pillow only: the worker imports NumPy and OpenCV while its other
threads already decode the first photos.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from checkins.domain import CheckinsError
from checkins.imaging import batch
from checkins.imaging.opening import ANALYSIS_EDGE, MAX_UPLOAD_BYTES, Loaded, load_reduced, rejected

ANALYZE_TIMEOUT = 10.0


def _read(path: str) -> bytes:
    """The file's bytes, refusing before reading when it is over the upload cap."""
    p = Path(path)
    if not p.exists():
        raise CheckinsError("There is no file at this path.", code="not_found")
    if not p.is_file():
        # A folder, a pipe or a device: reading it could block or never end.
        raise CheckinsError(
            "This is not a photo file; give the path of a photo.", code="not_a_file"
        )
    if p.stat().st_size > MAX_UPLOAD_BYTES:
        raise rejected("too_large_file")
    with p.open("rb") as fh:
        data = fh.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise rejected("too_large_file")
    return data


def warm_imaging() -> None:
    """In a batch child: NumPy, OpenCV and the models, once, and their first-call costs; OpenCV
    with one thread of its own, since there is a thread per core already (its pool would only
    fight them for the cores)."""
    import cv2

    from checkins.imaging.pipeline import warm_up

    if cv2.getNumThreads() != 1:  # set in the parent already when it had used OpenCV
        cv2.setNumThreads(1)
    warm_up()


class _Analyze:
    """The work on each path, for ``batch.run``: read and decode (Pillow), then analyse.

    With a mask path for a photo, the measured region is written there as a PNG (``"mask"`` in
    the JSON): 0 outside, one grey level per zone (``checkins.imaging.zones.ZONE_CODES`` × 40),
    on the colour grid the metrics were taken on.
    """

    def __init__(self, paths: Sequence[str], masks: Sequence[Path | None]) -> None:
        self.paths = paths
        self.masks = masks

    def _error(self, i: int, exc: CheckinsError) -> dict[str, Any]:
        return {"path": self.paths[i], **exc.to_json()}

    def warm(self) -> None:
        warm_imaging()

    def prepare(self, i: int) -> Loaded | dict[str, Any]:
        try:
            return load_reduced(_read(self.paths[i]), min_edge=ANALYSIS_EDGE)
        except CheckinsError as exc:
            return self._error(i, exc)
        except OSError:
            return self._error(i, CheckinsError("The file could not be read.", code="unreadable"))

    def finish(self, i: int, prepared: Loaded) -> dict[str, Any]:
        from checkins.imaging.pipeline import analyze_loaded
        from checkins.imaging.zones import region_png

        try:
            analysis = analyze_loaded(prepared)
        except CheckinsError as exc:
            return self._error(i, exc)
        result: dict[str, Any] = {"path": self.paths[i], "ok": True, **analysis.to_json()}
        mask_to = self.masks[i]
        if mask_to is not None and analysis.region_labels is not None:
            try:
                mask_to.write_bytes(region_png(analysis.region_labels * 40))
            except OSError as exc:
                err = CheckinsError(
                    f"The mask could not be written: {exc.strerror}.", code="mask_out"
                )
                return self._error(i, err)
            result["mask"] = str(mask_to)
        return result

    def refused(self, i: int, code: str) -> dict[str, Any]:
        return self._error(i, rejected(code))


def _mask_paths(paths: Sequence[str], mask_out: str | None) -> list[Path | None]:
    """One PNG path per input in ``mask_out`` (numbered, so equal file names never collide)."""
    if mask_out is None:
        return [None] * len(paths)
    folder = Path(mask_out)
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(len(paths)))
    return [
        folder / f"{i:0{width}d}-{Path(p).stem[:80]}.region.png" for i, p in enumerate(paths, 1)
    ]


def analyze_command(
    paths: Sequence[str],
    *,
    out: TextIO,
    timeout: float = ANALYZE_TIMEOUT,
    mask_out: str | None = None,
) -> int:
    """Analyse each path and print its JSON line to ``out``; 0 if all were ok, else 2."""
    status = 0
    try:
        masks = _mask_paths(paths, mask_out)
    except OSError as exc:
        err = CheckinsError(f"The folder for the masks could not be made: {exc.strerror}.")
        out.write(json.dumps({"path": mask_out, **err.to_json()}) + "\n")
        return 2
    job = _Analyze(paths, masks)
    if threading.active_count() > 1:
        results = _in_spawned_workers(job, timeout=timeout)
    else:
        results = _in_forked_worker(job, timeout=timeout)
    done: dict[int, dict[str, Any]] = {}
    shown = 0
    # Each line is printed as soon as it and every earlier one are known.
    for i, result in results:
        done[i] = result
        while shown in done:
            line = done.pop(shown)
            if not line.get("ok"):
                status = 2
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            shown += 1
    return status


def _in_forked_worker(job: _Analyze, *, timeout: float) -> Iterator[tuple[int, dict[str, Any]]]:
    """The fast way (``checkins.imaging.batch``), for a process that runs no other thread."""
    return batch.run(job, len(job.paths), width=os.cpu_count() or 1, timeout=timeout)


def _in_spawned_workers(job: _Analyze, *, timeout: float) -> Iterator[tuple[int, dict[str, Any]]]:
    """Where this process runs other threads (a library caller, a test), forking is not safe:
    each photo goes to the spawned imaging pool instead (``isolate``), with the same deadline."""
    from concurrent.futures import ThreadPoolExecutor

    from checkins.imaging.isolate import MAX_WORKERS, run_isolated
    from checkins.imaging.opening import PhotoRejected

    def one(i: int) -> tuple[int, dict[str, Any]]:
        mask = job.masks[i]
        try:
            return i, run_isolated(_alone, (job.paths[i], mask), timeout=timeout)
        except PhotoRejected as exc:
            return i, job.refused(i, exc.code)

    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as threads:
        yield from threads.map(one, range(len(job.paths)))


def _alone(item: tuple[str, Path | None]) -> dict[str, Any]:
    """One photo's whole work, in a spawned worker (its pool has set OpenCV's threads; the
    first photo imports the pipeline, with no warm-up: nothing decodes beside it)."""
    job = _Analyze([item[0]], [item[1]])
    prepared = job.prepare(0)
    return prepared if isinstance(prepared, dict) else job.finish(0, prepared)


def card_command(out_path: str, *, err: TextIO | None = None) -> int:
    """Write the reference card to ``out_path`` (.pdf or .png, by suffix); 0 or 2."""
    from checkins.imaging.card import card_pdf, card_png

    stream = sys.stderr if err is None else err
    suffix = Path(out_path).suffix.lower()
    if suffix == ".pdf":
        data = card_pdf()
    elif suffix == ".png":
        data = card_png()
    else:
        stream.write("The card can be written as a .pdf or a .png file; please use one of those.\n")
        return 2
    try:
        Path(out_path).write_bytes(data)
    except OSError as exc:
        stream.write(f"The card could not be written to {out_path}: {exc.strerror}.\n")
        return 2
    return 0
