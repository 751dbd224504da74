"""The front desk's patient search at 100,000 patients: a typo in a name, a date of birth and a
phone, through the service (as the page calls it) and as the whole `checkins patients list`
command. Prints figures; asserts no timing. Run: .venv/bin/python bench/bench_patient_search.py
"""

from __future__ import annotations

import os
import random
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

from checkins.domain import Role, utcnow  # noqa: E402
from checkins.services import patients  # noqa: E402
from checkins.services.views import Actor  # noqa: E402
from checkins.storage import schema  # noqa: E402
from checkins.storage.db import Database  # noqa: E402
from checkins.storage.models import Patient  # noqa: E402

N = int(os.environ.get("BENCH_PATIENTS", "100000"))
FRONT = Actor(role=Role.FRONT_DESK, name="bench front desk", clinic_id=1)
FIRST = ["Ana", "Ben", "Carla", "Dmitri", "Eun", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kwame",
         "Lucia", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq"]  # fmt: skip
LAST = ["Garcia", "Nguyen", "Okafor", "Smith", "Kowalski", "Haddad", "Fernandes", "Ivanova",
        "Yamamoto", "Osei", "Moreau", "Rossi", "Larsen", "Kaur", "Mensah", "Novak"]  # fmt: skip


def seed(db: Database) -> None:
    rnd = random.Random(7)
    now = utcnow()
    rows = []
    for i in range(N):
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}-{i}"
        rows.append({"display_name": name, "search_name": patients.search_key(name),
                     "birth_date": date(1940, 1, 1) + timedelta(days=rnd.randrange(25000)),
                     "phone_e164": f"+1555{rnd.randrange(10**7):07d}", "language": "en",
                     "contact_preference": "sms", "created_at": now})  # fmt: skip
    with db.session() as s:
        for k in range(0, N, 10000):
            s.execute(insert(Patient), rows[k : k + 10000])


def timed(fn: object, repeats: int = 9) -> float:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-search-"))
    url = f"sqlite:///{home / 'checkins.db'}"
    db = Database.connect(url)
    schema.upgrade(db.engine)
    seed(db)
    with db.read() as s:
        target = s.get(Patient, N // 2)
        assert target is not None
    typo = target.display_name.split()[1][:-3].replace("a", "e", 1) or "Garcai"
    queries = {
        "name with a typo": f"{target.display_name.split()[0]} {typo}",
        "date of birth": target.birth_date.isoformat() if target.birth_date else "",
        "phone": (target.phone_e164 or "")[-7:],
        "(no query: first page)": "",
    }
    print(f"patient search at {N:,} patients (SQLite), median of 9:")
    for label, q in queries.items():

        def run(q: str = q) -> None:
            with db.session() as s:
                patients.search_patients(session=s, actor=FRONT, text=q)

        print(f"  service  {label:<24} {timed(run) * 1000:7.1f} ms")
    env = {**os.environ, "CHECKINS_HOME": str(home), "CHECKINS_DATABASE_URL": url}
    exe = str(Path(sys.executable).with_name("checkins"))
    whole = timed(lambda: subprocess.run([exe, "patients", "list", "--search",
                                          queries["name with a typo"], "--json"], env=env,
                                         capture_output=True, check=True), repeats=5)  # fmt: skip
    print(f"  whole `checkins patients list --search` (typo): {whole * 1000:.0f} ms")


if __name__ == "__main__":
    main()
