"""The decode deadline counts from when a worker starts, so a burst of uploads queues."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from checkins.imaging import isolate


def echo(data: bytes) -> bytes:
    return data


def gated(task: tuple[str, int]) -> int:
    """Hold a worker until the gate file exists (the test opens it), then answer ``n``."""
    gate, n = task
    while not Path(gate).exists():
        time.sleep(0.01)  # polling a condition the test controls, not a timed wait
    return n


def wait_until(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` s (a hang, not a timing)."""
    done = threading.Event()
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        done.wait(0.01)


def test_a_burst_larger_than_the_pool_is_not_timed_out_while_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline starts when a worker takes the photo: while both workers are busy, the
    photos behind them have not been handed to the pool, so no deadline is running for them."""
    isolate.shutdown_pool()
    with ThreadPoolExecutor(2) as ex:  # start both workers: spawning is not decode time
        list(ex.map(lambda _: isolate.run_isolated(echo, b"warm", timeout=30), range(4)))
    handed: list[int] = []  # tasks given to a worker, i.e. whose deadline has started
    entered: list[int] = []
    real_run = isolate._run

    def recording_run(fn: Callable[[Any], Any], data: Any, *, timeout: float) -> Any:
        handed.append(data[1])
        return real_run(fn, data, timeout=timeout)

    monkeypatch.setattr(isolate, "_run", recording_run)
    gate = tmp_path / "open"

    def one(i: int) -> int:
        entered.append(i)
        return isolate.run_isolated(gated, (str(gate), i), timeout=30)

    with ThreadPoolExecutor(8) as ex:
        futures = [ex.submit(one, i) for i in range(8)]
        wait_until(lambda: len(entered) == 8 and len(handed) == 2, "two tasks to start")
        # Six photos are waiting for a worker, and none of them has been handed to the pool.
        assert len(handed) == 2 and not any(f.done() for f in futures)
        gate.touch()
        results = [f.result(timeout=60) for f in futures]
    assert results == list(range(8))
    assert sorted(handed) == list(range(8))
    isolate.shutdown_pool()


def test_a_task_that_runs_past_the_deadline_is_refused(tmp_path: Path) -> None:
    """A task that never finishes (its gate is never opened) is refused at its deadline."""
    from checkins.imaging import PhotoRejected

    isolate.shutdown_pool()
    with pytest.raises(PhotoRejected) as err:
        isolate.run_isolated(gated, (str(tmp_path / "never"), 0), timeout=0.5)
    assert err.value.code == "decode_timeout"
    isolate.shutdown_pool()


def test_workers_do_not_rerun_the_parents_main_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under Streamlit, ``__main__`` is the dashboard script; a spawned worker must not run it."""
    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit('the app ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    isolate.shutdown_pool()
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    assert isolate.run_isolated(echo, b"ok", timeout=30) == b"ok"
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main  # put back after the worker started
    isolate.shutdown_pool()
