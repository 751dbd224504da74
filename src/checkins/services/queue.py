"""The providers' review queue: list, open a case, claim, release, reply, resolve.

Claims are one atomic ``UPDATE … WHERE claimed_by IS NULL`` with a row-count check, so when two
providers claim at once exactly one wins, on SQLite and PostgreSQL alike. Every read of a case
and every action writes an audit event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from checkins import access
from checkins.domain import (
    Conflict,
    Disposition,
    InvalidInput,
    MessageDirection,
    NotFound,
    ReviewStatus,
    Role,
    Severity,
    utcnow,
)
from checkins.links import LinkKey
from checkins.messaging import outbox
from checkins.services import audit, scope
from checkins.services.clinic import _author_names
from checkins.services.convert import checkin_view, message_view, treatment_view
from checkins.services.views import (
    Actor,
    CaseView,
    CheckInView,
    MessageView,
    QueuePage,
    QueueRow,
)
from checkins.storage.models import (
    CheckIn,
    Message,
    Patient,
    Photo,
    ReviewItem,
    RuleHit,
    Treatment,
    User,
)
from checkins.storage.photos import BlobStore

OPEN_STATUSES: tuple[ReviewStatus, ...] = (ReviewStatus.NEW, ReviewStatus.CLAIMED)
MAX_PAGE_SIZE = 200
MAX_NOTE = 4000


def _rule_label(rule_id: str) -> str:
    return rule_id.replace("_", " ")


def _base_query(
    *,
    clinic_id: int,
    statuses: Sequence[str],
    severity: str | None,
    procedure: str | None,
    claimed_by: int | None,
) -> Select[ReviewItem, CheckIn, Treatment, Patient, User]:
    q = (
        select(ReviewItem, CheckIn, Treatment, Patient, User)
        .join(CheckIn, CheckIn.id == ReviewItem.checkin_id)
        .join(Treatment, Treatment.id == ReviewItem.treatment_id)
        .join(Patient, Patient.id == Treatment.patient_id)
        .outerjoin(User, User.id == ReviewItem.claimed_by)
        .where(ReviewItem.clinic_id == clinic_id, ReviewItem.status.in_(list(statuses)))
    )
    if severity:
        q = q.where(ReviewItem.severity == severity)
    if procedure:
        q = q.where(Treatment.procedure == procedure)
    if claimed_by is not None:
        q = q.where(ReviewItem.claimed_by == claimed_by)
    return q


def _row(
    item: ReviewItem,
    checkin: CheckIn,
    treatment: Treatment,
    patient: Patient,
    claimer: User | None,
    rules: Sequence[str],
    now: datetime,
) -> QueueRow:
    end = item.resolved_at or now
    return QueueRow(
        item_id=item.id,
        checkin_id=checkin.id,
        treatment_id=treatment.id,
        patient_id=patient.id,
        patient_name=patient.display_name,
        procedure=treatment.procedure,
        day_since_treatment=checkin.day_since_treatment,
        severity=Severity(item.severity),
        rules=tuple(rules),
        summary=", ".join(_rule_label(r) for r in rules) or "—",
        status=ReviewStatus(item.status),
        claimed_by_id=item.claimed_by,
        claimed_by_name=claimer.display_name if claimer else None,
        created_at=item.created_at,
        waiting_minutes=max(0.0, (end - item.created_at).total_seconds() / 60.0),
        version=item.version,
    )


def _rules_by_checkin(session: Session, checkin_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in checkin_ids}
    if not checkin_ids:
        return out
    hits = session.execute(
        select(RuleHit.checkin_id, RuleHit.rule_id, RuleHit.severity)
        .where(RuleHit.checkin_id.in_(list(checkin_ids)))
        .order_by(RuleHit.checkin_id, RuleHit.id)
    )
    ranked: dict[int, list[tuple[int, str]]] = {}
    for cid, rule_id, sev in hits:
        ranked.setdefault(cid, []).append((-Severity(sev).rank, rule_id))
    for cid, pairs in ranked.items():
        out[cid] = [r for _, r in sorted(pairs)]
    return out


def list_queue(
    *,
    session: Session,
    actor: Actor,
    severity: str | None = None,
    statuses: Sequence[str] = OPEN_STATUSES,
    procedure: str | None = None,
    claimed_by: int | None = None,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
    audit_read: bool = True,
) -> QueuePage:
    """Open items, most urgent first, then longest waiting; one page of them (an audited read:
    ``audit_read=False`` is for a page's refreshes after its first read in one visit)."""
    access.require_case_access(actor)
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    now = now or utcnow()
    # Count and page over review_items alone (its queue index), then join the page's rows:
    # the cost follows the open queue, not the clinic's whole history.
    clinic_id = access.clinic_of(actor)
    ids = select(ReviewItem.id).where(
        ReviewItem.clinic_id == clinic_id, ReviewItem.status.in_(list(statuses))
    )
    if severity:
        ids = ids.where(ReviewItem.severity == severity)
    if claimed_by is not None:
        ids = ids.where(ReviewItem.claimed_by == claimed_by)
    if procedure:
        ids = ids.join(Treatment, Treatment.id == ReviewItem.treatment_id).where(
            Treatment.procedure == procedure
        )
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    order = (ReviewItem.severity_rank.desc(), ReviewItem.created_at, ReviewItem.id)
    top = ids.order_by(*order).limit(page_size).offset((page - 1) * page_size).subquery("top")
    rows = session.execute(
        _base_query(
            clinic_id=clinic_id, statuses=statuses, severity=None, procedure=None, claimed_by=None
        )
        .join(top, top.c.id == ReviewItem.id)
        .order_by(*order)
    ).all()
    rules = _rules_by_checkin(session, [r[1].id for r in rows])
    open_counts = _open_cases_by_patient(session, [r[3].id for r in rows])
    if audit_read:
        audit.record(
            session=session,
            actor=actor,
            action="view_queue",
            detail=f"page {page}: {len(rows)} of {total} cases",
        )
    return QueuePage(
        rows=tuple(
            dataclasses.replace(
                _row(i, c, t, p, u, rules[c.id], now), patient_open_cases=open_counts.get(p.id, 0)
            )
            for i, c, t, p, u in rows
        ),
        total=int(total),
        page=page,
        page_size=page_size,
    )


def _open_cases_by_patient(session: Session, patient_ids: Sequence[int]) -> dict[int, int]:
    """How many open cases each of these patients has (over every treatment, every page)."""
    if not patient_ids:
        return {}
    found = session.execute(
        select(Treatment.patient_id, func.count(ReviewItem.id))
        .join(Treatment, Treatment.id == ReviewItem.treatment_id)
        .where(ReviewItem.status.in_(OPEN_STATUSES), Treatment.patient_id.in_(set(patient_ids)))
        .group_by(Treatment.patient_id)
    )
    return {int(pid): int(n) for pid, n in found}


def _other_open_cases(
    session: Session, clinic_id: int, patient_id: int, item_id: int
) -> tuple[QueueRow, ...]:
    """The patient's other open cases, most urgent first (for the case page's links)."""
    now = utcnow()
    rows = session.execute(
        _base_query(
            clinic_id=clinic_id,
            statuses=OPEN_STATUSES,
            severity=None,
            procedure=None,
            claimed_by=None,
        )
        .where(Patient.id == patient_id, ReviewItem.id != item_id)
        .order_by(ReviewItem.severity_rank.desc(), ReviewItem.created_at, ReviewItem.id)
    ).all()
    rules = _rules_by_checkin(session, [r[1].id for r in rows])
    return tuple(_row(i, c, t, p, u, rules[c.id], now) for i, c, t, p, u in rows)


def count_open(*, session: Session, actor: Actor, severity: str | None = None) -> int:
    access.require_case_access(actor)
    q = select(func.count(ReviewItem.id)).where(
        scope.mine(ReviewItem.clinic_id, actor), ReviewItem.status.in_(OPEN_STATUSES)
    )
    if severity:
        q = q.where(ReviewItem.severity == severity)
    return int(session.scalar(q) or 0)


CASE_GONE = "That case is no longer in the queue."


def _load_row(
    session: Session, item_id: int, actor: Actor, now: datetime | None = None
) -> QueueRow:
    """One case of the actor's clinic; another clinic's is answered as a missing one."""
    q = _base_query(
        clinic_id=access.clinic_of(actor), statuses=tuple(ReviewStatus), severity=None,
        procedure=None, claimed_by=None,
    ).where(ReviewItem.id == item_id)  # fmt: skip
    found = session.execute(q).first()
    if found is None:
        raise NotFound(CASE_GONE)
    item, c, t, p, u = found
    return _row(item, c, t, p, u, _rules_by_checkin(session, [c.id])[c.id], now or utcnow())


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"{minutes // 60} hours ago"


def _take(session: Session, item_id: int, actor: Actor, user_id: int, now: datetime) -> bool:
    """Claim an unclaimed new case in one UPDATE that bumps the version; True if this one won."""
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item_id,
            scope.mine(ReviewItem.clinic_id, actor),
            ReviewItem.status == ReviewStatus.NEW,
            ReviewItem.claimed_by.is_(None),
        )
        .values(
            status=ReviewStatus.CLAIMED,
            claimed_by=user_id,
            claimed_at=now,
            first_reviewed_at=func.coalesce(ReviewItem.first_reviewed_at, now),
            version=ReviewItem.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def claim(*, session: Session, actor: Actor, item_id: int) -> QueueRow:
    """Take a case. Exactly one of several simultaneous claims wins; the others learn who."""
    access.require_case_access(actor)
    if actor.user_id is None:
        raise InvalidInput("Sign in as a provider to claim a case.")
    now = utcnow()
    won = _take(session, item_id, actor, actor.user_id, now)
    row = _load_row(session, item_id, actor, now)
    if not won and row.claimed_by_id != actor.user_id:
        audit.record(
            session=session,
            actor=actor,
            action="claim",
            patient_id=row.patient_id,
            object_type="review_item",
            object_id=item_id,
            outcome="refused",
            detail=f"held by {row.claimed_by_name or row.status}",
        )
        if row.status is ReviewStatus.RESOLVED:
            raise Conflict("This case is already resolved.")
        claimed_at = session.scalar(select(ReviewItem.claimed_at).where(ReviewItem.id == item_id))
        raise Conflict(f"{row.claimed_by_name} claimed this case {_ago(claimed_at, now)}.")
    if won:
        audit.record(
            session=session,
            actor=actor,
            action="claim",
            patient_id=row.patient_id,
            object_type="review_item",
            object_id=item_id,
        )
    return row


def release(*, session: Session, actor: Actor, item_id: int) -> QueueRow:
    access.require_case_access(actor)
    owner = ReviewItem.claimed_by == actor.user_id
    cond = or_(owner, ReviewItem.claimed_by.is_not(None)) if actor.role is Role.ADMIN else owner
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item_id,
            scope.mine(ReviewItem.clinic_id, actor),
            ReviewItem.status == ReviewStatus.CLAIMED,
            cond,
        )
        .values(
            status=ReviewStatus.NEW,
            claimed_by=None,
            claimed_at=None,
            version=ReviewItem.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    row = _load_row(session, item_id, actor)
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("You can only release a case you have claimed.")
    audit.record(
        session=session,
        actor=actor,
        action="release",
        patient_id=row.patient_id,
        object_type="review_item",
        object_id=item_id,
    )
    return row


def resolve(
    *, session: Session, actor: Actor, item_id: int, disposition: Disposition | str, note: str = ""
) -> QueueRow:
    """Close a case with a disposition; claims it first if nobody had."""
    access.require_case_access(actor)
    try:
        disp = Disposition(disposition)
    except ValueError:
        raise InvalidInput("Choose how the case was resolved.") from None
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is too long; keep it under {MAX_NOTE} characters.")
    now = utcnow()
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item_id,
            scope.mine(ReviewItem.clinic_id, actor),
            ReviewItem.status != ReviewStatus.RESOLVED,
            or_(ReviewItem.claimed_by.is_(None), ReviewItem.claimed_by == actor.user_id),
        )
        .values(
            status=ReviewStatus.RESOLVED,
            claimed_by=actor.user_id,
            claimed_at=func.coalesce(ReviewItem.claimed_at, now),
            first_reviewed_at=func.coalesce(ReviewItem.first_reviewed_at, now),
            resolved_at=now,
            disposition=disp.value,
            resolution_note=note.strip(),
            version=ReviewItem.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    row = _load_row(session, item_id, actor, now)
    if getattr(result, "rowcount", 0) != 1:
        if row.status is ReviewStatus.RESOLVED:
            raise Conflict("This case is already resolved.")
        raise Conflict(f"{row.claimed_by_name} has claimed this case; ask them, or wait.")
    audit.record(
        session=session,
        actor=actor,
        action="resolve",
        patient_id=row.patient_id,
        object_type="review_item",
        object_id=item_id,
        detail=disp.value,
    )
    return row


def reply(
    *, session: Session, actor: Actor, signing_key: LinkKey, item_id: int, body: str
) -> MessageView:
    """A message to the patient; they see it in their history.

    Only the case's owner replies: a reply on a new case claims it first (atomically, as
    ``claim`` does), and a reply on a case someone else holds is refused and audited; the
    sentence says how to take the case over.
    """
    access.require_case_access(actor)
    text = body.strip()
    if not text:
        raise InvalidInput("Write a message before sending it.")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"The message is too long; keep it under {MAX_NOTE} characters.")
    if actor.user_id is None:
        raise InvalidInput("Sign in as a provider to reply to a patient.")
    now = utcnow()
    claimed = _take(session, item_id, actor, actor.user_id, now)
    item = scope.get(session, ReviewItem, item_id, actor, missing=CASE_GONE, fresh=True)
    patient_id = session.scalar(
        select(Treatment.patient_id).where(Treatment.id == item.treatment_id)
    )
    if claimed:
        audit.record(
            session=session,
            actor=actor,
            action="claim",
            patient_id=patient_id,
            object_type="review_item",
            object_id=item_id,
            detail="by replying",
        )
    elif item.claimed_by != actor.user_id:
        holder = _author_names(session, [item.claimed_by]).get(item.claimed_by or 0, "Someone")
        audit.record(
            session=session,
            actor=actor,
            action="reply",
            patient_id=patient_id,
            object_type="review_item",
            object_id=item_id,
            outcome="refused",
            detail=f"held by {holder}",
        )
        if item.status == ReviewStatus.RESOLVED:
            raise Conflict(f"{holder} resolved this case; only they can reply on it.")
        raise Conflict(
            f"{holder} has claimed this case; only they can reply. "
            "Take it over (with a reason) if they are away."
        )
    elif item.first_reviewed_at is None:  # the owner's first look (after a take-over, say)
        # One UPDATE that bumps the version, like every change to a case, so caches keyed on
        # the data stamp (the trends report's review times) see it.
        session.execute(
            update(ReviewItem)
            .where(
                ReviewItem.id == item_id,
                ReviewItem.clinic_id == item.clinic_id,
                ReviewItem.claimed_by == actor.user_id,
                ReviewItem.first_reviewed_at.is_(None),
            )
            .values(first_reviewed_at=now, version=ReviewItem.version + 1)
            .execution_options(synchronize_session=False)
        )
    msg = Message(
        clinic_id=item.clinic_id,
        treatment_id=item.treatment_id,
        review_item_id=item.id,
        author_user_id=actor.user_id,
        direction=MessageDirection.TO_PATIENT,
        body=text,
        created_at=now,
    )
    session.add(msg)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="reply",
        patient_id=patient_id,
        object_type="review_item",
        object_id=item_id,
    )
    outbox.queue_reply_notice(
        session=session, signing_key=signing_key, actor=actor, message_id=msg.id,
        treatment_id=item.treatment_id,
    )  # fmt: skip
    names = {actor.user_id: actor.name}
    return message_view(msg, names)


