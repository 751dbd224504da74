"""The admin page's tabs: staff accounts, patient check-in links, clinic settings.

Each tab takes the database and the signed-in admin; every change runs in its own unit of work
through ``act``, which says what happened (or, through ``ui.attempt``, what went wrong).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import clinic_ui
import resources
import staff
import streamlit as st
import ui
import visits
from sqlalchemy.orm import Session
from state import StateKeys

from checkins import links, schedule
from checkins.domain import PROCEDURE_LABELS
from checkins.services import clinic, users
from checkins.services.views import Actor
from checkins.storage.db import Database

Change = Callable[[Session], object]


def act(db: Database, fn: Change, done: str) -> None:
    """Run one admin action in its own unit of work; say what happened."""

    def run() -> object:
        with db.session() as s:
            return fn(s)

    if ui.attempt(run, doing="saving the change") is not None:
        st.toast(done, icon=":material/check:")


def accounts_tab(db: Database, actor: Actor) -> None:
    """The staff accounts; add one; set a password, unlock, deactivate or activate one."""
    with db.read() as s:
        accounts = users.list_users(session=s, actor=actor)
        tz = clinic.get_clinic(session=s, actor=actor).time_zone
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
            act(db, lambda s: users.add_user(session=s, username=username, display_name=name,
                role=role, password=password or None, actor=actor),
                f"Added {username}.")  # fmt: skip
    who = st.selectbox("Account", [u.username for u in accounts], key=StateKeys.ADMIN_ACCOUNT)
    if who is None:
        return
    new_password = st.text_input("New password", type="password", key=StateKeys.ADMIN_NEW_PASSWORD)
    reset, unlock, off, on = st.columns(4)
    if reset.button("Set password", disabled=not new_password):
        act(db, lambda s: users.set_password(session=s, username=who, password=new_password,
            actor=actor), f"Password changed for {who}.")  # fmt: skip
    if unlock.button("Unlock"):
        act(db, lambda s: users.unlock(session=s, username=who, actor=actor), f"Unlocked {who}.")
    if off.button("Deactivate"):
        act(db, lambda s: users.set_active(session=s, username=who, active=False, actor=actor),
            f"Deactivated {who}.")  # fmt: skip
    if on.button("Activate"):
        act(db, lambda s: users.set_active(session=s, username=who, active=True, actor=actor),
            f"Activated {who}.")  # fmt: skip


def links_tab(db: Database, actor: Actor) -> None:
    """Create a treatment's check-in link (shown for that treatment only), or revoke them all."""
    first = visits.first("link-targets")  # an audited read, once per visit
    with db.session() if first else db.read() as s:
        targets = links.list_link_targets(session=s, actor=actor, audit_read=first)
    visits.seen("link-targets")
    if not targets:
        st.info("No treatments yet: enrol a patient on the Patients page first.")
        return
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
    tid = target.treatment_id

    def issue() -> str:
        with db.session() as s:
            return links.issue_link(
                session=s,
                key=resources.link_key(),
                treatment_id=tid,
                base_url=base,
                ttl_days=int(days),
                actor=actor,
            )

    if make.button("Create link", type="primary"):
        url = ui.attempt(issue, doing="creating the link")
        st.session_state[StateKeys.ISSUED_LINK] = (tid, url) if url else None
    if revoke.button("Revoke every link for this treatment"):
        act(db, lambda s: links.revoke_links(session=s, treatment_id=tid, actor=actor),
            "Earlier links no longer open.")  # fmt: skip
        st.session_state.pop(StateKeys.ISSUED_LINK, None)
    issued = st.session_state.get(StateKeys.ISSUED_LINK)
    if issued and issued[0] == tid:  # never show one patient's link for another
        st.code(issued[1], language=None, wrap_lines=True)
        st.caption(
            f"For {ui.plain(target.patient_name)} only: anyone holding it can open their check-in."
        )


def settings_tab(db: Database, actor: Actor) -> None:
    """The clinic's contact, hours, schedule and link defaults."""
    with db.read() as s:
        current = clinic.get_clinic(session=s, actor=actor)
    if not current.phone:
        st.warning(
            "The clinic has no phone set: patients are told to contact the office without a "
            "number. Set it below.",
            icon=":material/call:",
        )
    values = clinic_ui.settings_form(current)
    if values is None:
        return
    hours: str = values.pop("office_hours")
    days: str = values.pop("default_schedule_days")
    act(db, lambda s: clinic.set_clinic(session=s, actor=actor,
        office_hours=clinic.parse_office_hours(hours),
        default_schedule_days=schedule.parse_days(days), **values),
        "Clinic settings saved.")  # fmt: skip
