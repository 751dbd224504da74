"""Patient check-in: the call button, photos checked at once, the questionnaire, the result.

Photos come through the file uploader only: on a phone it offers the phone's own camera at full
resolution (``st.camera_input`` gave 358×269 and every photo was refused as too small). What the
patient enters is kept on the server as a draft, so a reload loses nothing.
"""

from __future__ import annotations

import auth
import checkin_ui
import patient_ui
import resources
import streamlit as st
import ui
from state import StateKeys

from checkins.domain import Severity
from checkins.guidance import guidance_for_day, skin_care_routine
from checkins.rules import thresholds
from checkins.services import clinic, intake
from checkins.services import patient_form as form
from checkins.services.views import PatientHome, SubmitResult

actor = auth.current_actor()
db = resources.db()
token = st.session_state.get(StateKeys.PATIENT_TOKEN)


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
sends = st.session_state.setdefault(StateKeys.SENDS, 0)

if not st.session_state.get(StateKeys.DRAFT_CHECKED):  # a new visit (or a reload): restore
    st.session_state[StateKeys.DRAFT_CHECKED] = True
    draft = checkin_ui.load_draft(actor=actor, token=token)
    if draft is not None and checkin_ui.worth_keeping(draft.answers, draft.photos):
        for name, value in draft.answers.items():
            st.session_state[patient_ui.question_key(name)] = value
        st.session_state[StateKeys.DRAFT_PHOTOS] = list(draft.photos)
        st.session_state[StateKeys.DRAFT_RESTORED] = (
            "Welcome back: what you entered before is still here"
            + (f", with {len(draft.photos)} photo(s)." if draft.photos else ".")
        )

result = st.session_state.get(StateKeys.LAST_RESULT)
st.title(ui.day_label(day))
urgent = result is not None and result.triage.severity is Severity.URGENT
patient_ui.clinic_line(home, button=not urgent)  # an urgent result has its own call button
checkin_ui.field_links()

if result is not None:
    with st.container(key=checkin_ui.RESULT_KEY):
        patient_ui.triage_result(
            result.triage,
            phone=phone,
            guidance=None,  # the result's message already carries the day's course: once only
            next_day=home.next_checkin_day,
            call=home.call_now,
        )
    checkin_ui.bring_into_view(checkin_ui.RESULT_KEY, nonce=sends)
    if st.button("Start a new check-in", icon=":material/add_a_photo:"):
        del st.session_state[StateKeys.LAST_RESULT]
        st.rerun()
    st.page_link(
        "views/patient_history.py", label="My check-ins and replies", icon=":material/history:"
    )
    st.stop()

if restored := st.session_state.pop(StateKeys.DRAFT_RESTORED, None):
    st.info(restored, icon=":material/restore:")
errors_box = st.empty()  # the form's errors, all at once, at its top

st.subheader("Baseline photo" if baseline else "1 · Photos of the treated area")
if baseline:
    st.markdown(
        "Before your treatment, send a photo of the area: later photos are compared with it."
    )
nonce = st.session_state[StateKeys.PHOTO_NONCE]
kept: list[tuple[str, bytes]] = st.session_state.get(StateKeys.DRAFT_PHOTOS, [])
with st.container(key=checkin_ui.field_key(checkin_ui.PHOTOS_FIELD)):
    # No `type=`: Streamlit enforces it by raising before the page runs (its error page for a
    # name with a NUL byte or a .html file); check_photo refuses those with a sentence instead.
    files = st.file_uploader(
        "Take or choose photos (you can add several)",
        accept_multiple_files=True,
        key=StateKeys.uploader(nonce),
        max_upload_size=form.MAX_UPLOAD_MB,
        help="On a phone, choose “Camera” to take the photo at full quality.",
    )
uploads, refused = checkin_ui.within_limit([*kept, *((f.name, f.getvalue()) for f in files or [])])
if refused:
    st.error(checkin_ui.too_many_photos(refused), icon=":material/block:")
