"""AppTest fixtures: a seeded SQLite clinic the dashboard reads through CHECKINS_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from checkins import links
from checkins.demo_accounts import ensure_demo_accounts
from checkins.domain import Role, utcnow
from checkins.services import clinic
from checkins.services.views import Actor
from checkins.storage.db import Database

SETUP = Actor(role=Role.ADMIN, name="test set-up", clinic_id=1)

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PASSWORDS = {
    "dr.lee": "demo-provider-1",
    "manager": "demo-manager-1",
    "admin": "demo-admin-123",
    "frontdesk": "demo-frontdesk-1",
}


@dataclass(frozen=True)
class Clinic:
    db: Database
    treatment_a: int  # Ann, treated yesterday
    treatment_b: int  # Ben, treated two days ago
    treatment_future: int  # Cy, treated in three days (baseline only)

    def token(self, treatment_id: int) -> str:
        with self.db.session() as s:
            url = links.issue_link(
                session=s, key=links.load_key(), actor=SETUP, treatment_id=treatment_id
            )
        return parse_qs(urlsplit(url).query)["t"][0]


@pytest.fixture
def seeded(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Clinic:
    monkeypatch.setenv("CHECKINS_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CHECKINS_SECRET_KEY", "test-secret-" + "x" * 40)
    now = utcnow()
    with sqlite_db.session() as s:
        clinic.set_clinic(
            session=s,
            actor=Actor.system(1),
            name="Test Skin Clinic",
            phone="(555) 010-0199",
            office_hours=clinic.ALWAYS_OPEN,
        )
        ids = []
        for name, days in (("Ann Alpha", 1.2), ("Ben Beta", 2.5), ("Cy Gamma", -3)):
            pid = clinic.create_patient(session=s, actor=SETUP, display_name=name)
            t = clinic.create_treatment(
                session=s,
                actor=SETUP,
                patient_id=pid,
                procedure="microneedling",
                treated_at=now - timedelta(days=days),
                antiviral_prescribed=name == "Ben Beta",
            )
            ids.append(t.id)
        ensure_demo_accounts(session=s, actor=SETUP)
    return Clinic(sqlite_db, *ids)


@pytest.fixture
def app(seeded: Clinic) -> Callable[[], AppTest]:
    def make() -> AppTest:
        return AppTest.from_file(str(APP), default_timeout=60)

    return make


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    at.run()
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password or PASSWORDS[username])
    at.button[0].click() if not at.form_submit_button else at.form_submit_button[0].click()
    return at.run()


def texts(at: AppTest) -> str:
    """Every piece of text on the page, to assert what is (not) shown."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "error",
        "warning",
        "info",
        "success",
        "code",
    ):
        parts.extend(str(getattr(e, "value", "")) for e in getattr(at, kind))
    parts.extend(str(e.label) for e in at.button)
    return "\n".join(parts)
