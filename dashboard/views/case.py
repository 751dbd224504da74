"""Provider: one case: treatment, answers, rules, photos beside the baseline, chart, actions."""

from __future__ import annotations

import actions
import auth
import charts
import resources
import staff
import streamlit as st
import ui
from state import StateKeys

from checkins import access
from checkins.domain import AccessDenied, CheckinsError, Disposition
from checkins.services import queue, trends
from checkins.services.views import Actor

QUEUE_PAGE = "views/queue.py"
# Session-state keys of this page's form widgets (the flash is actions.FLASH).
REPLY, DISPOSITION, NOTE = StateKeys.CASE_REPLY, StateKeys.CASE_DISPOSITION, StateKeys.CASE_NOTE


@st.cache_data(ttl=600, show_spinner=False)
def _band(procedure: str, _actor: Actor) -> list[trends.BandPoint]:
    """De-identified and the same for every provider, so it may be shared for ten minutes."""
    with resources.db().read() as s:
        return trends.expected_recovery_band(session=s, actor=_actor, procedure=procedure)


@st.dialog("Photo, full size", width="large")
def full_size(photo_id: int) -> None:
    ui.attempt(lambda: st.image(_photo(photo_id, "full")), doing="opening the photo")


def _photo(photo_id: int, rendition: str) -> bytes:
    with resources.db().session() as s:
        return queue.photo_bytes(
            session=s, store=resources.store(), actor=actor, photo_id=photo_id, rendition=rendition
        )


actor = auth.current_actor()
try:
    access.require_case_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
raw = st.query_params.get("item") or st.session_state.get(StateKeys.SELECTED_ITEM)
item_id = staff.item_id(raw)
if item_id is None:
    st.info("Choose a case in the queue to open it." if raw is None else staff.BAD_ITEM)
    st.page_link(QUEUE_PAGE, label="Go to the queue", icon=":material/inbox:")
    st.stop()
try:
    with resources.db().session() as s:
        case = queue.open_case(session=s, actor=actor, item_id=item_id)
except CheckinsError as exc:  # not a provider, or the case is gone
    st.error(exc.message, icon=":material/block:")
    st.stop()
item, t, c = case.item, case.treatment, case.checkin
st.page_link(QUEUE_PAGE, label="Back to the queue", icon=":material/arrow_back:")
st.title(f"{t.patient_name} · day {c.day_since_treatment}")
st.markdown(f"{ui.severity_badge(item.severity)} {staff.case_status(item)}")
actions.show_flash()
action = actions.bind(item_id, actor)

left, right = st.columns([3, 2], gap="large")
with right:
    st.subheader("Actions")
    mine = item.claimed_by_id == actor.user_id
    if item.status == "resolved":
        st.success(f"Resolved by {ui.plain(item.claimed_by_name or 'a provider')}.")
    elif mine:
        action(st.button, "Release", queue.release, "Released.", icon=":material/undo:")
    else:
        action(
            st.button,
            "Claim",
            queue.claim,
            "You claimed it.",
            type="primary",
            icon=":material/pan_tool:",
        )
    with st.form("reply", clear_on_submit=True):
        st.text_area(
            "Reply to the patient",
            placeholder="They see it in their history.",
            key=REPLY,
            max_chars=queue.MAX_NOTE,  # the service's limit: a longer reply is never typed, lost
        )
        action(st.form_submit_button, "Send reply", queue.reply, "Reply sent.", {"body": REPLY})
    if item.status != "resolved":
        with st.form("resolve"):
            st.selectbox(  # no default: the false-alarm figures depend on a real choice
                "Disposition",
                list(Disposition),
                index=None,
                placeholder="Choose how it was resolved",
                format_func=lambda d: d.label,
                key=DISPOSITION,
            )
            st.text_area("Note (staff only)", key=NOTE, max_chars=queue.MAX_NOTE)
            fields = {"disposition": DISPOSITION, "note": NOTE}
            done = "Resolved: {disposition.label}."
            action(st.form_submit_button, "Resolve", queue.resolve, done, fields, type="primary")

with left:
    st.subheader("Treatment")
    st.markdown(staff.treatment_text(t))
    st.subheader("Why it is in the queue")
    for r in c.reasons:
        st.markdown(f"{ui.severity_badge(r.severity)} **{r.rule.replace('_', ' ')}**: {r.message}")
        if r.because:
            st.caption("Because " + "; ".join(r.because))
    st.subheader("Answers")
    st.dataframe(staff.answers_frame(c, case.previous), hide_index=True, height="content")

st.subheader("Photos")
grid = staff.photo_grid(case)
if not grid:
    st.caption("No photos with this check-in.")
for line in grid:
    for col, cell in zip(st.columns(len(line)), line, strict=True):
        if cell is not None:
            caption, p = cell
            data = ui.attempt(lambda p=p: _photo(p.id, "display"), doing="loading a photo")
            if data:
                col.image(data, caption=caption, width="stretch")
            if col.button("Full size", key=f"full_{p.id}", icon=":material/open_in_full:"):
                full_size(p.id)

st.subheader("Redness over time")
metric = st.radio("Metric", trends.METRICS, format_func=trends.METRIC_LABELS.get, horizontal=True)
band = _band(t.procedure, actor)
st.altair_chart(
    charts.redness_vs_band(case.history, band, metric=metric, current_id=c.id), width="stretch"
)
st.caption("Red: this patient. Blue band: middle half of patients with the same procedure.")

st.subheader("History")
st.dataframe(staff.history_frame(case.messages, case.audit), hide_index=True, height="content")
