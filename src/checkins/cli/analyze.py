"""What ``checkins analyze`` and ``checkins card`` do (cli/photos.py wires them up, importing
this module only when one of them runs: it pulls in OpenCV and NumPy).

``analyze_command`` prints one JSON object per input, in input order (JSON Lines), and returns 0
when every input was analysed, 2 otherwise. It never raises for a bad input: unreadable paths and
refused photos become ``{"path": ..., "ok": false, "error": {...}}`` lines. Each photo is analysed
in a worker process with a deadline, so a hostile file costs at most ``timeout`` seconds. The
photos run concurrently, one worker per core, from a pool started once per command.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from checkins.domain import CheckinsError
from checkins.imaging.card import card_pdf, card_png
from checkins.imaging.decode import MAX_UPLOAD_BYTES, rejected
from checkins.imaging.isolate import run_isolated, start_forked_pool
from checkins.imaging.pipeline import analyze_bytes
from checkins.imaging.results import PhotoAnalysis
from checkins.imaging.zones import region_png

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


def analyze_path(path: str) -> PhotoAnalysis:
    """Read and analyse one file (in a worker: the photo's bytes never cross a pipe)."""
    return analyze_bytes(_read(path))


def analyze_one(
    path: str, *, timeout: float = ANALYZE_TIMEOUT, mask_to: Path | None = None
) -> dict[str, object]:
    """The contract's JSON object for one path (never raises for a bad input).

    With ``mask_to``, the measured region is written there as a PNG (``"mask"`` in the JSON):
    0 outside, one grey level per zone (``checkins.imaging.zones.ZONE_CODES`` × 40), on the
    colour grid the metrics were taken on.
    """
    try:
        analysis = run_isolated(analyze_path, path, timeout=timeout)
    except CheckinsError as exc:
        return {"path": path, **exc.to_json()}
    except OSError:
        err = CheckinsError("The file could not be read.", code="unreadable")
        return {"path": path, **err.to_json()}
    result: dict[str, object] = {"path": path, "ok": True, **analysis.to_json()}
    if mask_to is not None and analysis.region_labels is not None:
        try:
            mask_to.write_bytes(region_png(analysis.region_labels * 40))
        except OSError as exc:
            err = CheckinsError(f"The mask could not be written: {exc.strerror}.", code="mask_out")
            return {"path": path, **err.to_json()}
        result["mask"] = str(mask_to)
    return result


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
    workers = min(len(paths), os.cpu_count() or 1)
    if workers >= 1 and not _has_threads():
        start_forked_pool(workers)  # before the dispatching threads below exist
    # One thread per worker hands photos to the pool; ``map`` yields the results in input
    # order, each as soon as it and every earlier one are done.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
        jobs = zip(paths, masks, strict=True)
        for result in threads.map(lambda j: analyze_one(j[0], timeout=timeout, mask_to=j[1]), jobs):
            if not result.get("ok"):
                status = 2
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
    return status


def _has_threads() -> bool:
    """True when this process runs threads besides the main one (then forking is not safe)."""
    import threading

    return threading.active_count() > 1


def card_command(out_path: str, *, err: TextIO | None = None) -> int:
    """Write the reference card to ``out_path`` (.pdf or .png, by suffix); 0 or 2."""
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
