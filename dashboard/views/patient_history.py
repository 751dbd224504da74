"""A patient's own history: each check-in with its photos and result, and the clinic's replies."""

from __future__ import annotations

import auth
import inline
import lang
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


browser = lang.for_browser()
loaded = ui.attempt(load, doing=browser.gettext("opening your history"), tr=browser)
if loaded is None:
    st.stop()
visits.seen("history")
home, thumbs = loaded
tz, phone = home.clinic.time_zone, home.clinic.phone
tr = lang.for_patient(home.language)
lang.page_language(tr)
lang.keep_browsers(home.language, actor=actor)

st.page_link(
    "views/patient_checkin.py", label=tr("Back to today's check-in"), icon=":material/arrow_back:"
)
st.title(tr("My check-ins"), anchor=False)
st.markdown(f"{ui.plain(home.clinic.name)} · " + tr("questions? call %(phone)s", phone=phone))

if home.messages:
    st.subheader(tr("Messages with your care team"), anchor=False)
    for m in reversed(home.messages):
        with st.chat_message("assistant" if m.direction == "to_patient" else "user"):
            who = m.author_name if m.direction == "to_patient" else tr("You")
            st.markdown(f"**{ui.plain(who)}** · {ui.local_time(m.created_at, tz, tr=tr)}")
            st.text(m.body)
    patient_ui.answer_box(actor, tr=tr)

if not home.history:
    st.info(tr("You have not sent a check-in yet. Use **Check in** above to send your first."))
for c in reversed(home.history):
    with st.container(border=True):
        title = (
            tr("Baseline photo") if c.is_baseline else ui.day_label(c.day_since_treatment, tr=tr)
        )
        st.markdown(f"**{title}** · {ui.local_time(c.submitted_at, tz, tr=tr)}")
        st.markdown(patient_ui.patient_outcome(c.severity, baseline=c.is_baseline, tr=tr))
        if c.patient_message and not c.is_baseline:
            # The stored message is English (staff read it); in another language, the reasons.
            st.caption(patient_ui.history_note(c, tr=tr))
        shown = [thumbs[p.id] for p in c.photos if p.id in thumbs]
        if shown:
            cols = st.columns(min(len(shown), 4))
            for i, data in enumerate(shown):
                alt = tr("%(title)s: photo %(n)s", title=title, n=i + 1)
                with cols[i % len(cols)]:
                    inline.image(data, width=160, alt=alt)
