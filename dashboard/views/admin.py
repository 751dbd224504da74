"""Administration: staff accounts, patient check-in links, clinic settings, on-call alerts."""

from __future__ import annotations

from collections.abc import Callable

import admin_ui
import auth
import clinic_ui
import resources
import streamlit as st
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import AccessDenied
from checkins.services import clinic

actor = auth.current_actor()
try:
    access.require_admin(actor)
except AccessDenied as denied:
    st.error(denied.message)
    st.stop()
db = resources.db()


def act(fn: Callable[[Session], object], done: str) -> None:
    admin_ui.act(db, fn, done)


st.title("Administration")
people, patient_links, settings, on_call = st.tabs(
    ["Staff accounts", "Patient links", "Clinic", "On-call alerts"]
)
with on_call:
    with db.read() as s:
        clinic_tz = clinic.get_clinic(session=s, actor=actor).time_zone
    clinic_ui.alert_contacts_tab(db, actor, act, clinic_tz)
with people:
    admin_ui.accounts_tab(db, actor)
with patient_links:
    admin_ui.links_tab(db, actor)
with settings:
    admin_ui.settings_tab(db, actor)
