"""Provider: the review queue. Urgent first, then longest waiting; selecting a row opens it."""

from __future__ import annotations

import auth
import resources
import staff
import streamlit as st
import visits
from state import StateKeys

from checkins import access
from checkins.domain import PROCEDURES, AccessDenied, CheckinsError, ReviewStatus, Severity
from checkins.services import clinic, queue

CASE_PAGE = "views/case.py"
PAGE_SIZE = 50
STATUS_CHOICES = {
    "Open (new and claimed)": queue.OPEN_STATUSES,
    "New": (ReviewStatus.NEW,),
    "Claimed": (ReviewStatus.CLAIMED,),
    "Resolved": (ReviewStatus.RESOLVED,),
}
# Session-state keys of this page only (widget keys).
QUEUE_PAGE = StateKeys.QUEUE_PAGE
QUEUE_TABLE = StateKeys.QUEUE_TABLE

actor = auth.current_actor()
try:
    access.require_case_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
with resources.db().read() as s:
    target = clinic.get_clinic(session=s, actor=actor).target_response_minutes

st.title("Review queue")
f1, f2, f3, f4 = st.columns([2, 3, 3, 2], vertical_alignment="bottom")
severity = f1.selectbox(
    "Severity", [None, *(s.value for s in reversed(Severity))], format_func=lambda v: v or "All"
)
status = f2.selectbox("Status", list(STATUS_CHOICES))
procedure = f3.selectbox(
    "Procedure", [None, *PROCEDURES], format_func=lambda v: staff.procedure_label(v) if v else "All"
)
mine = f4.toggle("Claimed by me")


@st.fragment(run_every=staff.QUEUE_REFRESH_SECONDS)
def live_queue() -> None:
    auth.recheck()  # a timed refresh skips the router: a deactivated account stops here
    page_no = int(st.session_state.get(QUEUE_PAGE, 1))
    read = f"queue:{severity}:{status}:{procedure}:{mine}:{page_no}"
    first = visits.first(read)  # each view of the queue is audited once per visit
    db = resources.db()
    try:
        with db.session() if first else db.read() as s:
            result = queue.list_queue(
                session=s,
                actor=actor,
                severity=severity,
                statuses=STATUS_CHOICES[status],
                procedure=procedure,
                claimed_by=actor.user_id if mine else None,
                page=page_no,
                page_size=PAGE_SIZE,
                audit_read=first,
            )
    except CheckinsError as exc:
        st.error(exc.message)
        return
    visits.seen(read)
    st.caption(
        f"{result.total} case{'s' if result.total != 1 else ''} · target response "
        f"{staff.minutes_text(target)} · refreshes every {staff.QUEUE_REFRESH_SECONDS} s · "
        "select a row to open the case"
    )
    if not result.rows:
        st.info("No cases match these filters.")
        return
    # A selection indexes the rows as drawn last time; new cases may have arrived since, so
    # map it through the ids shown then, never through this run's fresh query.
    shown_before: list[int] = st.session_state.get(StateKeys.QUEUE_SHOWN) or []
    st.session_state[StateKeys.QUEUE_SHOWN] = [r.item_id for r in result.rows]
    event = st.dataframe(
        staff.queue_styler(staff.queue_frame(result.rows, target)),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=QUEUE_TABLE,
        column_config=staff.queue_column_config(target),
    )
    ids = shown_before or [r.item_id for r in result.rows]
    if event.selection.rows and event.selection.rows[0] < len(ids):
        item_id = ids[event.selection.rows[0]]
        st.session_state[StateKeys.SELECTED_ITEM] = item_id
        st.switch_page(CASE_PAGE, query_params={"item": str(item_id)})
    pages = max(1, -(-result.total // PAGE_SIZE))
    if pages > 1:
        st.session_state[QUEUE_PAGE] = min(int(st.session_state.get(QUEUE_PAGE, 1)), pages)
        st.number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, key=QUEUE_PAGE, width=160
        )


live_queue()
