"""Messages as the clinic runs them: 10,000 due reminders sent by one `checkins worker --once`
through a local SMTP server (throughput, the worker's peak memory), and the time from an urgent
`checkins submit` to the alert in the inbox with `checkins worker` running (median, worst).

Prints figures; asserts no timing. Run: .venv/bin/python bench/bench_messages.py
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from checkins.domain import utcnow  # noqa: E402
from checkins.services import alerts, clinic  # noqa: E402
from checkins.services.views import Actor  # noqa: E402
from checkins.storage import schema  # noqa: E402
from checkins.storage.db import Database  # noqa: E402
from checkins.storage.models import Patient, ScheduledCheckin, Treatment  # noqa: E402
from tests.messaging.servers import SmtpServer  # noqa: E402

N = int(os.environ.get("BENCH_REMINDERS", "10000"))
URGENT = int(os.environ.get("BENCH_URGENT", "10"))
EXE = str(Path(sys.executable).with_name("checkins"))
ADMIN = Actor.system(1, "bench")


def seed(db: Database) -> None:
    now = utcnow()
    with db.session() as s:
        clinic.set_clinic(session=s, actor=ADMIN, name="Bench Clinic", phone="(555) 010-0199",
                          office_hours=clinic.ALWAYS_OPEN)  # fmt: skip
        row = s.get(clinic.ClinicSettings, 1)
        row.reminder_hour, row.quiet_hours = 0, {"start": "00:00", "end": "00:00"}
        alerts.set_contacts(session=s, actor=ADMIN, emails=["oncall@bench.example"])
    with db.session() as s:
        s.execute(insert(Patient), [
            {"id": i + 1, "display_name": f"Bench {i}", "search_name": f"bench {i}",
             "birth_date": date(1980, 1, 1), "email": f"p{i}@bench.example",
             "contact_preference": "email", "language": "en", "created_at": now}
            for i in range(N)
        ])  # fmt: skip
        s.execute(insert(Treatment), [
            {"id": i + 1, "patient_id": i + 1, "procedure": "microneedling",
             "treated_at": now - timedelta(days=1, hours=1), "areas": ["face"],
             "antiviral_prescribed": False, "schedule_days": [1], "link_generation": 1,
             "created_at": now}
            for i in range(N)
        ])  # fmt: skip
        s.execute(insert(ScheduledCheckin), [
            {"treatment_id": i + 1, "day": 1, "due_at": now - timedelta(minutes=30)}
            for i in range(N)
        ])  # fmt: skip


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    url = f"sqlite:///{home / 'checkins.db'}"
    db = Database.connect(url)
    schema.upgrade(db.engine)
    seed(db)
    smtp = SmtpServer().start()
    env = {**os.environ, "CHECKINS_HOME": str(home), "CHECKINS_DATABASE_URL": url,
           "CHECKINS_SMTP_URL": smtp.url, "CHECKINS_MAIL_FROM": "clinic@bench.example",
           "CHECKINS_SECRET_KEY": "bench-" + "k" * 40}  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run([EXE, "worker", "--once", "--json"], env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    took = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(done.stdout.splitlines()[-1])
    rate = report["sent"] / took
    print(f"reminders: {report['sent']} sent of {N} due in {took:.1f} s = {rate:.0f} messages/s;"
          f" worker peak RSS {peak_mb:.0f} MB")  # fmt: skip

    before = len(smtp.inbox.messages)
    worker = subprocess.Popen([EXE, "worker", "--interval", "0.2"], env=env,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    latencies = []
    checkin = {"treatment": {"procedure": "microneedling",
                             "treated_at": (utcnow() - timedelta(days=2)).isoformat()},
               "answers": {"temperature": {"value": 102.2, "unit": "F"},
                           "drainage_like_pus": False, "increased_warmth": False,
                           "swelling": "none", "redness": "mild", "oozing": False, "pain": 2,
                           "picked_or_peeled_skin": False, "notes": ""},
               "photos": []}  # fmt: skip
    try:
        for i in range(URGENT):
            f = home / f"urgent-{i}.json"
            f.write_text(json.dumps({**checkin, "submitted_at": utcnow().isoformat(),
                                     "client_submission_id": f"bench-urgent-{i:04d}"}))  # fmt: skip
            t0 = time.perf_counter()
            sent = subprocess.run([EXE, "submit", str(f), "--treatment", str(i + 1), "--json"],
                                  env=env, capture_output=True, text=True)  # fmt: skip
            if sent.returncode != 0:
                raise SystemExit(f"checkins submit failed: {sent.stdout}{sent.stderr}")
            smtp.inbox.wait_for(before + i + 1, timeout=120)
            latencies.append(time.perf_counter() - t0)
    finally:
        worker.terminate()
        worker.wait(30)
        smtp.stop()
    print(f"urgent submit -> alert in the inbox (n={URGENT}, whole `checkins submit` included): "
          f"median {statistics.median(latencies):.2f} s, worst {max(latencies):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
