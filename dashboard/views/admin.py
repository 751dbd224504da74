"""Administration: staff accounts, patient check-in links, clinic settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import auth
import clinic_ui
import resources
import staff
import streamlit as st
import ui
from state import StateKeys

from checkins import access, links, schedule
from checkins.domain import PROCEDURE_LABELS, AccessDenied
from checkins.services import clinic, users

actor = auth.current_actor()
db = resources.db()
try:
    access.require_admin(actor)
except AccessDenied as denied:
    st.error(denied.message)
    st.stop()


def act(fn: Callable[[Any], object], done: str) -> None:
    """Run one admin action in its own unit of work; say what happened."""

    def run() -> object:
        with db.session() as s:
            return fn(s)

    if ui.attempt(run, doing="saving the change") is not None:
        st.toast(done, icon=":material/check:")


def _issue(treatment_id: int, base_url: str, ttl_days: int) -> str:
    with db.session() as s:
        return links.issue_link(
            session=s,
            key=resources.link_key(),
            treatment_id=treatment_id,
            base_url=base_url,
            ttl_days=ttl_days,
            actor=actor,
        )


st.title("Administration")
people, patient_links, settings, on_call = st.tabs(
    ["Staff accounts", "Patient links", "Clinic", "On-call alerts"]
)
with on_call:
    with db.read() as s:
        clinic_tz = clinic.get_clinic(session=s).time_zone
    clinic_ui.alert_contacts_tab(db, actor, act, clinic_tz)

with people:
    with db.read() as s:
        accounts = users.list_users(session=s, actor=actor)
        tz = clinic.get_clinic(session=s).time_zone
    st.dataframe(
        [
            {
                "Username": u.username,
                "Name": u.display_name,
                "Role": u.role.value,
                "Active": u.active,
                "Locked until": staff.clinic_time(u.locked_until, tz) if u.locked_until else "",
            }
            for u in accounts
        ],
        hide_index=True,
    )
    with st.form("add_user", clear_on_submit=True):
        st.markdown("**Add an account**")
        username = st.text_input("Username (their e-mail, if they sign in with OpenID Connect)")
        name = st.text_input("Name")
        role = st.selectbox("Role", [r.value for r in users.STAFF_ROLES])
        password = st.text_input("Password (at least 10 characters)", type="password")
        if st.form_submit_button("Add account"):
            act(
                lambda s: users.add_user(
                    session=s,
                    username=username,
                    display_name=name,
                    role=role,
                    password=password or None,
                    actor=actor,
                ),
                f"Added {username}.",
            )
    who = st.selectbox("Account", [u.username for u in accounts], key=StateKeys.ADMIN_ACCOUNT)
    new_password = st.text_input("New password", type="password", key=StateKeys.ADMIN_NEW_PASSWORD)
    reset, unlock, off, on = st.columns(4)
    if reset.button("Set password", disabled=not new_password):
        act(
            lambda s: users.set_password(
                session=s, username=who, password=new_password, actor=actor
            ),
            f"Password changed for {who}.",
        )
    if unlock.button("Unlock"):
        act(lambda s: users.unlock(session=s, username=who, actor=actor), f"Unlocked {who}.")
    if off.button("Deactivate"):
        act(
            lambda s: users.set_active(session=s, username=who, active=False, actor=actor),
            f"Deactivated {who}.",
        )
    if on.button("Activate"):
        act(
            lambda s: users.set_active(session=s, username=who, active=True, actor=actor),
            f"Activated {who}.",
        )

with patient_links:
    with db.read() as s:
        targets = links.list_link_targets(session=s, actor=actor)
    if not targets:
        st.info("No treatments yet: enrol a patient on the Patients page first.")
    else:
        target = st.selectbox(
            "Treatment",
            targets,
            format_func=lambda t: (
                f"{t.patient_name} · {PROCEDURE_LABELS.get(t.procedure, t.procedure)}"
                f" · {t.treated_at:%Y-%m-%d}"
            ),
        )
        parts = urlsplit(st.context.url or "http://localhost:8501")
        base = f"{parts.scheme}://{parts.netloc}/"
        days = st.number_input("Valid for (days)", 1, links.MAX_TTL_DAYS, links.DEFAULT_TTL_DAYS)
        make, revoke = st.columns(2)
        if make.button("Create link", type="primary"):
            url = ui.attempt(
                lambda: _issue(target.treatment_id, base, int(days)), doing="creating the link"
            )
            st.session_state[StateKeys.ISSUED_LINK] = (target.treatment_id, url) if url else None
        if revoke.button("Revoke every link for this treatment"):
            act(
                lambda s: links.revoke_links(
                    session=s, treatment_id=target.treatment_id, actor=actor
                ),
                "Earlier links no longer open.",
            )
            st.session_state.pop(StateKeys.ISSUED_LINK, None)
        issued = st.session_state.get(StateKeys.ISSUED_LINK)
        if issued and issued[0] == target.treatment_id:  # never show one patient's link for another
            st.code(issued[1], language=None, wrap_lines=True)
            st.caption(
                f"For {target.patient_name} only: anyone holding it can open their check-in."
            )

with settings:
    with db.read() as s:
        current = clinic.get_clinic(session=s)
    if not current.phone:
        st.warning("The clinic has no phone set: patients are told to contact the office "
                   "without a number. Set it below.", icon=":material/call:")  # fmt: skip
    if (values := clinic_ui.settings_form(current)) is not None:
        hours, days = values.pop("office_hours"), values.pop("default_schedule_days")
        act(lambda s: clinic.set_clinic(session=s, actor=actor,
            office_hours=clinic.parse_office_hours(hours),
            default_schedule_days=schedule.parse_days(days), **values),
            "Clinic settings saved.")  # fmt: skip
