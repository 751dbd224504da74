"""The case's PDF for the chart: its text (read back with pdftotext), access and audit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from checkins.domain import AccessDenied, Role
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import case_export, intake, queue
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, LINK_KEY, at, calm_answers, make_provider, make_treatment

LONG_NOTE = (
    "The left cheek has felt hot since last night and there is a yellow crust near the jaw. "
    "I used the recommended cream twice and did not pick at it. "
    * 4
    + "The very last words of my note."
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is installed by tools/ensure-chromium.sh"
    path = tmp_path / "case.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())  # one line: wrapped text reads straight


def test_the_case_pdf_has_the_whole_case_in_clinic_time(
    db: Database, store: PhotoStore, tmp_path: Path
) -> None:
    tid = make_treatment(db, name="Dana Chart")
    photo = intake.prepare_photo(
        to_jpeg(skin_photo(width=800, height=600, tone="medium", redness=0.3, seed=2)),
        isolated=False,
    )
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(drainage_like_pus=True, notes=LONG_NOTE),
            photos=[photo],
            client_submission_id="export-case-1",
            submitted_at=at(30),  # 2026-11-21 16:00 UTC: 11:00 AM in New York
        )
    item = res.review_item_id
    assert item is not None
    lee = make_provider(db, "dr.chart", "Dr Chart")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
        queue.reply(
            session=s,
            signing_key=LINK_KEY,
            actor=lee,
            item_id=item,
            body="Please come in at 3 pm today.",
        )
    with db.session() as s:
        pdf = case_export.case_summary_pdf(session=s, store=store, actor=lee, item_id=item)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "Dana Chart - check-in on day 1" in text
    assert "Urgent - Claimed by Dr Chart - sent Sat 21 Nov 2026, 11:00 AM EST" in text
    assert "Pus drainage (urgent)" in text
    assert "Drainage like pus Yes" in text
    assert " ".join(LONG_NOTE.split()) in text  # the whole note, not a cell's worth
    assert "Photo 1 of 1, day 1" in text
    assert "Please come in at 3 pm today." in text
    assert "Dr Chart: Claimed" in text and "Exported by Dr Chart" in text
    with db.read() as s:
        exported = s.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.action == "export_case", AuditEvent.object_id == item
            )
        ).all()
    assert exported == ["Dr Chart"]


def test_a_manager_cannot_export_a_case(db: Database, store: PhotoStore) -> None:
    tid = make_treatment(db, name="Eli Private")
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(oozing=True),
            photos=[],
            client_submission_id="export-case-2",
            submitted_at=at(30),
        )
    assert res.review_item_id is not None
    manager = Actor(role=Role.MANAGER, name="Manager", clinic_id=1)
    with db.session() as s, pytest.raises(AccessDenied):
        case_export.case_summary_pdf(
            session=s, store=store, actor=manager, item_id=res.review_item_id
        )
