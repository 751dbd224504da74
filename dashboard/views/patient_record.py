"""Front desk: one patient: details, treatments and schedules, the link, the baseline, history."""

from __future__ import annotations

import auth
import enrol_ui
import resources
import staff
import streamlit as st
import treatment_ui
import ui
import visits
from state import StateKeys

from checkins import access, contact, schedule
from checkins.domain import AccessDenied
from checkins.services import clinic, patients
from checkins.services.views import PatientRecord

actor = auth.current_actor()
try:
    access.require_enrolment_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
db = resources.db()
pid: int | None = st.session_state.get(StateKeys.PATIENT_SELECTED)
if pid is None:
    st.info("Choose a patient on the Patients page first.")
    st.page_link("views/patients.py", label="Find a patient", icon=":material/group:")
    st.stop()
patient_id: int = pid
read = f"patient:{patient_id}"


def load() -> PatientRecord:
    first = visits.first(read)  # the record is audited once per visit, not per rerun
    with db.session() if first else db.read() as s:
        return patients.patient_record(
            session=s, actor=actor, patient_id=patient_id, audit_read=first
        )


record = ui.attempt(load, doing="opening the patient's record")
if record is None:
    st.stop()
visits.seen(read)
with db.read() as s:
    settings = clinic.get_clinic(session=s, actor=actor)
tz, p = settings.time_zone, record.patient


def act(fn: object, done: str) -> None:
    def run() -> object:
        with db.session() as s:
            return fn(s)  # type: ignore[operator]

    if ui.attempt(run, doing="saving") is not None:
        st.session_state[StateKeys.PATIENT_FLASH] = done
        st.session_state.pop(StateKeys.BASELINE_SUBMISSION, None)
        st.rerun()


if flash := st.session_state.pop(StateKeys.PATIENT_FLASH, None):
    st.success(flash, icon=":material/check:")
st.title(ui.plain(p.name))
born = f"born {p.birth_date:%Y-%m-%d}" if p.birth_date else "no date of birth"
st.caption(  # as typed: an address is not a link (a caption's link is too faint to read)
    f"{born} · {contact.display_phone(p.phone_e164) or 'no mobile'} · "
    f"{ui.plain(p.email or 'no email')} · {patients.language_label(p.language)} · messages: "
    f"{patients.CONTACT_PREFERENCES[p.contact_preference].lower()}"
)
if p.discharged_at:
    st.warning(f"Follow-up ended {staff.clinic_time(p.discharged_at, tz)}: "
               f"{ui.plain(p.discharge_reason)}")  # fmt: skip
treat_tab, new_tab, details_tab, history_tab = st.tabs(
    ["Treatments", "Record a treatment", "Details", "History"]
)


with treat_tab:
    if not record.treatments:
        st.info("No treatment yet: record one in the next tab.")
    for i, d in enumerate(record.treatments):
        with st.container(border=True):
            treatment_ui.treatment_block(
                d, newest=i == 0, db=db, actor=actor, act=act, patient=p, clinic=settings
            )

with new_tab:
    values = enrol_ui.treatment_fields(settings, key="record_treatment")
    if values is not None:
        days = values.pop("schedule_days")
        act(lambda s: patients.record_treatment(session=s, actor=actor, patient_id=pid,
            schedule_days=schedule.parse_days(days), **values),
            "Treatment recorded; its check-ins are scheduled.")  # fmt: skip

with details_tab:
    if (changes := enrol_ui.patient_fields(p, key="edit_patient")) is not None:
        act(lambda s: patients.update_patient(session=s, actor=actor, patient_id=pid, **changes),
            "Details saved.")  # fmt: skip
    with st.form("discharge"):
        reason = st.text_input("End the follow-up: why? (stops the schedule)")
        if st.form_submit_button("End follow-up"):
            act(lambda s: patients.discharge(session=s, actor=actor, patient_id=pid,
                reason=reason), "Follow-up ended.")  # fmt: skip

with history_tab:
    sent = enrol_ui.messages_sent(db, actor, pid)
    frames = {
        **enrol_ui.history_frames(record, tz),
        "Messages sent": enrol_ui.delivery_frame(sent, tz),
    }
    for title, frame in frames.items():
        st.markdown(f"**{title}**")
        if len(frame):  # a statement: a bare expression would be written out by "magic"
            st.dataframe(frame, hide_index=True)
        else:
            st.caption("None yet.")
