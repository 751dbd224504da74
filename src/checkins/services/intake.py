"""Intake: validate a check-in, store its photos and answers in one unit of work, triage it,
and put urgent and review results in the providers' queue.

Order of writes: every photo is analysed first (a refused photo stops the whole check-in before
anything is written), then its blobs go to the content-addressed store (atomic, durable), then
the rows that point at them are added to the caller's transaction. A crash between the two
leaves only unreferenced blobs, which `checkins reconcile` removes; never a row without a file.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from checkins import access, measures, rules, schedule
from checkins.domain import (
    MAX_PHOTOS,
    Answers,
    Conflict,
    InvalidInput,
    MetricChange,
    PhotoMetrics,
    ReviewStatus,
    Severity,
    TriageResult,
    calibrated,
    measured,
    utcnow,
)
from checkins.i18n import N_
from checkins.imaging import (
    PhotoAnalysis,
    ProcessedPhoto,
    process_photo,
    process_photo_isolated,
)
from checkins.imaging.opening import check_bytes
from checkins.imaging.zones import region_png
from checkins.messaging import outbox
from checkins.services import audit, scope, trends
from checkins.services.clinic import call_now, clinic_settings
from checkins.services.convert import (
    photo_view,
    reasons_from_json,
    reasons_to_json,
    store_answers,
)
from checkins.services.views import Actor, SubmitResult
from checkins.storage.models import (
    CheckIn,
    Photo,
    ReviewItem,
    RuleHit,
    ScheduledCheckin,
    Treatment,
    TriageRecord,
)
from checkins.storage.photos import BlobStore, sha256_hex


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo that passed safe decoding and was analysed, ready to be stored."""

    name: str
    processed: ProcessedPhoto

    @property
    def analysis(self) -> PhotoAnalysis:
        return self.processed.analysis


def display_name(name: str) -> str:
    """The original file name, kept only as display text: no directories, bounded length."""
    base = PurePath(name.replace("\\", "/")).name if name else ""
    cleaned = "".join(ch for ch in base if ch.isprintable())
    return cleaned[:120] or "photo"


def prepare_photo(data: bytes, *, name: str = "", isolated: bool = True) -> PreparedPhoto:
    """Decode safely and analyse; in a worker process with a time limit unless told otherwise.

    The decoder's own size and format checks run first, here, so an empty, oversized or
    unknown file is refused without starting a worker."""
    check_bytes(data)
    processed = process_photo_isolated(data) if isolated else process_photo(data)
    return PreparedPhoto(name=display_name(name), processed=processed)


