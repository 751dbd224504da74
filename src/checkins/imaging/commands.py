"""The ``checkins analyze`` and ``checkins card`` commands, for the CLI to wire up.

``analyze_command`` prints one JSON object per input, in input order (JSON Lines), and returns 0
when every input was analysed, 2 otherwise. It never raises for a bad input: unreadable paths and
refused photos become ``{"path": ..., "ok": false, "error": {...}}`` lines. Each photo is analysed
in a worker process with a deadline, so a hostile file costs at most ``timeout`` seconds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from checkins.domain import CheckinsError
from checkins.imaging.card import card_pdf, card_png
from checkins.imaging.decode import MAX_UPLOAD_BYTES, rejected
from checkins.imaging.isolate import analyze_isolated

ANALYZE_TIMEOUT = 10.0


def _read(path: str) -> bytes:
    """The file's bytes, refusing before reading when it is over the upload cap."""
    p = Path(path)
    if not p.is_file():
        raise CheckinsError("There is no file at this path.", code="not_found")
    if p.stat().st_size > MAX_UPLOAD_BYTES:
        raise rejected("too_large_file")
    with p.open("rb") as fh:
        data = fh.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise rejected("too_large_file")
    return data


def analyze_one(path: str, *, timeout: float = ANALYZE_TIMEOUT) -> dict[str, object]:
    """The contract's JSON object for one path (never raises for a bad input)."""
    try:
        analysis = analyze_isolated(_read(path), timeout=timeout)
    except CheckinsError as exc:
        return {"path": path, **exc.to_json()}
    except OSError:
        err = CheckinsError("The file could not be read.", code="unreadable")
        return {"path": path, **err.to_json()}
    return {"path": path, "ok": True, **analysis.to_json()}


def analyze_command(paths: Sequence[str], *, out: TextIO, timeout: float = ANALYZE_TIMEOUT) -> int:
    """Analyse each path and print its JSON line to ``out``; 0 if all were ok, else 2."""
    status = 0
    for path in paths:
        result = analyze_one(path, timeout=timeout)
        if not result.get("ok"):
            status = 2
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return status


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
