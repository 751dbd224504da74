"""Front desk: find a patient by name, date of birth or phone; enrol a new one."""

from __future__ import annotations

import auth
import enrol_ui
import resources
import streamlit as st
import ui
import visits
from state import StateKeys

from checkins import access, contact
from checkins.domain import AccessDenied, CheckinsError, Conflict
from checkins.services import patients
from checkins.services.views import PatientPage

RECORD_PAGE = "views/patient_record.py"
PAGE_SIZE = 25

actor = auth.current_actor()
try:
    access.require_enrolment_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
db = resources.db()


def open_record(patient_id: int) -> None:
    st.session_state[StateKeys.PATIENT_SELECTED] = patient_id
    st.switch_page(RECORD_PAGE)


st.title("Patients")
find, add = st.tabs(["Find a patient", "Enrol a new patient"])

with find:
    text = st.text_input(
        "Name, date of birth (YYYY-MM-DD) or phone",
        key=StateKeys.PATIENT_SEARCH,
        placeholder="e.g. Garcia, 1985-03-02 or 555 010 0300",
    )
    page_no = int(st.session_state.get(StateKeys.PATIENT_PAGE, 1))

    read = f"search:{page_no}:{text}"

    def search() -> PatientPage:
        first = visits.first(read)  # each search is audited once per visit, not per rerun
        with db.session() if first else db.read() as s:
            return patients.search_patients(
                session=s, actor=actor, text=text, page=page_no, page_size=PAGE_SIZE,
                audit_read=first,
            )  # fmt: skip

    found = ui.attempt(search, doing="searching")
    if found is not None:
        visits.seen(read)
    if found is not None and not found.rows:
        st.info("No patient matches. Check the spelling, or enrol them in the next tab.")
    elif found is not None:
        rows = [
            {
                "Name": p.name,
                "Born": p.birth_date.isoformat() if p.birth_date else "",
                "Phone": contact.display_phone(p.phone_e164),
                "Follow-up": "ended" if p.discharged_at else "active",
            }
            for p in found.rows
        ]
        picked = st.dataframe(
            rows,
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key=StateKeys.PATIENT_TABLE,
        )
        chosen = picked.selection.rows if picked else []
        if chosen and chosen[0] < len(found.rows):
            open_record(found.rows[chosen[0]].id)
        pages = max(1, -(-found.total // PAGE_SIZE))
        st.caption(f"{found.total} found · page {page_no} of {pages} · select a row to open it")
        if pages > 1:
            st.number_input("Page", 1, pages, page_no, key=StateKeys.PATIENT_PAGE)

with add:
    values = enrol_ui.patient_fields(None, key="enrol_patient")
    if values is not None:
        try:
            with db.session() as s:
                made = patients.add_patient(session=s, actor=actor, **values)
            st.session_state[StateKeys.PATIENT_FLASH] = f"Enrolled {ui.plain(made.name)}."
            open_record(made.id)
        except Conflict as dup:
            with db.session() as s:
                same = patients.find_duplicate(
                    session=s, actor=actor, name=values["name"], birth_date=values["birth_date"]
                )
            st.session_state[StateKeys.PATIENT_DUPLICATE] = (dup.message, same)
        except CheckinsError as refused:
            st.error(refused.message, icon=":material/error:")
    if duplicate := st.session_state.get(StateKeys.PATIENT_DUPLICATE):
        st.warning(duplicate[0], icon=":material/person_search:")
        if duplicate[1] is not None and st.button("Open the existing record", type="primary"):
            del st.session_state[StateKeys.PATIENT_DUPLICATE]
            open_record(duplicate[1])
