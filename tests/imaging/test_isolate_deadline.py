"""The decode deadline counts from when a worker starts, so a burst of uploads queues."""

from __future__ import annotations

import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checkins.imaging import isolate


def slow_echo(data: bytes) -> bytes:
    time.sleep(0.5)
    return data


def test_a_burst_larger_than_the_pool_is_not_timed_out_while_queued() -> None:
    isolate.shutdown_pool()
    with ThreadPoolExecutor(2) as ex:  # start both workers: spawning is not decode time
        list(ex.map(lambda _: isolate.run_isolated(slow_echo, b"warm", timeout=30), range(4)))
    # 8 tasks of 0.5 s on 2 workers: the last ones wait ~1.5 s in the queue, each runs 0.5 s.
    with ThreadPoolExecutor(8) as ex:
        results = list(
            ex.map(lambda i: isolate.run_isolated(slow_echo, bytes([i]), timeout=1.2), range(8))
        )
    assert results == [bytes([i]) for i in range(8)]


def test_a_task_that_runs_past_the_deadline_is_refused() -> None:
    from checkins.imaging import PhotoRejected

    isolate.shutdown_pool()
    with pytest.raises(PhotoRejected) as err:
        isolate.run_isolated(slow_echo, b"x", timeout=0.1)
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
    assert isolate.run_isolated(slow_echo, b"ok", timeout=30) == b"ok"
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main  # put back after the worker started
    isolate.shutdown_pool()