MAX_REASON = 500


def take_over(*, session: Session, actor: Actor, item_id: int, reason: str) -> QueueRow:
    """Take a case someone else has claimed (they went home, say), with a reason; audited.

    Providers and admins may. The change is one ``UPDATE … WHERE claimed_by = <the holder
    read just before>``, so two people taking over at once (or the holder releasing meanwhile)
    cannot both win.
    """
    access.require_case_access(actor)
    if actor.user_id is None:
        raise InvalidInput("Sign in as a provider to take over a case.")
    why = reason.strip()
    if not why:
        raise InvalidInput("Say why you are taking the case over (for example: Dr Lee has left).")
    if len(why) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    before = _load_row(session, item_id, actor)
    if before.status is ReviewStatus.RESOLVED:
        raise Conflict("This case is already resolved.")
    if before.claimed_by_id is None:
        raise Conflict("Nobody has claimed this case: claim it instead.")
    if before.claimed_by_id == actor.user_id:
        raise Conflict("You already have this case.")
    now = utcnow()
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item_id,
            scope.mine(ReviewItem.clinic_id, actor),
            ReviewItem.status == ReviewStatus.CLAIMED,
            ReviewItem.claimed_by == before.claimed_by_id,
        )
        .values(claimed_by=actor.user_id, claimed_at=now, version=ReviewItem.version + 1)
        .execution_options(synchronize_session=False)
    )
    row = _load_row(session, item_id, actor, now)
    won = getattr(result, "rowcount", 0) == 1
    audit.record(
        session=session,
        actor=actor,
        action="take_over",
        patient_id=row.patient_id,
        object_type="review_item",
        object_id=item_id,
        outcome="ok" if won else "refused",
        detail=f"from {before.claimed_by_name}: {why}",
    )
    if not won:
        raise Conflict("The case changed hands a moment ago; look again before taking it over.")
    return row


