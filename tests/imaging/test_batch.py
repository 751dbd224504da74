"""The supervised worker of `checkins analyze` (checkins.imaging.batch): every photo answered
exactly once, a hanging photo refused at its deadline, a crashing one refused alone."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import threading
from pathlib import Path
from typing import Any

from checkins.imaging import batch


class _Job:
    """Photo ``i`` is "prepared" to ``i * 10`` and finished to a result naming the process.

    ``crash``: photos whose finish kills the worker process; ``hang``: photos whose prepare never
    returns; ``log``: a file each call appends to, so the test can see what ran where.
    """

    def __init__(self, log: Path, *, crash: set[int] = frozenset(), hang: set[int] = frozenset()):
        self.log, self.crash, self.hang = log, crash, hang
        self.warmed = False

    def _note(self, text: str) -> None:
        with self.log.open("a") as fh:
            fh.write(f"{os.getpid()} {text}\n")

    def warm(self) -> None:
        self.warmed = True
        self._note("warm")

    def prepare(self, i: int) -> int | dict[str, Any]:
        if i in self.hang:
            threading.Event().wait()  # a decoder that never returns
        if i == 3:
            return {"i": i, "ok": False, "early": True}  # refused at the first stage
        return i * 10

    def finish(self, i: int, prepared: int) -> dict[str, Any]:
        self._note(f"finish {i}")
        if i in self.crash:  # a decoder's crash: a real segmentation fault in this thread
            faulthandler.disable()  # (pytest's traceback dump would only add noise)
            ctypes.string_at(0)
        return {"i": i, "ok": True, "prepared": prepared, "warmed": self.warmed}

    def refused(self, i: int, code: str) -> dict[str, Any]:
        return {"i": i, "ok": False, "code": code}


def _results(job: _Job, count: int, timeout: float = 30.0) -> dict[int, dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for i, result in batch.run(job, count, width=2, timeout=timeout):
        assert i not in seen, f"photo {i} answered twice"
        seen[i] = result
    return seen


def test_every_photo_is_answered_once_after_the_warm_up(tmp_path: Path) -> None:
    results = _results(_Job(tmp_path / "log"), 12)
    assert sorted(results) == list(range(12))
    assert results[3] == {"i": 3, "ok": False, "early": True}
    for i in set(range(12)) - {3}:
        assert results[i] == {"i": i, "ok": True, "prepared": i * 10, "warmed": True}
    # The work ran in one worker process, not in this one.
    pids = {line.split()[0] for line in (tmp_path / "log").read_text().splitlines()}
    assert pids and str(os.getpid()) not in pids


def test_a_crashing_photo_is_refused_alone_and_the_others_are_answered(tmp_path: Path) -> None:
    results = _results(_Job(tmp_path / "log", crash={5}), 10)
    assert sorted(results) == list(range(10))
    assert results[5] == {"i": 5, "ok": False, "code": "corrupt"}
    assert all(results[i]["ok"] for i in set(range(10)) - {3, 5})
    # Photo 5 was tried again in a worker of its own before it was refused.
    runs = [line for line in (tmp_path / "log").read_text().splitlines() if line.endswith(" 5")]
    assert len(runs) == 2 and runs[0].split()[0] != runs[1].split()[0]


def test_a_hanging_photo_gets_the_timeout_sentence_and_the_rest_go_on(tmp_path: Path) -> None:
    results = _results(_Job(tmp_path / "log", hang={1}), 8, timeout=1.0)
    assert sorted(results) == list(range(8))
    assert results[1] == {"i": 1, "ok": False, "code": "decode_timeout"}
    assert all(results[i]["ok"] for i in set(range(8)) - {1, 3})


def test_no_worker_outlives_the_run(tmp_path: Path) -> None:
    job = _Job(tmp_path / "log", hang={0})
    for _ in batch.run(job, 2, width=2, timeout=0.5):
        pass
    pids = {int(line.split()[0]) for line in (tmp_path / "log").read_text().splitlines()}
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"worker {pid} is still running")
