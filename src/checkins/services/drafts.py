"""A patient's check-in in progress, kept on the server so a reload loses nothing.

The draft is keyed on the link the patient opened (its SHA-256) and lasts as long as that link:
a new link starts a new draft, and an expired link's draft is deleted when next met. Photos go
into the content-addressed photo store before the row that names them commits (blobs before
rows, as for check-ins), so a crash leaves at worst an unreferenced blob for ``reconcile``.

Only the patient the link speaks for may read or write it. Answers are the form's raw values
(strings, booleans, ``None``) under known question names; anything else is dropped on load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.orm import Session

from checkins import access, links
from checkins.access import require_treatment_access
from checkins.domain import AccessDenied, Role, utcnow
from checkins.services import audit, scope
from checkins.services.views import Actor
from checkins.storage.models import CheckinDraft
from checkins.storage.photos import BlobStore

MAX_DRAFT_PHOTOS = 8
MAX_TEXT = 4000
Scalar = str | bool | None


@dataclass(frozen=True)
class Draft:
    """What the patient had entered: raw form values and the photos (name, bytes) in order."""

    answers: dict[str, Scalar]
    photos: tuple[tuple[str, bytes], ...]
    updated_at: datetime

    @property
    def empty(self) -> bool:
        return not self.photos and not any(
            v not in (None, "", False) for v in self.answers.values()
        )


def _identity(actor: Actor, token: str, signing_key: links.LinkKey) -> links.LinkIdentity:
    if actor.role is not Role.PATIENT:
        raise AccessDenied("Only the patient keeps a check-in draft.")
    identity = links.link_identity(token, key=signing_key)
    require_treatment_access(actor, identity.treatment_id)
    return identity


def _this_link(identity: links.LinkIdentity, actor: Actor) -> ColumnElement[bool]:
    """This link's draft, in the patient's own clinic."""
    return and_(CheckinDraft.link_key == identity.key, scope.mine(CheckinDraft.clinic_id, actor))


def _clean(answers: Mapping[str, object], allowed: frozenset[str]) -> dict[str, Scalar]:
    kept: dict[str, Scalar] = {}
    for name, value in answers.items():
        if name not in allowed:
            continue
        if isinstance(value, str):
            kept[name] = value[:MAX_TEXT]
        elif value is None or isinstance(value, bool):
            kept[name] = value
    return kept


def save(
    *,
    session: Session,
    store: BlobStore,
    actor: Actor,
    signing_key: links.LinkKey,
    token: str,
    answers: Mapping[str, object],
    photos: Sequence[tuple[str, bytes]],
    allowed: frozenset[str],
    now: datetime | None = None,
) -> None:
    """Keep the form as it is now (replacing the last draft of this link)."""
    identity = _identity(actor, token, signing_key)
    now = now or utcnow()
    # Blobs first: the row below must never name a photo the store does not have.
    named = [{"key": store.put(data), "name": name} for name, data in photos[:MAX_DRAFT_PHOTOS]]
    row = session.scalar(select(CheckinDraft).where(_this_link(identity, actor)))
    if row is None:
        row = CheckinDraft(
            clinic_id=access.clinic_of(actor),
            link_key=identity.key,
            treatment_id=identity.treatment_id,
            expires_at=identity.expires_at,
        )
        session.add(row)
        audit.record(
            session=session,
            actor=actor,
            action="draft.started",
            patient_id=actor.patient_id,
            object_type="treatment",
            object_id=identity.treatment_id,
        )
    row.answers = _clean(answers, allowed)
    row.photos = named
    row.updated_at = now


def load(
    *,
    session: Session,
    store: BlobStore,
    actor: Actor,
    signing_key: links.LinkKey,
    token: str,
    allowed: frozenset[str],
    now: datetime | None = None,
) -> Draft | None:
    """This link's draft, or ``None`` (none kept, or the link has expired: then it is deleted)."""
    identity = _identity(actor, token, signing_key)
    now = now or utcnow()
    _purge_expired(session, now)
    row = session.scalar(select(CheckinDraft).where(_this_link(identity, actor)))
    if row is None:
        return None
    photos = []
    for item in row.photos or []:
        key, name = str(item.get("key", "")), str(item.get("name", "photo"))
        try:
            photos.append((name, store.get(key)))
        except (OSError, ValueError):
            continue  # a blob gone missing: the rest of the draft is still worth having
    return Draft(
        answers=_clean(row.answers or {}, allowed), photos=tuple(photos), updated_at=row.updated_at
    )


def discard(*, session: Session, actor: Actor, signing_key: links.LinkKey, token: str) -> None:
    """The check-in was sent (or the patient started again): forget the draft."""
    identity = _identity(actor, token, signing_key)
    session.execute(delete(CheckinDraft).where(_this_link(identity, actor)))


def _purge_expired(session: Session, now: datetime) -> int:
    """Delete drafts whose link has expired; their photos are left to ``reconcile``. A step of
    ``load`` (after its check): an expired link's draft is deleted when next met."""
    done = session.execute(delete(CheckinDraft).where(CheckinDraft.expires_at <= now))
    return int(getattr(done, "rowcount", 0) or 0)


def referenced_keys(*, session: Session, actor: Actor) -> set[str]:
    """Every photo-store key a draft names, in every clinic (``reconcile`` must not remove
    them; the photo store is the deployment's): for admins."""
    access.require_admin(actor)
    keys: set[str] = set()
    for photos in session.scalars(select(CheckinDraft.photos)):
        keys.update(str(p.get("key", "")) for p in photos or [])
    return keys
