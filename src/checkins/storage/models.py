"""The tables. SQLAlchemy 2 typed ORM; every schema change goes through an Alembic migration.

Answers are typed columns (not a JSON blob) so rules, trends and audits can query them. Photo
metrics are columns too, with the algorithm version that produced them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from checkins.domain import (
    DEFAULT_OFFICE_HOURS,
    ContactPreference,
    OutboxStatus,
    ReviewStatus,
    utcnow,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 - SQLAlchemy reads it


class ClinicSettings(Base):
    __tablename__ = "clinic_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # E.164, or None for a new clinic that has not set it yet (never the demo's number).
    phone: Mapped[str | None] = mapped_column(String(50))
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    target_response_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # The clinic hands patients the printed reference card (`checkins card`): the check-in
    # page then says how to hold it in the frame.
    reference_card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Enrolment (migration 0003): office hours per weekday ("mon": ["09:00", "17:00"] or None),
    # the on-call number patients are given out of hours, the default schedule and link validity,
    # and the messaging settings the worker reads.
    office_hours: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=lambda: dict(DEFAULT_OFFICE_HOURS)
    )
    after_hours_phone: Mapped[str | None] = mapped_column(String(20))
    default_schedule_days: Mapped[list[Any]] = mapped_column(
        JSON, default=lambda: [1, 3, 7, 14, 28]
    )
    link_validity_days: Mapped[int] = mapped_column(Integer, default=42, server_default="42")
    reminder_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    quiet_hours: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=lambda: {"start": "21:00", "end": "08:00"}
    )
    escalation_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # Several clinics (migration 0009): clinics of one organisation share their managers; each
    # clinic may have its own rule file (None: the shipped rules).
    organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")
    rules_path: Mapped[str | None] = mapped_column(String(1000))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Enrolment (migration 0003). Older rows have no birth date or contact details.
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    # Lower-cased, accent-free name for search; typo-tolerant matching works on it.
    search_name: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # None: never asked; the patient's own browser decides their page, and the language it
    # chose is kept here the first time they open their link (migration 0010).
    language: Mapped[str | None] = mapped_column(String(5))
    contact_preference: Mapped[str] = mapped_column(
        String(8), default=ContactPreference.SMS.value, server_default=ContactPreference.SMS.value
    )
    caregiver_name: Mapped[str | None] = mapped_column(String(200))
    caregiver_phone_e164: Mapped[str | None] = mapped_column(String(20))
    caregiver_email: Mapped[str | None] = mapped_column(String(254))
    discharged_at: Mapped[datetime | None] = mapped_column(DateTime)
    discharge_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    treatments: Mapped[list[Treatment]] = relationship(back_populates="patient")


class Treatment(Base):
    __tablename__ = "treatments"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    procedure: Mapped[str] = mapped_column(String(32))
    treated_at: Mapped[datetime] = mapped_column(DateTime)
    areas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    needle_depth_mm: Mapped[float | None] = mapped_column(Float)
    antiviral_prescribed: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule_days: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [1, 3, 7, 14])
    # Bumped to revoke every check-in link issued so far for this treatment.
    link_generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Enrolment (migration 0003).
    rf_level: Mapped[float | None] = mapped_column(Float)
    pre_treatment_prep: Mapped[bool | None] = mapped_column(Boolean)
    staff_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    series_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    previous_treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatments.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    patient: Mapped[Patient] = relationship(back_populates="treatments")
    checkins: Mapped[list[CheckIn]] = relationship(back_populates="treatment")


class ScheduledCheckin(Base):
    """One due check-in of a treatment: the day, when it is due, and what answered it."""

    __tablename__ = "scheduled_checkins"
    __table_args__ = (
        UniqueConstraint("treatment_id", "day"),
        Index("ix_scheduled_due", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"), index=True)
    day: Mapped[int] = mapped_column(Integer)
    # Naive UTC: the start of that day in the clinic's time zone.
    due_at: Mapped[datetime] = mapped_column(DateTime)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_treatment_submitted", "treatment_id", "submitted_at"),
        Index("ix_checkins_submitted_at", "submitted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"))
    client_submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_since_treatment: Mapped[float] = mapped_column(Float)
    day_since_treatment: Mapped[int] = mapped_column(Integer)
    # Answers: one typed column each. Baseline photos taken before treatment carry no answers.
    temperature_value: Mapped[float | None] = mapped_column(Float)
    temperature_unit: Mapped[str | None] = mapped_column(String(1))
    temperature_f: Mapped[float | None] = mapped_column(Float)
    drainage_like_pus: Mapped[bool | None] = mapped_column(Boolean)
    increased_warmth: Mapped[bool | None] = mapped_column(Boolean)
    swelling: Mapped[str | None] = mapped_column(String(16))
    redness: Mapped[str | None] = mapped_column(String(16))
    oozing: Mapped[bool | None] = mapped_column(Boolean)
    pain: Mapped[int | None] = mapped_column(Integer)
    picked_or_peeled_skin: Mapped[bool | None] = mapped_column(Boolean)
    sun_exposure: Mapped[bool | None] = mapped_column(Boolean)
    routine_followed: Mapped[bool | None] = mapped_column(Boolean)
    antiviral_taken: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The check-in's redness (mean over its acceptable photos) and its change, for rules/trends.
    mean_a_star: Mapped[float | None] = mapped_column(Float)
    erythema_index: Mapped[float | None] = mapped_column(Float)
    red_area_fraction: Mapped[float | None] = mapped_column(Float)
    delta_a_star_baseline: Mapped[float | None] = mapped_column(Float)
    delta_a_star_previous: Mapped[float | None] = mapped_column(Float)
    # {zone: {"a": a*, "ei": EI}}: the like-for-like figures the deltas are taken on (0005).
    zones: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    treatment: Mapped[Treatment] = relationship(back_populates="checkins")
    photos: Mapped[list[Photo]] = relationship(back_populates="checkin", order_by="Photo.id")
    triage: Mapped[TriageRecord | None] = relationship(back_populates="checkin")


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(128))
    display_key: Mapped[str | None] = mapped_column(String(128))
    thumb_key: Mapped[str | None] = mapped_column(String(128))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(16))
    quality_acceptable: Mapped[bool | None] = mapped_column(Boolean)
    quality_issues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    mean_a_star: Mapped[float | None] = mapped_column(Float)
    erythema_index: Mapped[float | None] = mapped_column(Float)
    red_area_fraction: Mapped[float | None] = mapped_column(Float)
    ita: Mapped[float | None] = mapped_column(Float)
    calibrated: Mapped[bool] = mapped_column(Boolean, default=False)
    mm_per_pixel: Mapped[float | None] = mapped_column(Float)
    algorithm_version: Mapped[str | None] = mapped_column(String(32))
    # The measured region (0005): its zones' figures, "face"/"body"/"none", and its label image.
    zones: Mapped[list[Any] | None] = mapped_column(JSON)
    region_kind: Mapped[str | None] = mapped_column(String(8))
    region_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checkin: Mapped[CheckIn] = relationship(back_populates="photos")


class TriageRecord(Base):
    __tablename__ = "triage_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), unique=True)
    severity: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    patient_message: Mapped[str] = mapped_column(Text)
    rules_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checkin: Mapped[CheckIn] = relationship(back_populates="triage")


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (
        # The queue's order: open items, most severe first, then longest waiting.
        Index("ix_review_queue", "clinic_id", "status", "severity_rank", "created_at"),
        Index("ix_review_claimed_by", "claimed_by"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"))
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), unique=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.NEW.value)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    disposition: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class RuleHit(Base):
    """One matched rule per row, so false-alarm rates per rule are a GROUP BY, not a JSON scan."""

    __tablename__ = "rule_hits"
    __table_args__ = (UniqueConstraint("checkin_id", "rule_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"), index=True)
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    direction: Mapped[str] = mapped_column(String(24))  # a MessageDirection
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Append-only: services insert rows; triggers (migration 0006) refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_patient_at", "patient_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The clinic the event happened in; None for one outside any (an unknown username's
    # sign-in attempt, a link whose treatment does not exist).
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(Base):
    """Everything that leaves the software, written in the transaction that caused it.

    ``checkins worker`` claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a guarded
    UPDATE on SQLite), sends them and marks them sent. ``idempotency_key`` is unique: the same
    reminder, alert or notice is never queued twice, and it travels with the message (the
    email's Message-ID, the SMS request's idempotency header) so a resend after a crash is
    recognisable downstream. Bodies carry no clinical content (no PHI over email or SMS).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_kind_created", "kind", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # reminder | alert | reply_notice | link | test
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"))
    alert_contact_id: Mapped[int | None] = mapped_column(ForeignKey("alert_contacts.id"))
    # An escalation is sent only while its case is still unclaimed at ``next_attempt_at``.
    only_if_unclaimed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class AlertContact(Base):
    """The clinic's on-call contacts, alerted in ``position`` order until one claims the case."""

    __tablename__ = "alert_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    address: Mapped[str] = mapped_column(String(254))
    # Out of office hours only the contacts marked on_call are alerted (the rota).
    on_call: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CheckinDraft(Base):
    """A patient's check-in in progress, so a reload mid-form loses no photo and no answer.

    Keyed on the link (``link_key``: the SHA-256 of the token, never the token itself) and gone
    with it: ``expires_at`` is the link's own expiry. The photos are blobs in the photo store,
    written before this row (``photos``: ``[{"key": sha256, "name": shown name}]``);
    ``checkins reconcile`` keeps them while a draft names them. Migration 0007.
    """

    __tablename__ = "checkin_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic_settings.id"), index=True)
    link_key: Mapped[str] = mapped_column(String(64), unique=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Trend tables (migration 0008) -------------------------------------------------------------
# Kept by services/trends/stored.py in the same transaction as the change that affects them
# (a check-in's intake, a treatment's schedule) and rebuilt from the rows by `stored.rebuild`.


class TrendPoint(Base):
    """One non-baseline check-in as the trends read it: its cohort keys and its three metrics.

    Each metric has an index on (procedure, day, value): the values of one recovery-curve group
    sorted, so an exact percentile is read at its rank instead of sorting the history.
    """

    __tablename__ = "trend_points"
    __table_args__ = (
        Index("ix_trend_points_a_star", "clinic_id", "procedure", "day", "mean_a_star"),
        Index("ix_trend_points_ei", "clinic_id", "procedure", "day", "erythema_index"),
        Index("ix_trend_points_red_area", "clinic_id", "procedure", "day", "red_area_fraction"),
        Index("ix_trend_points_treated_at", "treated_at"),
        Index("ix_trend_points_submitted_at", "submitted_at"),
    )
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(Integer)
    treatment_id: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(32))
    series_number: Mapped[int] = mapped_column(Integer)
    treated_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    day: Mapped[int] = mapped_column(Integer)
    mean_a_star: Mapped[float | None] = mapped_column(Float)
    erythema_index: Mapped[float | None] = mapped_column(Float)
    red_area_fraction: Mapped[float | None] = mapped_column(Float)


