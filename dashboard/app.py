"""The dashboard's router: who is the user, which pages may they see. Nothing else.

Run with ``streamlit run dashboard/app.py``. Every page file is in ``views/`` (a folder named
``pages/`` would let Streamlit serve pages without this router) and calls
``checkins`` services only.
"""

from __future__ import annotations

import auth
import resources
import sidebar
import streamlit as st
import ui
import visits

from checkins import access
from checkins.domain import Role
from checkins.services.views import Actor

SIGN_IN = st.Page("views/sign_in.py", title="Sign in", icon=":material/login:", default=True)


def patient_pages() -> list[st.Page]:
    return [
        st.Page(
            "views/patient_checkin.py",
            title="Check in",
            icon=":material/photo_camera:",
            default=True,
        ),
        st.Page("views/patient_history.py", title="My history", icon=":material/history:"),
    ]


def staff_pages(role: Role) -> list[st.Page]:
    queue = st.Page("views/queue.py", title="Queue", icon=":material/inbox:", default=True)
    case = st.Page("views/case.py", title="Case", icon=":material/person:", visibility="hidden")
    trends = st.Page(
        "views/trends.py",
        title="Trends",
        icon=":material/monitoring:",
        default=role is Role.MANAGER,
    )
    admin = st.Page("views/admin.py", title="Admin", icon=":material/admin_panel_settings:")
    patients = st.Page(
        "views/patients.py",
        title="Patients",
        icon=":material/group:",
        default=role is Role.FRONT_DESK,
    )
    record = st.Page(
        "views/patient_record.py", title="Patient", icon=":material/badge:", visibility="hidden"
    )
    if role is Role.MANAGER:
        return [trends]
    if role is Role.FRONT_DESK:
        return [patients, record]
    if role is Role.PROVIDER:
        return [queue, case, patients, record, trends]
    return [queue, case, patients, record, trends, admin]  # admin


# Signed out, a reload or a shared address of a staff page shows the sign-in page under that
# address, instead of Streamlit's "page not found" dialog over it.
SIGNED_OUT_ADDRESSES = (
    "queue",
    "case",
    "trends",
    "admin",
    "patients",
    "patient_record",
    "patient_checkin",
    "patient_history",
)


def pages_for(actor: Actor | None) -> list[st.Page]:
    if actor is None:
        return [SIGN_IN] + [
            st.Page("views/sign_in.py", title="Sign in", url_path=path, visibility="hidden")
            for path in SIGNED_OUT_ADDRESSES
        ]
    if actor.role is Role.PATIENT:
        return patient_pages()
    return staff_pages(actor.role)


st.set_page_config(page_title="Check-ins", page_icon=":material/healing:", layout="centered")
resources.db()
actor = auth.resolve()
if actor is not None and actor.role is not Role.PATIENT:
    st.set_page_config(layout="wide")
# Patients move between their two pages by links on the pages themselves: no navigation bar,
# so on a phone the first screen holds the day, the call button and the first step.
staff = actor is not None and actor.role is not Role.PATIENT
page = st.navigation(pages_for(actor), position="top" if staff else "hidden")
if actor is not None and actor.role is Role.PATIENT:
    ui.compact_page()
if actor is not None and actor.role is not Role.PATIENT:
    with st.sidebar:
        st.caption(f"Signed in as **{ui.plain(actor.name)}** ({actor.role.value})")
        if actor.role in access.STAFF_CASE_ROLES:
            sidebar.urgent_count(actor)
        sidebar.clinic_phone_warning(actor)
        if st.button("Sign out", icon=":material/logout:", key="router_sign_out"):
            auth.sign_out()
            st.rerun()
        auth.remember_staff_tab()  # so a reload can say why it signed out
    auth.idle_watch()
visits.begin(page.url_path)  # another page than last run: its reads are audited afresh
page.run()
