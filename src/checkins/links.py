"""Personal check-in links: a signed, expiring token per treatment, so patients need no password.

A token is ``base64url(payload) + "." + base64url(HMAC-SHA256(key, context + payload))`` where
the payload is ``v1:<treatment id>:<link generation>:<expiry, unix seconds>``. The signature is
compared in constant time. Bumping ``treatments.link_generation`` (``revoke_links``) makes every
link issued before it stale at once.

The key comes from ``$CHECKINS_SECRET_KEY`` or, failing that, ``$CHECKINS_HOME/secret.key``,
created with mode 0600 the first time it is needed. Changing the key revokes every link. It is
read once, by ``load_key`` at the entry points (each command, the dashboard, the worker), and
passed in: nothing here reads the environment or the file while signing or verifying.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import AccessDenied, InvalidInput, NotFound, Role, utcnow
from checkins.i18n import N_
from checkins.services import audit, scope
from checkins.services.views import Actor
from checkins.storage import models
from checkins.storage.db import home

SECRET_ENV = "CHECKINS_SECRET_KEY"  # noqa: S105 - the variable name, not its value
QUERY_PARAM = "t"
DEFAULT_TTL_DAYS = 60
MAX_TTL_DAYS = 365
_CONTEXT = b"checkins/patient-link/v1\x00"
_VERSION = "v1"
_MAX_TOKEN_CHARS = 256
_SIGNATURE_BYTES = 32  # HMAC-SHA256
# What a message or a mail client may glue to the end of a link ("open it here: LINK.").
_TRAILING_PUNCTUATION = ".,;:!?)]}>'\"\u2019\u201d"

MALFORMED = N_(
    "This check-in link is incomplete or damaged. Open the link from the clinic's message "
    "again, or call the clinic for a new one."
)
ALTERED = N_(
    "This check-in link has been changed and cannot be used. Open the link exactly as the "
    "clinic sent it, or call the clinic for a new one."
)
CUT_OFF = N_(
    "This check-in link is not complete: some messaging apps cut long links short. Open it "
    "again from the clinic's message, tapping the whole link, or call the clinic for a new one."
)
REVOKED = N_(
    "This check-in link has been replaced by a newer one. Use the latest link the clinic "
    "sent you, or call the clinic."
)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LinkKey:
    """The clinic's signing key, loaded once (``load_key``) and passed to whatever signs or
    verifies a link. Its repr shows no secret, so it can sit in arguments and tracebacks."""

    secret: bytes = field(repr=False)

    def tag(self, context: bytes, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data`` under this key, for one ``context`` (a purpose's own label)."""
        return hmac.new(self.secret, context + data, sha256).digest()


def load_key() -> LinkKey:
    """The signing key: from the environment, else a 0600 file in CHECKINS_HOME made once.

    Called at the entry points only; a short key is refused with a sentence."""
    env = os.environ.get(SECRET_ENV)
    if env:
        if len(env) < 32:
            raise InvalidInput(f"{SECRET_ENV} must be at least 32 characters long.")
        return LinkKey(env.encode("utf-8"))
    path = home() / "secret.key"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return _read_key(path)


def _read_key(path: Path) -> LinkKey:
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise InvalidInput(f"The secret key in {path} is too short; delete it to make a new one.")
    return LinkKey(key.encode("utf-8"))


def _sign(payload: bytes, key: LinkKey) -> bytes:
    return key.tag(_CONTEXT, payload)


def make_token(*, key: LinkKey, treatment_id: int, generation: int, expires_at: datetime) -> str:
    """A token for one treatment and link generation, valid until ``expires_at`` (naive UTC)."""
    expiry = int(expires_at.replace(tzinfo=UTC).timestamp())
    payload = f"{_VERSION}:{treatment_id}:{generation}:{expiry}".encode("ascii")
    return f"{_b64encode(payload)}.{_b64encode(_sign(payload, key))}"


@dataclass(frozen=True)
class _Claims:
    treatment_id: int
    generation: int
    expires_at: datetime


def _cut_or_malformed(body: str) -> tuple[str, str]:
    """(message, code) for a token missing its end: cut off when ``body`` starts a payload."""
    try:
        start = _b64decode(body)
    except (binascii.Error, ValueError):
        start = b""
    prefix = f"{_VERSION}:".encode("ascii")
    if start and (start.startswith(prefix) or prefix.startswith(start)):
        return CUT_OFF, "link_incomplete"
    return MALFORMED, "link_malformed"


