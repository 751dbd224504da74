"""The clinic's on-call contacts, a test message to them, and the delivery log staff read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from checkins import access, contact
from checkins.domain import ChannelName, InvalidInput, utcnow
from checkins.messaging import outbox
from checkins.services import audit, scope
from checkins.services.views import Actor
from checkins.storage.models import AlertContact, OutboxMessage

DAYTIME = " daytime"


@dataclass(frozen=True)
class ContactView:
    id: int
    position: int
    channel: str
    address: str
    on_call: bool
    failed_at: datetime | None
    failure_reason: str


@dataclass(frozen=True)
class DeliveryView:
    id: int
    kind: str
    channel: str
    to: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str


def _contact(c: AlertContact) -> ContactView:
    return ContactView(c.id, c.position, c.channel, c.address, c.on_call, c.failed_at,
                       c.failure_reason)  # fmt: skip


def set_contacts(
    *,
    session: Session,
    actor: Actor,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> list[ContactView]:
    """Replace the on-call list: emails first, then SMS numbers, alerted in that order.

    The rota: an entry ending in " daytime" is alerted in office hours only; out of hours only
    the others are (all of them, when every entry is daytime-only, so an alert always goes).
    """
    access.require_admin(actor)

    def split(entry: str) -> tuple[str, bool]:
        text = entry.strip()
        daytime = text.lower().endswith(DAYTIME)
        return (text[: -len(DAYTIME)].strip() if daytime else text), not daytime

    cleaned = [
        (ChannelName.EMAIL, contact.normalize_email(a), on_call)
        for a, on_call in map(split, emails)
        if a
    ]
    cleaned += [
        (ChannelName.SMS, contact.normalize_phone(a).split(";")[0], on_call)
        for a, on_call in map(split, phones)
        if a
    ]
    if len(cleaned) > 20:
        raise InvalidInput("At most 20 on-call contacts.", code="too_many_contacts")
    clinic_id = access.clinic_of(actor)
    session.execute(
        delete(AlertContact).where(
            AlertContact.clinic_id == clinic_id,
            ~AlertContact.id.in_(select(OutboxMessage.alert_contact_id).where(
                OutboxMessage.alert_contact_id.is_not(None))),
        )
    )  # fmt: skip
    session.execute(
        update(AlertContact).where(AlertContact.clinic_id == clinic_id).values(active=False)
    )
    rows = [
        AlertContact(clinic_id=clinic_id, position=i + 1, channel=ch, address=a, on_call=on_call)
        for i, (ch, a, on_call) in enumerate(cleaned)
    ]
    session.add_all(rows)
    audit.record(session=session, actor=actor, action="alerts.set_contacts",
                 detail=f"{len(rows)} contacts")  # fmt: skip
    session.flush()
    return [_contact(c) for c in rows]


def list_contacts(*, session: Session, actor: Actor) -> list[ContactView]:
    access.require_admin(actor)
    rows = session.scalars(
        select(AlertContact)
        .where(scope.mine(AlertContact.clinic_id, actor), AlertContact.active.is_(True))
        .order_by(AlertContact.position)
    )
    return [_contact(c) for c in rows]


def send_test(*, session: Session, actor: Actor) -> int:
    """Queue a test message to every on-call contact; the worker sends it."""
    access.require_admin(actor)
    nonce = uuid.uuid4().hex[:12]
    n = 0
    mine = scope.mine(AlertContact.clinic_id, actor)
    for c in session.scalars(select(AlertContact).where(mine, AlertContact.active.is_(True))):
        n += outbox.add(
            session, idempotency_key=f"test:{nonce}:{c.id}", kind="test", channel=c.channel,
            to_address=c.address, subject="checkins: test message",
            body="checkins: this is a test of the urgent-alert contacts. No action needed.",
            alert_contact_id=c.id, clinic_id=c.clinic_id, next_attempt_at=utcnow(),
        )  # fmt: skip
    audit.record(session=session, actor=actor, action="alerts.test", detail=f"{n} queued")
    return n


def deliveries(
    *,
    session: Session,
    actor: Actor,
    patient_id: int | None = None,
    limit: int = 100,
    audit_read: bool = True,
) -> list[DeliveryView]:
    """The delivery log: all messages for admins, one patient's for whoever may see them.

    It shows patients' contact addresses, so it is an audited read (``audit_read=False``: a
    page's reruns after its first read in one visit)."""
    if patient_id is None:
        access.require_admin(actor)
    else:
        access.require_enrolment_access(actor)
    found = [
        DeliveryView(
            m.id,
            m.kind,
            m.channel,
            m.to_address,
            m.status,
            m.attempts,
            m.created_at,
            m.sent_at,
            m.last_error,
        )
        for m in outbox.delivery_log(
            session, clinic_id=access.clinic_of(actor), patient_id=patient_id, limit=limit
        )
    ]
    if audit_read:
        audit.record(
            session=session, actor=actor, action="deliveries.view", patient_id=patient_id,
            object_type="patient" if patient_id is not None else None, object_id=patient_id,
            detail=f"{len(found)} messages",
        )  # fmt: skip
    return found
