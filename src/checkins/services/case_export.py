"""Export one case for the patient's chart as a PDF (``case_pdf``), after the access check.

The export reads the case as the case page does (which audits the read) and writes an
``export_case`` event of its own: a copy of a patient's data left the system.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from checkins import case_pdf
from checkins.domain import utcnow
from checkins.services import audit, clinic, queue
from checkins.services.views import Actor
from checkins.storage.photos import BlobStore


def case_summary_pdf(
    *,
    session: Session,
    store: BlobStore,
    actor: Actor,
    item_id: int,
    now: datetime | None = None,
) -> bytes:
    """The case's summary (PDF bytes): providers and admins only, audited."""
    case = queue.open_case(session=session, actor=actor, item_id=item_id)
    settings = clinic.get_clinic(session=session, actor=actor)
    photos = []
    c = case.checkin
    for i, p in enumerate(c.photos, start=1):
        caption = f"Photo {i} of {len(c.photos)}, day {c.day_since_treatment}"
        try:
            data: bytes | None = store.get(p.display_key or p.storage_key)
        except FileNotFoundError:
            data = None
        photos.append(case_pdf.PhotoImage(caption=caption, data=data))
    audit.record(
        session=session,
        actor=actor,
        action="export_case",
        patient_id=case.item.patient_id,
        object_type="review_item",
        object_id=item_id,
        detail="pdf",
    )
    return case_pdf.case_pdf(
        case,
        clinic_name=settings.name,
        time_zone=settings.time_zone,
        exported_by=actor.name,
        exported_at=now or utcnow(),
        photos=photos,
    )