with st.expander("How to take a good photo"):
    st.markdown(ui.bullets(form.PHOTO_TIPS))
    if home.clinic.reference_card:
        st.markdown(form.CARD_HINT)
bar = st.empty()
checks = form.check_photos(
    uploads,
    cache=analysed,
    progress=lambda i, n, name: bar.progress(i / n, text=f"Checking photo {i + 1} of {n}…"),
)
bar.empty()
kept_keys = {form.photo_key(d) for _, d in kept}
for check in checks:
    patient_ui.photo_verdict(
        check, card_hint=form.CARD_HINT if home.clinic.reference_card else None
    )
    if check.sha256 in kept_keys and st.button(
        f"Remove {check.name}", key=f"drop_{check.sha256[:16]}", icon=":material/delete:"
    ):
        st.session_state[StateKeys.DRAFT_PHOTOS] = [
            (n, d) for n, d in kept if form.photo_key(d) != check.sha256
        ]
        st.rerun()

raw: dict[str, object] = {}
if not baseline:
    st.subheader("2 · How is your skin today?")
    raw = patient_ui.questionnaire(antiviral_prescribed=home.treatment.antiviral_prescribed)
signature = checkin_ui.draft_signature(raw, uploads)
last = st.session_state.get(StateKeys.DRAFT_SIGNATURE)
# Kept when something was entered, and again when it is all cleared (or a reload brings it back).
changed = signature != last and (checkin_ui.worth_keeping(raw, uploads) or last is not None)
if changed and checkin_ui.save_draft(actor=actor, token=token, answers=raw, photos=uploads):
    st.session_state[StateKeys.DRAFT_SIGNATURE] = signature

label = "Send baseline photo" if baseline else "Send check-in"
sent = st.button(label, type="primary", icon=":material/send:", width="stretch", key="send")

with st.expander("Today: what is normal, what to do, and warning signs"):
    # The warning signs quote the rules in force; a broken rule file is a sentence, not advice.
    limits = ui.attempt(lambda: thresholds(resources.rules()), doing="showing today's guidance")
    if limits is not None:
        patient_ui.day_guidance(guidance_for_day(day, thresholds=limits))
    if not baseline:
        patient_ui.routine_checklist(*skin_care_routine(), key_prefix=StateKeys.ROUTINE_DONE)
st.page_link(
    "views/patient_history.py", label="My check-ins and replies", icon=":material/history:"
)


if sent or st.session_state.get(StateKeys.FORM_ERRORS):
    # After a refused Send the list stays at the top and shrinks as each answer is fixed.
    problems, answers = checkin_ui.form_problems(checks, raw, baseline=baseline)
    st.session_state[StateKeys.FORM_ERRORS] = problems
    if problems:
        with errors_box.container():
            checkin_ui.error_list(problems)
    if sent:
        st.session_state[StateKeys.SENDS] = sends + 1
        if problems:
            checkin_ui.bring_into_view(checkin_ui.ERRORS_KEY, nonce=sends + 1)
            st.stop()

if sent:

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
                ruleset=resources.rules(),
            )

    with st.spinner("Sending your check-in…"):
        stored = ui.attempt(send, doing="sending your check-in", phone=phone)
    if stored is not None:
        checkin_ui.discard_draft(actor=actor, token=token)
        st.session_state[StateKeys.LAST_RESULT] = stored
        st.session_state[StateKeys.SUBMISSION_ID] = form.new_submission_id()
        st.session_state[StateKeys.PHOTO_NONCE] = nonce + 1  # a new key: an empty uploader
        st.session_state[StateKeys.ANALYSED] = {}
        st.session_state[StateKeys.DRAFT_PHOTOS] = []
        st.session_state.pop(StateKeys.FORM_ERRORS, None)
        st.session_state.pop(StateKeys.DRAFT_SIGNATURE, None)
        for name in form.DRAFT_FIELDS:
            st.session_state.pop(patient_ui.question_key(name), None)
        st.rerun()
