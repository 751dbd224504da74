"""What the router shows in every staff page's sidebar."""

from __future__ import annotations

import auth
import resources
import staff
import streamlit as st
import ui

from checkins.domain import Severity
from checkins.services import queue
from checkins.services.views import Actor


@st.fragment(run_every=staff.QUEUE_REFRESH_SECONDS)
def urgent_count(actor: Actor) -> None:
    """How many urgent cases wait, refreshed on a timer so new ones show without a reload."""
    auth.recheck()
    with resources.db().read() as s:
        waiting = queue.count_open(session=s, actor=actor, severity=Severity.URGENT.value)
    st.metric("Urgent cases waiting", waiting)


def clinic_phone_warning(actor: Actor) -> None:
    """Staff pages say so when their clinic has no phone: patients then get no number to call.
    The sidebar names the clinic too, since one deployment may hold several."""
    from checkins.services import clinic

    with resources.db().read() as s:
        view = clinic.get_clinic(session=s, actor=actor)
    phone = view.phone
    st.caption(f"Clinic: **{ui.plain(view.name)}**")
    if not phone:
        st.warning("The clinic has no phone set: an admin sets it on Admin → Clinic.",
                   icon=":material/call:")  # fmt: skip