def _parse(token: str, key: LinkKey) -> _Claims:
    """Check the signature first, then read the fields; every failure is a sentence."""
    token = token.strip().rstrip(_TRAILING_PUNCTUATION)
    if not token or len(token) > _MAX_TOKEN_CHARS or token.count(".") > 1:
        raise AccessDenied(MALFORMED, code="link_malformed")
    if token.count(".") == 0:
        # The signature and its separator are gone: cut off, if what is left is the start of a
        # payload (its version tag is no secret); anything else is not a link of ours.
        message, code = _cut_or_malformed(token[: len(token) - len(token) % 4])
        raise AccessDenied(message, code=code)
    body, sig = token.split(".")
    try:
        payload = _b64decode(body)
    except (binascii.Error, ValueError):
        raise AccessDenied(MALFORMED, code="link_malformed") from None
    try:
        signature = _b64decode(sig)
    except (binascii.Error, ValueError):
        signature = b""  # a partial base64 group: the end is missing
    if len(signature) < _SIGNATURE_BYTES:
        # Too short to be a signature: the link was cut short (SMS apps do), which needs the
        # rest of it, not a warning. Only the length is looked at, so a forger learns nothing.
        message, code = _cut_or_malformed(body)
        raise AccessDenied(message, code=code)
    if len(signature) != _SIGNATURE_BYTES:
        raise AccessDenied(MALFORMED, code="link_malformed")
    if not hmac.compare_digest(signature, _sign(payload, key)):
        raise AccessDenied(ALTERED, code="link_altered")
    try:
        version, treatment, generation, expiry = payload.decode("ascii").split(":")
        if version != _VERSION:
            raise ValueError(version)
        return _Claims(
            treatment_id=int(treatment),
            generation=int(generation),
            expires_at=datetime.fromtimestamp(int(expiry), UTC).replace(tzinfo=None),
        )
    except (UnicodeDecodeError, ValueError, OverflowError, OSError):
        raise AccessDenied(MALFORMED, code="link_malformed") from None


def verify_token(
    *, session: Session, key: LinkKey, token: str, now: datetime | None = None
) -> Actor:
    """The patient a link speaks for, or ``AccessDenied`` saying why the link is refused.

    Refusals (expired, altered, revoked, malformed) are audited without the token itself.
    """
    now = now or utcnow()
    treatment = None
    try:
        claims = _parse(token, key)
        treatment = session.get(models.Treatment, claims.treatment_id)
        if treatment is None or treatment.link_generation != claims.generation:
            raise AccessDenied(REVOKED, code="link_revoked")
        if claims.expires_at <= now:
            raise AccessDenied(
                f"This check-in link expired on {_day(claims.expires_at)}. "
                "Please call the clinic for a new one.",
                code="link_expired",
            )
    except AccessDenied as refused:
        _audit_refusal(session, refused, now, None if treatment is None else treatment.clinic_id)
        raise
    patient = treatment.patient
    # The link opens one treatment: its clinic is the clinic the patient acts in.
    return Actor(
        role=Role.PATIENT,
        name=patient.display_name,
        patient_id=patient.id,
        treatment_id=treatment.id,
        clinic_id=treatment.clinic_id,
    )


def _day(at: datetime) -> str:
    return f"{at:%B} {at.day}, {at.year}"


def _audit_refusal(
    session: Session, refused: AccessDenied, now: datetime, clinic_id: int | None
) -> None:
    audit.record(
        session=session,
        actor=Actor(role=Role.PATIENT, name="patient link", clinic_id=clinic_id),
        action="link.refused",
        object_type="treatment",
        outcome="denied",
        detail=refused.code,
        at=now,
    )


def with_token(base_url: str, token: str) -> str:
    """``base_url`` with ``?t=TOKEN`` (replacing any query it had)."""
    parts = urlsplit(base_url)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path or "/", urlencode({QUERY_PARAM: token}), "")
    )


def issue_link(
    *,
    session: Session,
    actor: Actor,
    key: LinkKey,
    treatment_id: int,
    base_url: str = "http://localhost:8501",
    ttl_days: int = DEFAULT_TTL_DAYS,
    now: datetime | None = None,
) -> str:
    """The patient's check-in URL for one treatment, valid ``ttl_days`` from now (audited).

    Whoever enrols patients hands out links: the front desk, providers and admins."""
    access.require_enrolment_access(actor)
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise InvalidInput(f"A link lasts from 1 to {MAX_TTL_DAYS} days.")
    treatment = _treatment(session, actor, treatment_id)
    expires = (now or utcnow()) + timedelta(days=ttl_days)
    token = make_token(
        key=key, treatment_id=treatment.id, generation=treatment.link_generation, expires_at=expires
    )
    audit.record(
        session=session,
        actor=actor,
        action="link.issue",
        patient_id=treatment.patient_id,
        object_type="treatment",
        object_id=treatment.id,
        detail=f"{ttl_days} days",
    )
    return with_token(base_url, token)