def _checkins_of(session: Session, treatment_id: int) -> list[CheckIn]:
    return list(
        session.scalars(
            select(CheckIn)
            .where(CheckIn.treatment_id == treatment_id)
            .options(selectinload(CheckIn.photos), selectinload(CheckIn.triage))
            .order_by(CheckIn.submitted_at, CheckIn.id)
        )
    )


def open_case(*, session: Session, actor: Actor, item_id: int, audit_read: bool = True) -> CaseView:
    """Everything a provider needs to decide, in one read (which is audited;
    ``audit_read=False`` is for a page's reruns after its first read in one visit)."""
    access.require_case_access(actor)
    row = _load_row(session, item_id, actor)
    treatment = session.get(Treatment, row.treatment_id, options=[selectinload(Treatment.patient)])
    assert treatment is not None  # the row's join found it
    history = [checkin_view(c) for c in _checkins_of(session, row.treatment_id)]
    index = next(i for i, c in enumerate(history) if c.id == row.checkin_id)
    current = history[index]
    earlier = history[:index]
    previous = next((c for c in reversed(earlier) if not c.is_baseline), None)
    baseline = _baseline(earlier)
    messages = session.scalars(
        select(Message).where(Message.treatment_id == row.treatment_id).order_by(Message.created_at)
    ).all()
    authors = _author_names(session, [m.author_user_id for m in messages])
    if audit_read:
        audit.record(
            session=session,
            actor=actor,
            action="view_case",
            patient_id=row.patient_id,
            object_type="review_item",
            object_id=item_id,
        )
        session.flush()
    return CaseView(
        item=row,
        treatment=treatment_view(treatment),
        checkin=current,
        previous=previous,
        baseline=baseline,
        history=tuple(history),
        messages=tuple(message_view(m, authors) for m in messages),
        audit=tuple(
            audit.events_for_object(
                session=session, actor=actor, object_type="review_item", object_id=item_id
            )
        ),
        other_open=_other_open_cases(session, access.clinic_of(actor), row.patient_id, item_id),
    )


