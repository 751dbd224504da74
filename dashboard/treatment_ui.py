"""One treatment on the patient's page: its schedule, and for the newest the link (QR code,
text, send), the handout, the baseline photo and the check-in days."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import enrol_ui
import resources
import streamlit as st
from state import StateKeys

from checkins import schedule
from checkins.messaging import outbox
from checkins.services import intake, patients
from checkins.services import patient_form as form
from checkins.services.views import Actor, ClinicView, PatientView, TreatmentDetail
from checkins.storage.db import Database


def treatment_block(
    d: TreatmentDetail,
    *,
    newest: bool,
    db: Database,
    actor: Actor,
    act: Callable[[Callable[[Any], object], str], None],
    patient: PatientView,
    clinic: ClinicView,
) -> None:
    """One treatment: its schedule; for the newest, the link, handout, baseline and days."""
    tid, tz, p, settings = d.treatment.id, clinic.time_zone, patient, clinic
    st.markdown(f"**{enrol_ui.treatment_summary(d, tz)}**")
    lo, hi = d.next_treatment_window
    st.caption(f"Next treatment of the series: typically {lo:%b %-d} – {hi:%b %-d}.")
    st.dataframe(enrol_ui.schedule_frame(d, tz), hide_index=True)
    if not newest:
        return
    parts = urlsplit(st.context.url or "http://localhost:8501")
    base = f"{parts.scheme}://{parts.netloc}/"
    if st.button("Show the patient's link and QR code", type="primary", key=f"l{tid}"):
        with db.session() as s:
            url = patients.issue_patient_link(
                session=s, actor=actor, signing_key=resources.link_key(), treatment_id=tid,
                base_url=base,
            )  # fmt: skip
        st.session_state[StateKeys.PATIENT_LINK] = (tid, url)
    shown = st.session_state.get(StateKeys.PATIENT_LINK)
    if shown and shown[0] == tid:  # never one patient's link beside another
        enrol_ui.link_panel(p, shown[1], settings)
    if st.button("Send the link by text / email", icon=":material/send:", key=f"s{tid}"):
        nonce = form.new_submission_id()
        key = resources.link_key()
        act(lambda s: outbox.queue_link(
                session=s, signing_key=key, actor=actor, treatment_id=tid, nonce=nonce),
            "The link is queued: the worker sends it as the patient prefers.")  # fmt: skip

    def make_handout() -> bytes:
        with db.session() as s:
            return patients.handout(
                session=s, actor=actor, signing_key=resources.link_key(), treatment_id=tid,
                base_url=base, ruleset=resources.rules(actor),
            )[0]  # fmt: skip

    # No rerun on the click ("ignore"): a rerun registers the button's callable anew and drops
    # the one clicked, so the browser's request for the file could find it gone (no download).
    st.download_button(
        "Print the handout (PDF)", make_handout, file_name=f"checkins-{tid}.pdf",
        mime="application/pdf", icon=":material/print:", key=f"h{tid}", on_click="ignore",
    )  # fmt: skip
    with st.expander("Baseline photo"):
        photos = enrol_ui.baseline_photos(reference_card=settings.reference_card)
        if st.button("Save baseline", disabled=photos.problem is not None):
            csid = st.session_state.setdefault(
                StateKeys.BASELINE_SUBMISSION, form.new_submission_id()
            )
            act(lambda s: intake.submit_checkin(
                session=s, store=resources.store(), actor=actor, treatment_id=tid, answers=None,
                photos=photos.prepared, client_submission_id=csid, is_baseline=True,
                ruleset=resources.rules(actor)),
                "Baseline photo saved.")  # fmt: skip
    with st.expander("Edit the check-in days"):
        days = st.text_input("Days", ", ".join(map(str, d.treatment.schedule_days)), key=f"d{tid}")
        if st.button("Save days", key=f"sd{tid}"):
            act(lambda s: patients.set_schedule(session=s, actor=actor, treatment_id=tid,
                days=schedule.parse_days(days)), "Schedule saved.")  # fmt: skip
