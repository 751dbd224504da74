"""Run photo work in a worker process with a deadline.

A hostile file can keep a decoder busy for minutes (progressive JPEGs with thousands of scans,
libjpeg-turbo issues 284 and 252) or crash it. Decoding in a separate process bounds both: on a
timeout the worker is killed and the photo refused with ``decode_timeout``; a crashed worker
means a refused photo, not a crashed server. The pool is module-level, created on first use
(two workers, ``spawn`` so no locks or threads are inherited), recreated when broken, and shut
down with ``shutdown_pool()``.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import types
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import TYPE_CHECKING, TypeVar

from checkins.imaging import heap
from checkins.imaging.opening import rejected

if TYPE_CHECKING:
    from checkins.imaging.results import PhotoAnalysis, ProcessedPhoto

MAX_WORKERS = 2
# How long a photo may wait for a free worker before we say "busy, try again". The decode
# deadline itself only starts once a worker has taken the photo, so a burst of uploads queues
# instead of timing out healthy photos.
QUEUE_WAIT_S = 120.0
# One slot per worker: a photo is handed to the pool only when a worker is free, so the
# deadline measured from submission is the photo's own decode time, not its wait in line.
_slots = threading.BoundedSemaphore(MAX_WORKERS)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_workers = MAX_WORKERS

T = TypeVar("T")


_NEUTRAL_MAIN = types.ModuleType("__main__")


class _WorkerProcess(SpawnProcess):
    """A spawned worker that does not re-run the parent's ``__main__``.

    ``spawn`` re-imports the parent's main module in each child. Under Streamlit that module is
    the dashboard script itself (the script runner installs it as ``__main__``), so every new
    worker would run the whole app. While the child is being started, ``__main__`` is a bare
    module with no file, so the child imports only what the task needs.
    """

    def start(self) -> None:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = _NEUTRAL_MAIN
        try:
            super().start()
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


class _WorkerContext(SpawnContext):
    Process = _WorkerProcess


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=_workers, mp_context=_WorkerContext(), initializer=_one_thread
            )
        return _pool


def _ready() -> bool:
    return True


def _one_thread() -> None:
    """Worker start-up: one OpenCV thread. There is a worker per core already, and OpenCV's own
    thread pool in each (the face detector uses it) would only fight them for the cores. NumPy's
    BLAS threads likewise: they are started when NumPy is first imported, just below. Freed
    decoder buffers are kept for the next photo (``heap``)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    heap.keep_freed_memory()
    import cv2

    cv2.setNumThreads(1)


def _discard_pool(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Forget ``pool`` (if still current) and stop it; ``kill`` ends workers stuck in a decode."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # The executor has no public way to stop a running task; its worker processes are the
        # only handle on a decoder that does not return.
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pool() -> None:
    """Stop the worker processes (at exit, or in tests)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pool)


A = TypeVar("A")


def run_isolated(fn: Callable[[A], T], data: A, *, timeout: float) -> T:
    """``fn(data)`` in a worker once one is free; see ``_run`` for the deadline."""
    if not _slots.acquire(timeout=QUEUE_WAIT_S):
        raise rejected("busy")
    try:
        return _run(fn, data, timeout=timeout)
    finally:
        _slots.release()


def _run(fn: Callable[[A], T], data: A, *, timeout: float) -> T:
    """``fn(data)`` in a worker process, refused with ``decode_timeout`` after ``timeout`` s.

    ``PhotoRejected`` raised in the worker comes back as is. A worker that dies (a decoder crash)
    is retried once on a fresh pool (it may have been another task's crash); a second death
    refuses the photo as corrupt.
    """
    for attempt in range(2):
        pool = _get_pool()
        try:
            future: Future[T] = pool.submit(fn, data)
        except (BrokenProcessPool, RuntimeError):
            _discard_pool(pool, kill=True)
            continue
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            _discard_pool(pool, kill=True)
            raise rejected("decode_timeout") from None
        except BrokenProcessPool:
            _discard_pool(pool, kill=True)
            if attempt == 1:
                raise rejected("corrupt") from None
    raise rejected("corrupt")


# The workers import the pipeline (NumPy, OpenCV) themselves, on their first photo: this module
# imports neither, so a command can hand photos to the workers before its own slow imports.


def _process_photo(data: bytes) -> ProcessedPhoto:
    from checkins.imaging.pipeline import process_photo

    return process_photo(data)


def _analyze_bytes(data: bytes) -> PhotoAnalysis:
    from checkins.imaging.pipeline import analyze_bytes

    return analyze_bytes(data)


def process_photo_isolated(data: bytes, *, timeout: float = 10.0) -> ProcessedPhoto:
    """``process_photo`` in a worker process with a deadline (see module docstring)."""
    return run_isolated(_process_photo, data, timeout=timeout)


def analyze_isolated(data: bytes, *, timeout: float = 10.0) -> PhotoAnalysis:
    """``analyze_bytes`` in a worker process with a deadline."""
    return run_isolated(_analyze_bytes, data, timeout=timeout)
