"""The append-only audit log: every read of a patient's data and every action adds one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import utcnow
from checkins.services.views import Actor, AuditView
from checkins.storage.models import AuditEvent


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    patient_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    outcome: str = "ok",
    detail: str = "",
    as_role: str | None = None,
    at: datetime | None = None,
    clinic_id: int | None = None,
) -> None:
    """Append one event. ``as_role`` names who acted when nobody is signed in yet (a sign-in
    attempt: "anonymous"); the database refuses to change or delete the row afterwards. The
    event is the actor's clinic's (``clinic_id`` when the actor has none: a refused link)."""
    session.add(
        AuditEvent(
            at=at or utcnow(),
            clinic_id=actor.clinic_id if actor.clinic_id is not None else clinic_id,
            actor_user_id=actor.user_id,
            actor=actor.name,
            role=as_role or actor.role.value,
            action=action,
            patient_id=patient_id if patient_id is not None else actor.patient_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            detail=detail[:2000],
        )
    )


def events_for_object(
    *, session: Session, actor: Actor, object_type: str, object_id: int, limit: int = 200
) -> list[AuditView]:
    """The newest ``limit`` events about one object, oldest first (a case's history)."""
    access.require_case_access(actor)
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id == object_id,
            AuditEvent.clinic_id == access.clinic_of(actor),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        AuditView(
            at=e.at,
            actor=e.actor,
            role=e.role,
            action=e.action,
            outcome=e.outcome,
            detail=e.detail,
        )
        for e in reversed(rows)
    ]