def _baseline(earlier: Sequence[CheckInView]) -> CheckInView | None:
    marked = [c for c in earlier if c.is_baseline]
    if marked:
        return marked[0]
    with_photos = [c for c in earlier if c.photos]
    return with_photos[0] if with_photos else None


def photo_bytes(
    *,
    session: Session,
    store: BlobStore,
    actor: Actor,
    photo_id: int,
    rendition: str = "display",
    audit_read: bool = True,
) -> bytes:
    """A stored photo for display, after the access check, with an audit event
    (``audit_read=False``: a page's reruns after its first read of the photo in one visit).

    ``rendition`` is "thumb", "display", "full", or "measured": the display copy with the
    measured region drawn over it, zone by zone (the display copy when none was stored).
    """
    if actor.role is not Role.PATIENT:  # refused before anything is read, photo or not
        access.require_case_access(actor)
    found = session.execute(
        select(Photo, CheckIn.treatment_id, Treatment.patient_id)
        .join(CheckIn, CheckIn.id == Photo.checkin_id)
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(Photo.id == photo_id, scope.mine(Photo.clinic_id, actor))
    ).first()
    if found is None:
        raise NotFound("That photo is not available.")
    photo, treatment_id, patient_id = found
    access.require_treatment_access(actor, treatment_id)
    key = {
        "thumb": photo.thumb_key,
        "display": photo.display_key,
        "measured": photo.display_key,
    }.get(rendition) or photo.storage_key
    try:
        data = store.get(key)
        if rendition == "measured" and photo.region_key:
            from checkins.imaging.overlay import overlay_jpeg  # OpenCV only when drawn

            data = overlay_jpeg(data, store.get(photo.region_key))
    except FileNotFoundError:
        raise NotFound("That photo's file is missing; the clinic has been told.") from None
    if not audit_read:
        return data
    audit.record(
        session=session,
        actor=actor,
        action="view_photo",
        patient_id=patient_id,
        object_type="photo",
        object_id=photo_id,
        detail=rendition,
    )
    return data
