"""What the router shows in every staff page's sidebar."""

from __future__ import annotations

import auth
import resources
import staff
import streamlit as st

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


def clinic_phone_warning() -> None:
    """Staff pages say so when the clinic has no phone: patients then get no number to call."""
    from checkins.services import clinic

    with resources.db().read() as s:
        phone = clinic.get_clinic(session=s).phone
    if not phone:
        st.warning("The clinic has no phone set: an admin sets it on Admin → Clinic.",
                   icon=":material/call:")  # fmt: skip
