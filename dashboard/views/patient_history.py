"""A patient's own history: each check-in with its photos and result, and the clinic's replies."""

from __future__ import annotations

import auth
import patient_ui
import resources
import streamlit as st
import ui
import visits

from checkins.services import clinic, queue
from checkins.services.views import PatientHome

actor = auth.current_actor()
db = resources.db()


def load() -> tuple[PatientHome, dict[int, bytes]]:
    """The patient's home and the thumbnails of their photos (each read is access-checked, and
    audited once per visit: reruns of the page read without a new audit row)."""
    first = visits.first("history")
    with db.session() if first else db.read() as s:
        home = clinic.patient_home(
            session=s, actor=actor, treatment_id=actor.treatment_id or 0, audit_read=first
        )
        thumbs = {
            p.id: queue.photo_bytes(
                session=s,
                store=resources.store(),
                actor=actor,
                photo_id=p.id,
                rendition="thumb",
                audit_read=first,
            )
            for c in home.history
            for p in c.photos
        }
    return home, thumbs


loaded = ui.attempt(load, doing="opening your history")
if loaded is None:
    st.stop()
visits.seen("history")
home, thumbs = loaded
tz, phone = home.clinic.time_zone, home.clinic.phone

st.page_link(
    "views/patient_checkin.py", label="Back to today's check-in", icon=":material/arrow_back:"
)
st.title("My check-ins")
st.markdown(f"{home.clinic.name} · questions? call {phone}")

if home.messages:
    st.subheader("Messages with your care team")
    for m in reversed(home.messages):
        with st.chat_message("assistant" if m.direction == "to_patient" else "user"):
            who = m.author_name if m.direction == "to_patient" else "You"
            st.markdown(f"**{ui.plain(who)}** · {ui.local_time(m.created_at, tz)}")
            st.text(m.body)
    patient_ui.answer_box(actor)

if not home.history:
    st.info("You have not sent a check-in yet. Use **Check in** above to send your first.")
for c in reversed(home.history):
    with st.container(border=True):
        title = "Baseline photo" if c.is_baseline else ui.day_label(c.day_since_treatment)
        st.markdown(f"**{title}** · {ui.local_time(c.submitted_at, tz)}")
        st.markdown(patient_ui.patient_outcome(c.severity, baseline=c.is_baseline))
        if c.patient_message and not c.is_baseline:
            st.caption(c.patient_message)
        shown = [thumbs[p.id] for p in c.photos if p.id in thumbs]
        if shown:
            cols = st.columns(min(len(shown), 4))
            for i, data in enumerate(shown):
                cols[i % len(cols)].image(data, width=160, alt=f"{title}: photo {i + 1}")