class TrendGroup(Base):
    """The size of one trends group over all time: check-ins with a value, distinct patients.

    ``kind`` is a metric (a recovery-curve group: procedure, day) or ``"checkins"`` (the
    overview: day -1, procedure ``"*"`` for every procedure).
    """

    __tablename__ = "trend_groups"
    clinic_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    procedure: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkins: Mapped[int] = mapped_column(Integer)
    patients: Mapped[int] = mapped_column(Integer)


class TrendMember(Base):
    """One patient's check-ins in one trends group: what makes ``TrendGroup.patients`` distinct."""

    __tablename__ = "trend_members"
    clinic_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    procedure: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkins: Mapped[int] = mapped_column(Integer)


class TrendSlot(Base):
    """One due check-in of a treatment's schedule, for adherence: when its window closes
    (treated_at + day + grace + 1 day) and whether a check-in arrived inside it."""

    __tablename__ = "trend_slots"
    __table_args__ = (
        Index(
            "ix_trend_slots_patients",
            "clinic_id",
            "procedure",
            "patient_id",
            "closes_at",
            "received",
        ),
    )
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(32))
    series_number: Mapped[int] = mapped_column(Integer)
    treated_at: Mapped[datetime] = mapped_column(DateTime)
    due_day: Mapped[int] = mapped_column(Integer)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    received: Mapped[bool] = mapped_column(Boolean)


class TrendState(Base):
    """What the trend tables cover: the highest check-in id counted and treatment id laid out.

    The trends read the tables only while these are the highest ids in the rows (a bulk load
    that bypassed the services adds higher ones; the trends then read the rows until
    `stored.rebuild`). Before migration 0009 they were counts, which cost a scan of every row."""

    __tablename__ = "trend_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_checkin_id: Mapped[int] = mapped_column(Integer)
    last_treatment_id: Mapped[int] = mapped_column(Integer)
