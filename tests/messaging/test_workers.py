"""A worker killed mid-send resends at most that one message and skips none; four workers on
PostgreSQL never send the same message twice, nor do two `checkins worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checkins.domain import utcnow
from checkins.messaging import outbox
from checkins.messaging.channels import Channels, SmsChannel, SmtpChannel
from checkins.storage.db import Database
from checkins.storage.models import OutboxMessage

from .servers import SmtpServer


def queue_mails(db: Database, n: int) -> list[str]:
    keys = [f"test:{i:05d}" for i in range(n)]
    with db.session() as s:
        for k in keys:
            outbox.add(s, idempotency_key=k, clinic_id=1, kind="test", channel="email",
                        to_address=f"staff{k[-3:]}@maple.example", subject="test",
                        body="checkins: a test message.", next_attempt_at=utcnow())  # fmt: skip
    return keys


def delivered(smtp: SmtpServer) -> list[str]:
    return [m["Message-ID"] for m in smtp.inbox.messages]


def message_ids(keys: list[str]) -> list[str]:
    """The Message-ID each key's email carries, however often it is sent."""
    return sorted(f"<checkins.{k.replace(':', '.')}@maple.example>" for k in keys)


def test_a_worker_killed_mid_send_resends_at_most_that_one(
    sqlite_db: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    keys = queue_mails(sqlite_db, 6)
    in_flight = threading.Event()
    release = threading.Event()

    def hold(msg: object) -> None:
        # The third message reaches the server, which holds it until the worker is dead.
        if len(smtp.inbox.messages) == 2 and not in_flight.is_set():
            in_flight.set()
            release.wait(30)

    smtp.inbox.hold = hold
    env = {**os.environ, "CHECKINS_DATABASE_URL": str(sqlite_db.engine.url),
           "CHECKINS_SMTP_URL": smtp.url, "CHECKINS_MAIL_FROM": "clinic@maple.example"}  # fmt: skip
    exe = str(Path(sys.executable).with_name("checkins"))
    first = subprocess.Popen([exe, "worker", "--interval", "0.2"], env=env)
    try:
        assert in_flight.wait(60), "the worker never reached the third message"
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    release.set()  # the held message is accepted after all (the worker never heard back)
    smtp.inbox.hold = None
    done = subprocess.run([exe, "worker", "--once", "--lease-seconds", "0", "--json"],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ids = delivered(smtp)
    sent_keys = [i for k in keys for i in ids if k.replace(":", ".") in i]
    # Every message arrived; only the one in flight when the worker died arrived twice.
    for k in keys:
        n = sum(k.replace(":", ".") in i for i in ids)
        assert 1 <= n <= 2, (k, n)
    assert len(sent_keys) <= len(keys) + 1
    # A resend carries the first send's Message-ID: the receiver can tell it is a duplicate.
    assert sorted(set(ids)) == message_ids(keys)
    with sqlite_db.read() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


@pytest.mark.postgres
def test_four_workers_on_postgres_send_a_thousand_messages_once_each(
    pg_db: Database, smtp: SmtpServer
) -> None:
    keys = queue_mails(pg_db, 1000)
    channels = Channels(email=SmtpChannel(smtp.url, "clinic@maple.example"),
                        sms=SmsChannel("http://127.0.0.1:9/x", ""))  # fmt: skip
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            outbox.deliver_due(pg_db, channels, worker=name, lease=timedelta(minutes=10))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors
    ids = delivered(smtp)
    assert len(ids) == 1000 and len(set(ids)) == 1000
    with pg_db.read() as s:
        by_worker = dict(
            s.execute(
                select(OutboxMessage.claimed_by, func.count()).group_by(OutboxMessage.claimed_by)
            ).all()
        )
        assert s.scalar(select(func.count()).where(OutboxMessage.status == "sent")) == 1000
    assert sum(by_worker.values()) == 1000 and len(by_worker) >= 2  # the work was shared
    assert len(keys) == 1000


def worker_env(db: Database, smtp: SmtpServer) -> dict[str, str]:
    url = db.engine.url.render_as_string(hide_password=False)
    return {**os.environ, "CHECKINS_DATABASE_URL": url, "CHECKINS_SMTP_URL": smtp.url,
            "CHECKINS_MAIL_FROM": "clinic@maple.example"}  # fmt: skip


@pytest.mark.postgres
def test_two_worker_processes_on_postgres_deliver_every_message_exactly_once(
    pg_db: Database, smtp: SmtpServer
) -> None:
    """Two `checkins worker` processes, as deploy/run-replicas.sh runs them, on one outbox."""
    keys = queue_mails(pg_db, 300)

    def claimers() -> int:
        with pg_db.read() as s:
            return int(s.scalar(select(func.count(func.distinct(OutboxMessage.claimed_by)))) or 0)

    def status_counts() -> dict[str, int]:
        with pg_db.read() as s:
            rows = s.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        return {str(k): int(v) for k, v in rows}

    held, overlapped = threading.Event(), threading.Event()

    def hold(msg: object) -> None:
        # The first message waits at the server until the second worker has claimed rows too,
        # so the two really work the outbox at the same time.
        if held.is_set():
            return
        held.set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if claimers() >= 2:
                overlapped.set()
                return
            time.sleep(0.05)

    smtp.inbox.hold = hold
    exe = str(Path(sys.executable).with_name("checkins"))
    env = worker_env(pg_db, smtp)
    workers = [
        subprocess.Popen([exe, "worker", "--interval", "0.2"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    try:
        smtp.inbox.wait_for(len(keys), timeout=180)
        deadline = time.monotonic() + 60
        while status_counts() != {"sent": len(keys)} and time.monotonic() < deadline:
            time.sleep(0.05)  # the last `finish` commits just after the server accepted it
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=60) for w in workers]
    assert overlapped.is_set(), "the second worker never claimed while the first was sending"
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert status_counts() == {"sent": len(keys)}
    ids = delivered(smtp)
    assert len(ids) == len(keys)  # nothing twice: no resend happened, none was needed
    assert sorted(ids) == message_ids(keys)
    with pg_db.read() as s:
        by_worker = dict(
            s.execute(
                select(OutboxMessage.claimed_by, func.count()).group_by(OutboxMessage.claimed_by)
            ).all()
        )
        assert s.scalar(select(func.max(OutboxMessage.attempts))) == 1  # each claimed once
    assert len(by_worker) == 2 and sum(by_worker.values()) == len(keys), by_worker
