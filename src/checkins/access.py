"""Who may do what: the one place that knows. Services call these before they read or act.

- A patient (through their link) sees only their own treatment and its history.
- Providers (and admins) see the queue and cases, and act on them.
- Managers see aggregates only: never a case, a photo, a name or free text.
- Nobody crosses clinics: every row belongs to one, and an actor acts in one. A manager may
  read the trends of every clinic of their organisation; nothing else crosses. Every check
  below refuses an actor outside any clinic first, whatever their role.
"""

from __future__ import annotations

from checkins.domain import AccessDenied, Actor, Role

STAFF_CASE_ROLES = frozenset({Role.PROVIDER, Role.ADMIN})
TRENDS_ROLES = frozenset({Role.MANAGER, Role.ADMIN, Role.PROVIDER})
NO_CLINIC = "You are not signed in to a clinic."


def clinic_of(actor: Actor) -> int:
    """The one clinic the actor acts in (what every case, patient and setting is scoped to)."""
    if actor.clinic_id is None:
        raise AccessDenied(NO_CLINIC)
    return actor.clinic_id


def readable_clinics(actor: Actor) -> frozenset[int]:
    """The clinics whose aggregates the actor may read: their own, and for a manager every
    clinic of their organisation. Rows of any other clinic do not exist for them."""
    own = clinic_of(actor)
    if actor.role is Role.MANAGER:
        return actor.organisation_clinics | {own}
    return frozenset({own})


def require_case_access(actor: Actor) -> None:
    """Opening the queue or a patient's case: providers and admins only."""
    clinic_of(actor)
    if actor.role not in STAFF_CASE_ROLES:
        raise AccessDenied("Only providers can open patient cases.")


def require_trends_access(actor: Actor) -> None:
    clinic_of(actor)
    if actor.role not in TRENDS_ROLES:
        raise AccessDenied("Only clinic staff can see clinic trends.")


def require_treatment_access(actor: Actor, treatment_id: int) -> None:
    """Reading or writing one treatment's check-ins: its own patient, or a provider."""
    clinic_of(actor)
    if actor.role in STAFF_CASE_ROLES:
        return
    if actor.role is Role.PATIENT and actor.treatment_id == treatment_id:
        return
    raise AccessDenied("This link does not open that treatment.")


def require_admin(actor: Actor) -> None:
    clinic_of(actor)
    if actor.role is not Role.ADMIN:
        raise AccessDenied("Only an administrator can do that.")


# Enrolment: front desk, providers and admins enrol patients and hand over links. Managers see
# aggregates only, so no patient list.
ENROL_ROLES = frozenset({Role.FRONT_DESK, Role.PROVIDER, Role.ADMIN})


def require_baseline_access(actor: Actor, treatment_id: int) -> None:
    """A baseline photo: taken in the clinic by whoever enrols, or sent through the link."""
    clinic_of(actor)
    if actor.role in ENROL_ROLES:
        return
    require_treatment_access(actor, treatment_id)


def require_enrolment_access(actor: Actor) -> None:
    """Finding, adding and editing patients and their treatments; handing over links."""
    clinic_of(actor)
    if actor.role not in ENROL_ROLES:
        raise AccessDenied("Only the front desk, providers and admins can see patients.")