def _treatment(session: Session, actor: Actor, treatment_id: int) -> models.Treatment:
    """The treatment in the actor's clinic (another clinic's is answered as a missing one)."""
    return scope.get(
        session, models.Treatment, treatment_id, actor,
        missing=f"There is no treatment {treatment_id}.",
    )  # fmt: skip


def revoke_links(*, session: Session, actor: Actor, treatment_id: int) -> int:
    """Make every link issued so far for this treatment stale; returns the new generation."""
    access.require_enrolment_access(actor)
    treatment = _treatment(session, actor, treatment_id)
    treatment.link_generation = (treatment.link_generation or 1) + 1
    audit.record(
        session=session,
        actor=actor,
        action="link.revoke",
        patient_id=treatment.patient_id,
        object_type="treatment",
        object_id=treatment.id,
    )
    return treatment.link_generation


@dataclass(frozen=True)
class LinkTarget:
    """A treatment a link can be issued for, as the admin page lists them."""

    treatment_id: int
    patient_id: int
    patient_name: str
    procedure: str
    treated_at: datetime
    link_generation: int


def list_link_targets(
    *, session: Session, actor: Actor, audit_read: bool = True
) -> list[LinkTarget]:
    """Every treatment, newest first, with its patient's name: for staff who hand out links
    (providers and admins). An audited read (``audit_read=False``: a page's reruns after its
    first read in one visit)."""
    access.require_case_access(actor)
    rows = session.execute(
        select(models.Treatment, models.Patient)
        .join(models.Patient, models.Treatment.patient_id == models.Patient.id)
        .where(scope.mine(models.Treatment.clinic_id, actor))
        .order_by(models.Treatment.treated_at.desc(), models.Treatment.id.desc())
    )
    targets = [
        LinkTarget(
            treatment_id=t.id,
            patient_id=p.id,
            patient_name=p.display_name,
            procedure=t.procedure,
            treated_at=t.treated_at,
            link_generation=t.link_generation,
        )
        for t, p in rows
    ]
    if audit_read:
        audit.record(
            session=session, actor=actor, action="link.list_targets",
            detail=f"{len(targets)} treatments",
        )  # fmt: skip
    return targets


def treatment_to_link(
    *,
    session: Session,
    actor: Actor,
    patient_id: int | None = None,
    treatment_id: int | None = None,
) -> int:
    """The treatment a link is for: ``treatment_id`` (checked to be the patient's, when both
    are given), else the patient's latest treatment."""
    access.require_enrolment_access(actor)
    if treatment_id is not None:
        treatment = _treatment(session, actor, treatment_id)
        if patient_id is not None and treatment.patient_id != patient_id:
            raise InvalidInput(
                f"Treatment {treatment_id} belongs to another patient, not patient {patient_id}."
            )
        return treatment_id
    if patient_id is None:
        raise InvalidInput("Give a patient id or a treatment id.")
    latest = session.scalar(
        select(models.Treatment.id)
        .where(
            models.Treatment.patient_id == patient_id,
            scope.mine(models.Treatment.clinic_id, actor),
        )
        .order_by(models.Treatment.treated_at.desc(), models.Treatment.id.desc())
        .limit(1)
    )
    if latest is None:
        patient = session.scalar(
            select(models.Patient.id).where(
                models.Patient.id == patient_id, scope.mine(models.Patient.clinic_id, actor)
            )
        )
        if patient is None:
            raise NotFound(f"There is no patient {patient_id}.")
        raise NotFound(f"Patient {patient_id} has no treatment yet, so there is nothing to link.")
    return latest


@dataclass(frozen=True)
class LinkIdentity:
    """What a check-in draft is keyed on: the link itself, not only its treatment."""

    key: str  # SHA-256 of the token (the token itself is never stored)
    treatment_id: int
    expires_at: datetime  # naive UTC


def link_identity(token: str, *, key: LinkKey) -> LinkIdentity:
    """The identity of a signed token (``AccessDenied`` when it does not verify)."""
    claims = _parse(token, key)
    canonical = token.strip().rstrip(_TRAILING_PUNCTUATION)
    return LinkIdentity(
        key=sha256(canonical.encode("ascii", "replace")).hexdigest(),
        treatment_id=claims.treatment_id,
        expires_at=claims.expires_at,
    )
