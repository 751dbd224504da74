"""``checkins worker``: queue the reminders that are due, then send everything due, repeatedly.

Several workers may run at once (PostgreSQL: ``FOR UPDATE SKIP LOCKED``). SIGTERM or SIGINT
stops the loop after the message in hand.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from datetime import datetime, timedelta

from checkins.domain import Actor, utcnow
from checkins.links import LinkKey
from checkins.messaging import outbox
from checkins.messaging.channels import Channels
from checkins.storage.db import Database


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


WORKER_NAME = "checkins worker"


def worker_actor(clinic_id: int) -> Actor:
    """The worker acting for one clinic (its reminders' links): the worker is an entry point,
    like the command line, and says here who it acts as."""
    return Actor.system(clinic_id, WORKER_NAME)


def run_once(
    db: Database,
    channels: Channels,
    *,
    signing_key: LinkKey,
    now: datetime | None = None,
    lease: timedelta = outbox.LEASE,
    worker: str | None = None,
) -> outbox.RunReport:
    """Everything due now: queue today's reminders, then send what is due."""
    with db.session() as s:
        queued = outbox.queue_due_reminders(
            session=s, signing_key=signing_key, actor_for=worker_actor, now=now or utcnow()
        )
    report = outbox.deliver_due(db, channels, worker=worker or worker_id(), now=now, lease=lease)
    report.queued_reminders = queued
    return report


def run_forever(
    db: Database,
    channels: Channels,
    *,
    signing_key: LinkKey,
    interval_s: float = 15.0,
    lease: timedelta = outbox.LEASE,
    stop: threading.Event | None = None,
) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    me = worker_id()
    while not stop.is_set():
        run_once(db, channels, signing_key=signing_key, lease=lease, worker=me)
        stop.wait(interval_s)
