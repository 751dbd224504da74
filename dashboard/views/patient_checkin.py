"""Patient check-in: today's guidance, photos checked at once, the questionnaire, the result."""

from __future__ import annotations

import auth
import patient_ui
import resources
import streamlit as st
import ui
from state import StateKeys

from checkins.domain import InvalidInput
from checkins.guidance import guidance_for_day, skin_care_routine
from checkins.services import clinic, intake
from checkins.services import patient_form as form
from checkins.services.views import PatientHome, SubmitResult

actor = auth.current_actor()
db = resources.db()


def load_home() -> PatientHome:
    # The first read of a visit is audited; the form's reruns (every answer) are not.
    first = not st.session_state.get(StateKeys.HOME_AUDITED)
    with db.session() as s:
        home = clinic.patient_home(
            session=s, actor=actor, treatment_id=actor.treatment_id or 0, audit_read=first
        )
    st.session_state[StateKeys.HOME_AUDITED] = True
    return home


home = ui.attempt(load_home, doing="opening your check-in")
if grace := st.session_state.get(StateKeys.LINK_GRACE_NOTICE):
    st.warning(grace, icon=":material/schedule:")
if home is None:
    st.stop()
patient_ui.opt_out_notice(actor)
day, phone, baseline = home.day_since_treatment, home.clinic.phone, home.day_since_treatment < 0
st.session_state.setdefault(StateKeys.SUBMISSION_ID, form.new_submission_id())
st.session_state.setdefault(StateKeys.PHOTO_NONCE, 0)
analysed = st.session_state.setdefault(StateKeys.ANALYSED, {})

st.title(ui.day_label(day))
patient_ui.clinic_line(home)
st.page_link(
    "views/patient_history.py", label="My check-ins and replies", icon=":material/history:"
)

result = st.session_state.get(StateKeys.LAST_RESULT)
if result is not None:
    guide = None if baseline else guidance_for_day(day)
    next_day = home.next_checkin_day
    patient_ui.triage_result(
        result.triage, phone=phone, guidance=guide, next_day=next_day, call=home.call_now
    )
    if st.button("Start a new check-in", icon=":material/add_a_photo:"):
        del st.session_state[StateKeys.LAST_RESULT]
        st.rerun()
    st.stop()

with st.container(border=True):
    patient_ui.day_guidance(guidance_for_day(day), expanded=False)
    if not baseline:
        patient_ui.routine_checklist(*skin_care_routine(), key_prefix=StateKeys.ROUTINE_DONE)

st.subheader("Baseline photo" if baseline else "1 · Photos of the treated area")
if baseline:
    st.markdown(
        "Before your treatment, send a photo of the area: later photos are compared with it."
    )
with st.expander("How to take a good photo"):
    st.markdown(ui.bullets(form.PHOTO_TIPS))
    if home.clinic.reference_card:
        st.markdown(form.CARD_HINT)
nonce = st.session_state[StateKeys.PHOTO_NONCE]
# No `type=`: Streamlit enforces it by raising before the page runs (its error page for a name
# with a NUL byte or a .html file); check_photo refuses those with a sentence instead.
files = st.file_uploader(
    "Add photos (you can choose several)",
    accept_multiple_files=True,
    key=StateKeys.uploader(nonce),
    max_upload_size=form.MAX_UPLOAD_MB,
)
shot = None
if st.toggle("Use this device's camera", key=StateKeys.CAMERA_ON):
    shot = st.camera_input("Take a photo", key=StateKeys.camera(nonce))
uploads = [(f.name, f.getvalue()) for f in [*(files or []), *([shot] if shot else [])]]
bar = st.empty()
checks = form.check_photos(
    uploads,
    cache=analysed,
    progress=lambda i, n, name: bar.progress(i / n, text=f"Checking photo {i + 1} of {n}…"),
)
bar.empty()
for check in checks:
    patient_ui.photo_verdict(
        check, card_hint=form.CARD_HINT if home.clinic.reference_card else None
    )

answers_form = None
if not baseline:
    st.subheader("2 · How is your skin today?")
    antiviral = home.treatment.antiviral_prescribed
    answers_form = patient_ui.questionnaire(antiviral_prescribed=antiviral)
    sent = answers_form is not None
else:
    sent = st.button("Send baseline photo", type="primary", width="stretch")

if sent:
    problem = form.ready_to_send(checks, baseline=baseline)
    try:
        if problem is not None:
            raise InvalidInput(problem)
        answers = None if answers_form is None else form.answers_from_form(**answers_form)
    except InvalidInput as refused:
        st.error(refused.message, icon=":material/error:")
        st.stop()

    def send() -> SubmitResult:
        with db.session() as s:
            return intake.submit_checkin(
                session=s,
                store=resources.store(),
                actor=actor,
                treatment_id=actor.treatment_id or 0,
                answers=answers,
                photos=[c.prepared for c in checks if c.prepared is not None],
                client_submission_id=st.session_state[StateKeys.SUBMISSION_ID],
                is_baseline=baseline,
            )

    with st.spinner("Sending your check-in…"):
        stored = ui.attempt(send, doing="sending your check-in", phone=phone)
    if stored is not None:
        st.session_state[StateKeys.LAST_RESULT] = stored
        st.session_state[StateKeys.SUBMISSION_ID] = form.new_submission_id()
        st.session_state[StateKeys.PHOTO_NONCE] = nonce + 1  # new keys: empty uploader/camera
        st.session_state[StateKeys.ANALYSED] = {}
        st.rerun()
