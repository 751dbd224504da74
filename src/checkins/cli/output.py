"""How the commands print: one JSON object under --json, else a human line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported where used: `checkins analyze` should not pay for SQLAlchemy
    from checkins.services.views import PatientView


def _emit(out: TextIO, payload: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        out.write(json.dumps(payload, default=str) + "\n")
    else:
        out.write(human.rstrip() + "\n")


def _patient_json(v: PatientView) -> dict[str, Any]:
    from checkins import contact

    return {
        "patient_id": v.id,
        "name": v.name,
        "birth_date": v.birth_date.isoformat() if v.birth_date else None,
        "phone": v.phone_e164,
        "phone_display": contact.display_phone(v.phone_e164),
        "email": v.email,
        "language": v.language,
        "contact_preference": v.contact_preference,
        "discharged": v.discharged_at is not None,
    }