def aggregate_metrics(analyses: Sequence[PhotoAnalysis]) -> PhotoMetrics:
    """A check-in's redness: the mean over its photos that passed the quality gate."""
    good = [
        a.metrics for a in analyses if measured(acceptable=a.quality.acceptable, metrics=a.metrics)
    ]
    if not good:
        return PhotoMetrics()

    def mean(values: list[float | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return statistics.fmean(vals) if vals else None

    return PhotoMetrics(
        mean_a_star=mean([m.mean_a_star for m in good]),
        erythema_index=mean([m.erythema_index for m in good]),
        red_area_fraction=mean([m.red_area_fraction for m in good]),
        ita=mean([m.ita for m in good]),
        calibrated=calibrated(good),
    )


def _reference_checkins(
    session: Session, treatment_id: int, before: datetime
) -> tuple[CheckIn | None, CheckIn | None]:
    """The baseline (a baseline check-in, else the first measured one) and the previous one."""
    measured = (
        select(CheckIn)
        .where(CheckIn.treatment_id == treatment_id, CheckIn.mean_a_star.is_not(None))
        .where(CheckIn.submitted_at <= before)
    )
    baseline = session.scalar(
        measured.order_by(CheckIn.is_baseline.desc(), CheckIn.submitted_at, CheckIn.id).limit(1)
    )
    previous = session.scalar(
        measured.order_by(CheckIn.submitted_at.desc(), CheckIn.id.desc()).limit(1)
    )
    return baseline, previous


def _diff(current: float | None, reference: CheckIn | float | None) -> float | None:
    """current − reference; None when either is unknown (``ref and ref.x`` may be None)."""
    if current is None or reference is None or isinstance(reference, CheckIn):
        return None
    return current - reference


def _change(
    current: PhotoMetrics, zones: measures.ZoneFigures, ref: CheckIn | None, key: str
) -> float | None:
    """The change against ``ref``: zone by zone when both have zones, else whole-region means.

    Both with zones but none in common (a face then a body site) cannot be compared: None.
    """
    if ref is None:
        return None
    if zones and ref.zones:
        return measures.zone_delta(zones, ref.zones, key)
    if key == "a":
        return _diff(current.mean_a_star, ref.mean_a_star)
    return _diff(current.erythema_index, ref.erythema_index)


def _stored_result(session: Session, existing: CheckIn, treatment_id: int) -> SubmitResult:
    if existing.treatment_id != treatment_id:
        raise Conflict("That submission id was already used for another treatment.")
    tr = existing.triage
    item = session.scalar(select(ReviewItem.id).where(ReviewItem.checkin_id == existing.id))
    assert tr is not None  # every stored check-in has its triage, written in the same unit
    result = TriageResult(
        severity=Severity(tr.severity),
        reasons=reasons_from_json(tr.reasons),
        patient_message=tr.patient_message,
        rules_version=tr.rules_version,
        day_since_treatment=existing.day_since_treatment,
    )
    return SubmitResult(
        checkin_id=existing.id,
        created=False,
        triage=result,
        review_item_id=item,
        photos=tuple(photo_view(p) for p in existing.photos),
    )


def _mark_answered(session: Session, treatment_id: int, day: int, checkin_id: int) -> int | None:
    """Record that a check-in answered the schedule: the latest open due day up to ``day`` (a
    day-2 check-in answers day 1), else the next one if it is due tomorrow. Its day or None.

    A step of ``submit_checkin``, in its transaction and after its access check."""
    open_rows = select(ScheduledCheckin).where(
        ScheduledCheckin.treatment_id == treatment_id,
        ScheduledCheckin.checkin_id.is_(None),
        ScheduledCheckin.cancelled_at.is_(None),
    )
    row = session.scalar(
        open_rows.where(ScheduledCheckin.day <= day).order_by(ScheduledCheckin.day.desc()).limit(1)
    )
    if row is None:
        row = session.scalar(open_rows.where(ScheduledCheckin.day == day + 1).limit(1))
    if row is None:
        return None
    row.checkin_id = checkin_id
    return row.day


def _find(session: Session, client_submission_id: str) -> CheckIn | None:
    return session.scalar(
        select(CheckIn)
        .where(CheckIn.client_submission_id == client_submission_id)
        .options(selectinload(CheckIn.photos), selectinload(CheckIn.triage))
    )


def treatment_of_submission(
    *, session: Session, actor: Actor, client_submission_id: str
) -> int | None:
    """The treatment a check-in sent before under this submission id was stored for, or None.

    For a sender that enrols as it submits (``checkins submit`` without ``--treatment``): a
    check-in sent twice answers with what was stored and adds no second patient."""
    access.require_enrolment_access(actor)
    found: int | None = session.scalar(
        select(CheckIn.treatment_id).where(
            CheckIn.client_submission_id == client_submission_id,
            scope.mine(CheckIn.clinic_id, actor),
        )
    )
    return found


BASELINE_MESSAGE = N_(
    "Thank you: your baseline photo is saved. After your treatment we compare new photos with "
    "it to follow how your skin settles."
)


def submit_checkin(
    *,
    session: Session,
    store: BlobStore,
    actor: Actor,
    treatment_id: int,
    answers: Answers | None,
    photos: Sequence[PreparedPhoto],
    client_submission_id: str,
    submitted_at: datetime | None = None,
    is_baseline: bool = False,
    ruleset: rules.RuleSet,
) -> SubmitResult:
    """Store one check-in (idempotent on client_submission_id) and return its triage.

    ``ruleset`` is the rules in force, loaded once by the caller's entry point (the command,
    the dashboard's process), never re-read here."""
    if is_baseline:
        access.require_baseline_access(actor, treatment_id)
    else:
        access.require_treatment_access(actor, treatment_id)
    if not 8 <= len(client_submission_id) <= 64:
        raise InvalidInput("The submission id must be 8 to 64 characters long.")
    # The treatment first, in the actor's clinic: a stored submission is only ever answered
    # for the treatment it was stored for, so nothing of another clinic's is read back.
    treatment = scope.get(
        session, Treatment, treatment_id, actor,
        missing="That treatment no longer exists; please contact the clinic.",
    )  # fmt: skip
    existing = _find(session, client_submission_id)
    if existing is not None:
        return _stored_result(session, existing, treatment_id)
    submitted_at = submitted_at or utcnow()
    if not is_baseline:
        if answers is None:
            raise InvalidInput("Please answer the questions before sending your check-in.")
        if submitted_at < treatment.treated_at:
            raise InvalidInput(
                "This check-in is dated before the treatment; before treatment you can send a "
                "baseline photo instead."
            )
    elif not photos:
        raise InvalidInput("A baseline check-in needs at least one photo.")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"Please send at most {MAX_PHOTOS} photos in one check-in.")

    hours = schedule.hours_since(treated_at=treatment.treated_at, at=submitted_at)
    day = schedule.day_since_treatment(treated_at=treatment.treated_at, at=submitted_at)
    current = aggregate_metrics([p.analysis for p in photos])
    zones = measures.zone_figures(
        [z.to_json() for z in p.analysis.zones]
        for p in photos
        if measured(acceptable=p.analysis.quality.acceptable, metrics=p.analysis.metrics)
    )
    baseline, previous = _reference_checkins(session, treatment_id, submitted_at)
    change = MetricChange(
        current=current,
        delta_a_star_baseline=_change(current, zones, baseline, "a"),
        delta_a_star_previous=_change(current, zones, previous, "a"),
        delta_ei_baseline=_change(current, zones, baseline, "ei"),
        delta_ei_previous=_change(current, zones, previous, "ei"),
        photos_total=len(photos),
        photos_unusable=sum(1 for p in photos if not p.analysis.quality.acceptable),
    )
    clinic = clinic_settings(session=session, clinic_id=treatment.clinic_id)
    if is_baseline and answers is None:
        triage = TriageResult(
            severity=Severity.ROUTINE,
            reasons=(),
            patient_message=BASELINE_MESSAGE,
            rules_version=ruleset.version,
            day_since_treatment=day,
        )
    else:
        triage = rules.triage(
            ruleset=ruleset,
            answers=answers,
            procedure=treatment.procedure,
            hours_since_treatment=max(hours, 0.0),
            clinic_phone=clinic.phone,
            metrics=change,
            contact=call_now(clinic, utcnow()),
            schedule_days=[int(d) for d in treatment.schedule_days],
        )

    # Blobs first, durable on disk, before any row that names them can commit.
    blobs = [
        (
            store.put(p.processed.stored),
            store.put(p.processed.display_jpeg),
            store.put(p.processed.thumb_jpeg),
            None
            if p.analysis.region_labels is None
            else store.put(region_png(p.analysis.region_labels)),
        )
        for p in photos
    ]
    checkin = _checkin_row(
        clinic_id=treatment.clinic_id,
        treatment_id=treatment_id,
        client_submission_id=client_submission_id,
        submitted_at=submitted_at,
        hours=hours,
        day=day,
        answers=answers,
        is_baseline=is_baseline,
        change=change,
    )
    checkin.zones = zones or None
    for prepared, (key, display_key, thumb_key, region_key) in zip(photos, blobs, strict=True):
        a = prepared.analysis
        checkin.photos.append(
            Photo(
                clinic_id=treatment.clinic_id,
                sha256=sha256_hex(prepared.processed.stored),
                storage_key=key,
                display_key=display_key,
                thumb_key=thumb_key,
                original_name=prepared.name,
                width=a.width,
                height=a.height,
                format=a.format,
                quality_acceptable=a.quality.acceptable,
                quality_issues=[i.code for i in a.quality.issues],
                mean_a_star=a.metrics.mean_a_star,
                erythema_index=a.metrics.erythema_index,
                red_area_fraction=a.metrics.red_area_fraction,
                ita=a.metrics.ita,
                calibrated=a.metrics.calibrated,
                mm_per_pixel=a.calibration.mm_per_pixel,
                algorithm_version=a.algorithm_version,
                zones=[z.to_json() for z in a.zones],
                region_kind=a.region_kind,
                region_key=region_key,
            )
        )
    checkin.triage = TriageRecord(
        severity=triage.severity.value,
        reasons=reasons_to_json(triage.reasons),
        patient_message=triage.patient_message,
        rules_version=triage.rules_version,
    )
    try:
        with session.begin_nested():
            session.add(checkin)
            session.flush()
    except IntegrityError:
        # Another request stored the same submission id first: answer with what it stored.
        existing = _find(session, client_submission_id)
        if existing is None:
            raise
        return _stored_result(session, existing, treatment_id)

    if not is_baseline:
        _mark_answered(session, treatment_id, checkin.day_since_treatment, checkin.id)
    for reason in triage.reasons:
        session.add(
            RuleHit(checkin_id=checkin.id, rule_id=reason.rule, severity=reason.severity.value)
        )
    item_id = None
    if triage.severity is not Severity.ROUTINE:
        item = ReviewItem(
            clinic_id=treatment.clinic_id,
            checkin_id=checkin.id,
            treatment_id=treatment_id,
            severity=triage.severity.value,
            severity_rank=triage.severity.rank,
            status=ReviewStatus.NEW.value,
            created_at=checkin.received_at,
        )
        session.add(item)
        session.flush()
        item_id = item.id
        if triage.severity is Severity.URGENT:
            # In this transaction: the alerts exist exactly when the case does.
            outbox.queue_urgent_alerts(session=session, item_id=item.id, now=submitted_at)
    trends.checkin_added(session=session, actor=actor, checkin_id=checkin.id)  # same transaction
    audit.record(
        session=session,
        actor=actor,
        action="submit_checkin",
        patient_id=treatment.patient_id,
        object_type="checkin",
        object_id=checkin.id,
        detail=f"severity={triage.severity.value}",
    )
    session.flush()
    return SubmitResult(
        checkin_id=checkin.id,
        created=True,
        triage=triage,
        review_item_id=item_id,
        photos=tuple(photo_view(p) for p in checkin.photos),
    )


def _checkin_row(
    *,
    clinic_id: int,
    treatment_id: int,
    client_submission_id: str,
    submitted_at: datetime,
    hours: float,
    day: int,
    answers: Answers | None,
    is_baseline: bool,
    change: MetricChange,
) -> CheckIn:
    row = CheckIn(
        clinic_id=clinic_id,
        treatment_id=treatment_id,
        client_submission_id=client_submission_id,
        submitted_at=submitted_at,
        received_at=utcnow(),
        is_baseline=is_baseline,
        hours_since_treatment=hours,
        day_since_treatment=day,
        mean_a_star=change.current.mean_a_star,
        erythema_index=change.current.erythema_index,
        red_area_fraction=change.current.red_area_fraction,
        delta_a_star_baseline=change.delta_a_star_baseline,
        delta_a_star_previous=change.delta_a_star_previous,
    )
    store_answers(row, answers)
    return row
