"""Widgets of the front desk's pages: the patient and treatment forms, the schedule, the link
hand-over (QR code, handout, text to send) and the baseline photo. Forms return plain values;
the pages call the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import inline
import pandas as pd
import patient_ui
import staff
import streamlit as st
import ui
import visits
from state import StateKeys

from checkins import contact, i18n
from checkins.domain import PROCEDURE_LABELS, PROCEDURES, utcnow
from checkins.handout import qr_png
from checkins.services import alerts
from checkins.services import patient_form as form
from checkins.services.alerts import DeliveryView
from checkins.services.patients import AREAS, CONTACT_PREFERENCES, LANGUAGES
from checkins.services.views import (
    Actor,
    ClinicView,
    PatientRecord,
    PatientView,
    TreatmentDetail,
)
from checkins.storage.db import Database


def patient_fields(current: PatientView | None, *, key: str) -> dict[str, Any] | None:
    """The add/edit form. Returns the typed values when submitted, else None."""
    c = current
    with st.form(key, clear_on_submit=False, enter_to_submit=False):
        name = st.text_input("Full name", c.name if c else "", autocomplete="name")
        left, right = st.columns(2)
        birth = left.date_input(
            "Date of birth",
            value=c.birth_date if c and c.birth_date else None,
            min_value=date(1900, 1, 1),
            max_value=utcnow().date(),
            format="YYYY-MM-DD",
        )
        phone = right.text_input(
            "Mobile phone",
            contact.display_phone(c.phone_e164) if c else "",
            placeholder="(555) 010-0199",
            autocomplete="tel",
        )
        email = left.text_input("Email", (c.email or "") if c else "", autocomplete="email")
        langs, prefs = list(LANGUAGES), list(CONTACT_PREFERENCES)
        language = right.selectbox(  # first and default: not asked (None), the phone decides
            "Preferred language",
            langs,
            index=langs.index(c.language) if c else 0,
            format_func=LANGUAGES.__getitem__,
        )
        pref = st.radio(
            "Send reminders and replies by",
            prefs,
            index=prefs.index(c.contact_preference) if c else 0,
            format_func=CONTACT_PREFERENCES.__getitem__,
            horizontal=True,
        )
        with st.expander("Caregiver (optional)"):
            cg_name = st.text_input("Caregiver's name", (c.caregiver_name or "") if c else "")
            cg_phone = st.text_input(
                "Caregiver's phone",
                contact.display_phone(c.caregiver_phone_e164) if c else "",
            )
        label = "Save changes" if c else "Add patient"
        if not st.form_submit_button(label, type="primary", width="stretch"):
            return None
    return {
        "name": name,
        "birth_date": birth,
        "phone": phone,
        "email": email,
        "language": language,
        "contact_preference": pref,
        "caregiver_name": cg_name,
        "caregiver_phone": cg_phone,
    }


def treatment_fields(clinic: ClinicView, *, key: str) -> dict[str, Any] | None:
    """Record a treatment: procedure, clinic-time date and time, areas, depth, RF, schedule."""
    tz = ZoneInfo(clinic.time_zone)
    now_local = datetime.now(tz)
    with st.form(key, enter_to_submit=False):
        procedure = st.radio(
            "Procedure", PROCEDURES, format_func=PROCEDURE_LABELS.__getitem__, horizontal=True
        )
        left, right = st.columns(2)
        day = left.date_input(
            "Treatment date", now_local.date(), max_value=now_local.date(), format="YYYY-MM-DD"
        )
        at = right.time_input(
            f"Time ({clinic.time_zone})", time(now_local.hour, 0), step=timedelta(minutes=15)
        )
        areas = st.multiselect(
            "Treated areas", list(AREAS), default=["face"], format_func=AREAS.__getitem__
        )
        left, right = st.columns(2)
        depth = left.number_input(
            "Needle depth (mm)", min_value=0.25, max_value=4.0, value=None, step=0.25
        )
        rf = right.number_input(
            "RF level (with RF only)", min_value=0.0, max_value=100.0, value=None, step=1.0
        )
        antiviral = st.checkbox("Antiviral prescribed")
        prep = st.checkbox("Pre-treatment done (Alastin Skin Nectar for 2 weeks)")
        days = st.text_input(
            "Check-in days after treatment",
            ", ".join(str(d) for d in clinic.default_schedule_days),
            help="The clinic's default; day 28 catches late infections.",
        )
        note = st.text_area("Note for staff (the patient never sees it)", max_chars=2000)
        if not st.form_submit_button("Record treatment", type="primary", width="stretch"):
            return None
    local = datetime.combine(day or now_local.date(), at or time(0), tzinfo=tz)
    return {
        "procedure": procedure,
        "treated_at": local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
        "areas": areas,
        "needle_depth_mm": depth,
        "rf_level": rf or None,
        "antiviral_prescribed": antiviral,
        "pre_treatment_prep": prep,
        "staff_note": note,
        "schedule_days": days,
    }


def treatment_summary(d: TreatmentDetail, tz: str) -> str:
    t = d.treatment
    bits = [PROCEDURE_LABELS.get(t.procedure, t.procedure), staff.clinic_time(t.treated_at, tz)]
    bits.append(", ".join(AREAS.get(a, a) for a in t.areas))
    if t.needle_depth_mm:
        bits.append(f"{t.needle_depth_mm:g} mm")
    if d.rf_level:
        bits.append(f"RF {d.rf_level:g}")
    if t.antiviral_prescribed:
        bits.append("antiviral")
    return f"Treatment {d.series_number} of the series · " + " · ".join(bits)


def schedule_frame(d: TreatmentDetail, tz: str) -> pd.DataFrame:
    now = utcnow()

    def state(s: Any) -> str:
        if s.checkin_id:
            return "Received"
        if s.cancelled:
            return "Cancelled"
        return "Due" if s.due_at <= now else "Upcoming"

    return pd.DataFrame(
        [
            {"Day": s.day, "Due": staff.clinic_time(s.due_at, tz), "Status": state(s)}
            for s in d.schedule
        ]
    )


def link_panel(patient: PatientView, url: str, clinic: ClinicView) -> None:
    """Hand the link over: a QR code to scan now, and the text to send until messages go out."""
    left, right = st.columns([1, 2])
    with left:  # the link is the patient's credential: inside the page, never at a URL
        inline.image(
            qr_png(url, scale=6),
            caption="Scan with the patient's phone camera",
            width=200,
            alt="QR code of the patient's personal check-in link",
        )
    right.markdown("**The patient's personal link**")
    right.code(url, language=None, wrap_lines=True)
    via = contact.display_phone(patient.phone_e164) or patient.email or "the patient"
    right.caption(f"Or copy this message to {ui.plain(via)}:")
    tr = i18n.translator(i18n.for_messages(patient.language))  # the patient reads it: theirs
    right.code(
        f"{clinic.name}: "
        + tr("your check-in link for the days after your treatment:")
        + f" {url}",
        language=None,
        wrap_lines=True,
    )


@dataclass(frozen=True)
class BaselinePhotos:
    prepared: list[Any]
    problem: str | None


def baseline_photos(*, reference_card: bool) -> BaselinePhotos:
    """The baseline photo, through the same quality gate as the patient's own photos."""
    nonce = st.session_state.setdefault(StateKeys.BASELINE_NONCE, 0)
    files = st.file_uploader(
        "Baseline photo of the treated area",  # no `type=`: see patient_checkin.py
        accept_multiple_files=True,
        key=f"baseline_uploader_{nonce}",
        max_upload_size=form.MAX_UPLOAD_MB,
    )
    uploads = [(f.name, f.getvalue()) for f in files or []]
    bar = st.empty()
    cache = st.session_state.setdefault(StateKeys.ANALYSED, {})
    checks = form.check_photos(
        uploads,
        cache=cache,
        progress=lambda i, n, name: bar.progress(i / n, text=f"Checking photo {i + 1} of {n}…"),
    )
    bar.empty()
    for check in checks:
        patient_ui.photo_verdict(check, card_hint=form.CARD_HINT if reference_card else None)
    problem = form.ready_to_send(checks, baseline=True)
    return BaselinePhotos([c.prepared for c in checks if c.prepared is not None], problem)


