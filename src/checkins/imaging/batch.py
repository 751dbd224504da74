"""Many photos at once, in one supervised worker process (``checkins analyze``).

The command's own process imports no NumPy or OpenCV: it forks one child (forking is safe while
it runs no other thread) and keeps the deadlines. The child runs a thread per core, each taking
the next photo. A photo's work has two stages: ``prepare`` reads and decodes it with Pillow alone
(which releases the GIL), and ``finish`` analyses it, which needs NumPy and OpenCV. The first
thread imports those (≈ 130 ms) while the other threads already prepare photos, so no core waits
for the imports; a photo prepared before they are in waits for them, which does not count
against its deadline.

The child reports on a pipe, one line each: ``B i t`` when it starts work on photo ``i`` at
``t`` (its monotonic clock, which is the system's), ``W i`` when photo ``i`` waits for the
imports, ``R i <json>`` with its result. The first child is started by ``run`` itself; the caller
may read its answers later (``checkins submit`` imports its database layer meanwhile), and the
deadlines still count from when each photo started. The parent:

- refuses a photo busy for more than ``timeout`` seconds with ``decode_timeout``, kills the
  child and starts another for the photos left;
- when the child dies (a decoder crash), runs each photo it was busy with again alone, and
  refuses a photo that kills a lone child as ``corrupt``; the others go on in a new child.

Every photo is therefore answered exactly once, and no hostile file costs more than its
deadline. Results are yielded as they arrive, each with its index; callers put them in order.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from checkins.imaging import heap

P = TypeVar("P")
Result = dict[str, Any]


class Job(Protocol[P]):
    """What the child does with photo ``i``. Runs in the child only, after the fork."""

    def warm(self) -> None:
        """Import what ``finish`` needs (called once, by the first thread, before its photos)."""

    def prepare(self, i: int) -> P | Result:
        """The light first stage (no NumPy or OpenCV): its value for ``finish``, or the result."""

    def finish(self, i: int, prepared: P) -> Result:
        """The rest of photo ``i``'s work, once ``warm`` has run."""

    def refused(self, i: int, code: str) -> Result:
        """Photo ``i``'s result when the parent refuses it (``decode_timeout``, ``corrupt``)."""


# --- The child --------------------------------------------------------------------------------


@dataclass
class _Work(Generic[P]):
    """The child's shared state: photos not yet started, and prepared ones waiting for warm."""

    todo: deque[int]
    waiting: deque[tuple[int, P]] = field(default_factory=deque)
    warm: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)


