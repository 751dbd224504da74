"""Patient check-in: the call button, photos checked at once, the questionnaire, the result.

Photos come through the file uploader only: on a phone it offers the phone's own camera at full
resolution (``st.camera_input`` gave 358×269 and every photo was refused as too small). What the
patient enters is kept on the server as a draft, so a reload loses nothing. Everything is in the
patient's language (dashboard/lang.py); the steps are in dashboard/checkin_steps.py.
"""

from __future__ import annotations

import auth
import checkin_steps as steps
import checkin_ui
import lang
import patient_ui
import resources
import streamlit as st
import ui
import visits
from state import StateKeys

from checkins.guidance import guidance_for_day, skin_care_routine
from checkins.rules import thresholds
from checkins.services import clinic
from checkins.services import patient_form as form
from checkins.services.views import PatientHome

actor = auth.current_actor()
db = resources.db()
token = st.session_state.get(StateKeys.PATIENT_TOKEN)


def load_home() -> PatientHome:
    # The first read of a visit is audited; the form's reruns (every answer) are not.
    first = visits.first("home")
    with db.session() as s:
        home = clinic.patient_home(
            session=s, actor=actor, treatment_id=actor.treatment_id or 0, audit_read=first
        )
    visits.seen("home")
    return home


browser = lang.for_browser()
home = ui.attempt(load_home, doing=browser.gettext("opening your check-in"), tr=browser)
tr = lang.for_patient(home.language) if home is not None else browser
lang.page_language(tr)
if grace := st.session_state.get(StateKeys.LINK_GRACE_NOTICE):
    st.warning(tr(grace), icon=":material/schedule:")
if home is None:
    st.stop()
lang.keep_browsers(home.language, actor=actor)
patient_ui.opt_out_notice(actor, tr=tr)
day, baseline = home.day_since_treatment, home.day_since_treatment < 0
st.session_state.setdefault(StateKeys.SUBMISSION_ID, form.new_submission_id())
st.session_state.setdefault(StateKeys.PHOTO_NONCE, 0)
st.session_state.setdefault(StateKeys.ANALYSED, {})
st.session_state.setdefault(StateKeys.SENDS, 0)
steps.restore_draft(actor=actor, token=token, tr=tr)

result = st.session_state.get(StateKeys.LAST_RESULT)
st.title(ui.day_label(day, tr=tr), anchor=False)
# An urgent result has its own call button.
patient_ui.clinic_line(home, button=not steps.urgent(result), tr=tr)
lang.switch(tr, actor=actor)
checkin_ui.field_links()
if result is not None:
    steps.show_result(result, actor=actor, home=home, tr=tr)
    st.stop()

if restored := st.session_state.pop(StateKeys.DRAFT_RESTORED, None):
    st.info(restored, icon=":material/restore:")
errors_box = st.empty()  # the form's errors, all at once, at its top
checks, uploads = steps.photos(home=home, baseline=baseline, tr=tr)

raw: dict[str, object] = {}
if not baseline:
    st.subheader(tr("2 · How is your skin today?"), anchor=False)
    raw = patient_ui.questionnaire(antiviral_prescribed=home.treatment.antiviral_prescribed, tr=tr)
steps.keep_draft(actor=actor, token=token, raw=raw, uploads=uploads)

label = tr("Send baseline photo") if baseline else tr("Send check-in")
sent = st.button(label, type="primary", icon=":material/send:", width="stretch", key="send")

with st.expander(tr("Today: what is normal, what to do, and warning signs")):
    # The warning signs quote the rules in force; a broken rule file is a sentence, not advice.
    limits = ui.attempt(
        lambda: thresholds(resources.rules(actor)), doing=tr("showing today's guidance"), tr=tr
    )
    if limits is not None:
        patient_ui.day_guidance(guidance_for_day(day, thresholds=limits, tr=tr), tr=tr)
    if not baseline:
        patient_ui.routine_checklist(*skin_care_routine(), key_prefix=StateKeys.ROUTINE_DONE, tr=tr)
steps.history_link(tr)

ready, answers = steps.problems_before_send(
    checks, raw, baseline=baseline, sent=sent, errors_box=errors_box, tr=tr
)
if ready:
    steps.send(
        actor=actor, token=token, home=home, answers=answers, checks=checks,
        baseline=baseline, tr=tr,
    )  # fmt: skip
