"""The clinic settings form (Admin → Clinic): contact, hours, schedule and link defaults."""

from __future__ import annotations

from typing import Any

import streamlit as st
import ui
import visits

from checkins.domain import WEEKDAYS, ChannelName
from checkins.services.views import ClinicView


def _hours_text(hours: dict[str, list[str] | None]) -> str:
    return ", ".join(f"{d} {'-'.join(h)}" for d, h in hours.items() if h) or "closed"


def settings_form(current: ClinicView) -> dict[str, Any] | None:
    """The form; its values when saved. Widget keys are fixed so a rerun keeps what was typed."""
    with st.form("clinic_settings", enter_to_submit=False):
        name = st.text_input("Clinic name", current.name, key="clinic_name")
        left, right = st.columns(2)
        phone = left.text_input(
            "Phone patients call", current.phone, key="clinic_phone", placeholder="(555) 010-0199"
        )
        on_call = right.text_input(
            "On-call number (out of hours)",
            current.after_hours_phone_display,
            key="clinic_on_call",
            help="Out of office hours an urgent patient is given this number, never the office's.",
        )
        hours = st.text_input(
            "Office hours",
            _hours_text(current.office_hours),
            key="clinic_hours",
            help=f"Days {', '.join(WEEKDAYS)}, e.g. 'mon-fri 09:00-17:00, sat 10:00-13:00'.",
        )
        left, right = st.columns(2)
        tz = left.text_input("Time zone", current.time_zone, key="clinic_tz")
        target = right.number_input(
            "Target response (minutes)", 1, 1440, current.target_response_minutes, key="clinic_t"
        )
        days = left.text_input(
            "Default check-in days",
            ", ".join(map(str, current.default_schedule_days)),
            key="clinic_days",
        )
        validity = right.number_input(
            "Links last (days)", 1, 365, current.link_validity_days, key="clinic_validity"
        )
        card = st.checkbox(
            "We give patients the printed reference card (`checkins card`)",
            value=current.reference_card,
            key="clinic_card",
            help="The check-in page then tells patients how to hold it in the photo.",
        )
        if not st.form_submit_button("Save", type="primary"):
            return None
    return {
        "name": name,
        "phone": phone,
        "after_hours_phone": on_call,
        "office_hours": hours,
        "time_zone": tz,
        "target_response_minutes": int(target),
        "default_schedule_days": days,
        "link_validity_days": int(validity),
        "reference_card": card,
    }


def _entry(c: Any) -> str:
    return c.address if c.on_call else f"{c.address} daytime"


def alert_contacts_tab(db: Any, actor: Any, act: Any, tz: str) -> None:
    """On-call contacts (alerted in order while nobody claims an urgent case), a test message,
    and the delivery log of everything sent."""
    import enrol_ui

    from checkins.services import alerts

    first = visits.first("deliveries")  # the log shows patients' addresses: audited per visit
    with db.session() if first else db.read() as s:
        contacts = alerts.list_contacts(session=s, actor=actor)
        log = alerts.deliveries(session=s, actor=actor, limit=200, audit_read=first)
    visits.seen("deliveries")
    with st.form("alert_contacts", enter_to_submit=False):
        emails = st.text_area(
            "On-call emails, one per line, in the order they are alerted",
            "\n".join(_entry(c) for c in contacts if c.channel == ChannelName.EMAIL),
            help="Add ' daytime' after an entry that is alerted in office hours only.",
        )
        phones = st.text_area(
            "On-call mobile numbers (text messages), one per line, alerted after the emails",
            "\n".join(_entry(c) for c in contacts if c.channel == ChannelName.SMS),
        )
        if st.form_submit_button("Save contacts", type="primary"):
            act(lambda s: alerts.set_contacts(session=s, actor=actor, emails=emails.splitlines(),
                phones=phones.splitlines()), "On-call contacts saved.")  # fmt: skip
    for c in contacts:
        if c.failed_at:
            st.warning(
                f"{ui.plain(c.address)}: the last message failed ({ui.plain(c.failure_reason)})."
            )
    if st.button("Send a test message to every contact", icon=":material/send:"):
        act(lambda s: alerts.send_test(session=s, actor=actor), "Test messages queued.")
    st.markdown("**Delivery log**")
    if log:
        st.dataframe(enrol_ui.delivery_frame(log, tz), hide_index=True)
    else:
        st.caption("Nothing sent yet.")