def _child(job: Job[P], batch: Sequence[int], width: int, fd: int) -> None:
    heap.keep_freed_memory()  # one photo's freed buffers serve the next
    out = threading.Lock()

    def send(line: str) -> None:
        data = (line + "\n").encode()
        with out:
            while data:
                data = data[os.write(fd, data) :]

    work: _Work[P] = _Work(todo=deque(batch))

    def begin(i: int) -> None:
        send(f"B {i} {time.monotonic()!r}")

    def finish(i: int, prepared: P) -> None:
        begin(i)
        send(f"R {i} {json.dumps(job.finish(i, prepared), ensure_ascii=False)}")

    def run(first: bool) -> None:
        if first:
            job.warm()
            with work.cond:
                work.warm = True
                work.cond.notify_all()
        while True:
            with work.cond:
                while work.waiting and not work.warm and not work.todo:
                    work.cond.wait()  # only photos waiting for the imports remain
                if work.warm and work.waiting:
                    i, prepared = work.waiting.popleft()
                    step = "finish"
                elif work.todo:
                    i = work.todo.popleft()
                    step = "prepare"
                else:
                    return
            if step == "finish":
                finish(i, prepared)
                continue
            begin(i)
            value = job.prepare(i)
            if isinstance(value, dict):
                send(f"R {i} {json.dumps(value, ensure_ascii=False)}")
                continue
            with work.cond:
                if not work.warm:
                    work.waiting.append((i, value))
                    send(f"W {i}")
                    continue
            finish(i, value)

    threads = [threading.Thread(target=run, args=(n == 0,)) for n in range(width)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _fork(job: Job[P], batch: Sequence[int], width: int) -> tuple[int, int]:
    """Start a child on ``batch``; returns (pid, the pipe's read end)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(r)
            _child(job, batch, width, w)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


# --- The parent -------------------------------------------------------------------------------


@dataclass
class _Lost:
    """How a child ended early: killed at a deadline, or dead (``busy``: the photos it was
    working on then); ``unanswered``: the photos it never answered."""

    died: bool
    busy: list[int]
    unanswered: list[int]


def _watch(
    job: Job[P], batch: Sequence[int], width: int, timeout: float, started: tuple[int, int] | None
) -> Generator[tuple[int, Result], None, _Lost | None]:
    """Run one child on ``batch`` (``started``: one already forked for it) and yield its
    answers; returns how it ended early, if it did."""
    pid, fd = started or _fork(job, batch, width)
    unanswered = set(batch)
    busy: dict[int, float] = {}
    buf = b""
    answered = False
    try:
        while unanswered:
            now = time.monotonic()
            late = [i for i, t in busy.items() if now - t > timeout]
            if late:
                for i in late:
                    unanswered.discard(i)
                    yield i, job.refused(i, "decode_timeout")
                return _Lost(died=False, busy=[], unanswered=sorted(unanswered))
            wait = min((t + timeout - now for t in busy.values()), default=timeout)
            ready, _, _ = select.select([fd], [], [], max(0.0, wait))
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # the child is gone
                return _Lost(died=True, busy=sorted(busy), unanswered=sorted(unanswered))
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                kind, _, rest = line.decode().partition(" ")
                index, _, payload = rest.partition(" ")
                i = int(index)
                if kind == "B":
                    busy[i] = float(payload)
                elif kind == "W":
                    busy.pop(i, None)
                elif kind == "R":
                    busy.pop(i, None)
                    unanswered.discard(i)
                    yield i, json.loads(payload)
        answered = True  # the child has said all it will: it exits by itself
        return None
    finally:
        os.close(fd)
        if not answered:  # late, dead, or the caller stopped early: make sure it is gone
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


class Batch(Iterator[tuple[int, Result]]):
    """Photos ``0 … count-1`` through ``job`` in supervised children, the first already forked:
    iterating yields (index, result) for each, exactly once, as soon as it is known (see the
    module docstring). ``close`` stops whatever is still running."""

    def __init__(self, job: Job[P], count: int, *, width: int, timeout: float) -> None:
        if "cv2" in sys.modules:
            # Only where this process has used OpenCV already (a test, a library caller): a
            # forked child that reconfigures a thread pool its parent started can hang.
            sys.modules["cv2"].setNumThreads(1)
        first = _fork(job, list(range(count)), min(width, count)) if count else None
        self._unwatched = first
        self._results = _results(job, count, width, timeout, first)

    def __iter__(self) -> Batch:
        return self

    def __next__(self) -> tuple[int, Result]:
        self._unwatched = None  # the generator's own cleanup owns the child from here
        return next(self._results)

    def close(self) -> None:
        if self._unwatched is not None:
            pid, fd = self._unwatched
            self._unwatched = None
            os.close(fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self._results.close()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run(job: Job[P], count: int, *, width: int, timeout: float) -> Batch:
    """Start ``job`` on photos ``0 … count-1`` now (the first child is forked before this
    returns); see ``Batch``. Call it while this process runs no other thread."""
    return Batch(job, count, width=width, timeout=timeout)


def _results(
    job: Job[P], count: int, width: int, timeout: float, first: tuple[int, int] | None
) -> Generator[tuple[int, Result], None, None]:
    todo = list(range(count))
    alone: deque[int] = deque()
    while todo or alone:
        solo = not todo
        batch = [alone.popleft()] if solo else todo
        todo = []
        started, first = first, None
        lost = yield from _watch(
            job, batch, 1 if solo else min(width, len(batch)), timeout, started
        )
        if lost is None:
            continue
        if not lost.died:  # a photo ran out of time: the rest go on in a new child
            todo = lost.unanswered
            continue
        if solo:
            for i in lost.unanswered:  # a photo that kills a child on its own is refused
                yield i, job.refused(i, "corrupt")
            continue
        suspects = lost.busy or lost.unanswered  # died before any photo: try each alone
        alone.extend(suspects)
        todo = [i for i in lost.unanswered if i not in suspects]