def messages_sent(db: Database, actor: Actor, patient_id: int) -> list[DeliveryView]:
    """A patient's delivery log (their addresses): an audited read, once per visit."""
    first = visits.first(read := f"deliveries:{patient_id}")
    with db.session() if first else db.read() as s:
        sent = alerts.deliveries(session=s, actor=actor, patient_id=patient_id, audit_read=first)
    visits.seen(read)
    return sent


def delivery_frame(rows: Sequence[Any], tz: str) -> pd.DataFrame:
    """The delivery log: queued, sent, failed with its reason, and how many tries."""
    return pd.DataFrame(
        [
            {
                "Queued": staff.clinic_time(d.created_at, tz),
                "What": d.kind.replace("_", " "),
                "By": d.channel,
                "To": d.to,
                "Status": d.status,
                "Tries": d.attempts,
                "Sent": staff.clinic_time(d.sent_at, tz) if d.sent_at else "",
                "Problem": d.last_error,
            }
            for d in rows
        ]
    )


def history_frames(record: PatientRecord, tz: str) -> dict[str, pd.DataFrame]:
    def when(at: datetime) -> str:
        return staff.clinic_time(at, tz)

    def events(rows: Sequence[Any]) -> pd.DataFrame:
        return pd.DataFrame(
            [{"When": when(e.at), "Who": e.actor, "Role": e.role, "What": e.action} for e in rows]
        )

    return {
        "Check-ins": pd.DataFrame(
            [
                {
                    "Sent": when(c.submitted_at),
                    "Day": "baseline" if c.is_baseline else c.day_since_treatment,
                    "Photos": len(c.photos),
                    "Result": c.severity.value if c.severity else "",
                }
                for c in record.checkins
            ]
        ),
        "Cases": pd.DataFrame(
            [
                {"Opened": when(c.created_at), "Severity": c.severity, "Status": c.status}
                for c in record.cases
            ]
        ),
        "Messages": pd.DataFrame(
            [
                {"When": when(m.created_at), "Direction": m.direction.replace("_", " ")}
                for m in record.messages
            ]
        ),
        "Links issued and revoked": events(record.links),
        "Who viewed this record": events(record.viewers),
    }
