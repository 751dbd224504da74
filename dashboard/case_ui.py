"""The case page's parts: the case as opened, its actions, the exports, photos, chart, history.

Each part takes what it shows as arguments (nothing read from session state behind the page's
back, except the widgets' own keys). Reads are audited once per visit (``visits``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import actions
import charts
import inline
import resources
import staff
import streamlit as st
import ui
import visits
from state import StateKeys

from checkins.domain import CheckinsError, Disposition, ReviewStatus
from checkins.services import case_export, clinic, fhir_export, queue, trends
from checkins.services.views import Actor, CaseView

QUEUE_PAGE = "views/queue.py"
CASE_PAGE = "views/case.py"
# Session-state keys of the page's form widgets (the flash is actions.FLASH).
REPLY, DISPOSITION, NOTE = StateKeys.CASE_REPLY, StateKeys.CASE_DISPOSITION, StateKeys.CASE_NOTE
REASON = StateKeys.CASE_TAKE_OVER_REASON


def chosen_item() -> int:
    """The review item the page is for (``?item=`` or the queue's selection), or stop."""
    raw = st.query_params.get("item") or st.session_state.get(StateKeys.SELECTED_ITEM)
    item_id = staff.item_id(raw)
    if item_id is None:
        st.info("Choose a case in the queue to open it." if raw is None else staff.BAD_ITEM)
        st.page_link(QUEUE_PAGE, label="Go to the queue", icon=":material/inbox:")
        st.stop()
    return item_id


def open_case(actor: Actor, item_id: int) -> tuple[CaseView, str]:
    """The case and the clinic's time zone; the visit's first read of it is audited."""
    read = f"case:{item_id}"
    first = visits.first(read)
    db = resources.db()
    try:
        with db.session() if first else db.read() as s:
            case = queue.open_case(session=s, actor=actor, item_id=item_id, audit_read=first)
            tz = clinic.get_clinic(session=s, actor=actor).time_zone
    except CheckinsError as exc:  # not a provider, or the case is gone
        st.error(exc.message, icon=":material/block:")
        st.stop()
    visits.seen(read)
    return case, tz


def photo(actor: Actor, photo_id: int, rendition: str) -> bytes:
    """One photo's bytes; the visit's first look at each rendition is audited."""
    read = f"photo:{photo_id}:{rendition}"
    first = visits.first(read)
    db = resources.db()
    with db.session() if first else db.read() as s:
        data = queue.photo_bytes(
            session=s,
            store=resources.store(),
            actor=actor,
            photo_id=photo_id,
            rendition=rendition,
            audit_read=first,
        )
    visits.seen(read)
    return data


def header(case: CaseView, tz: str) -> None:
    item, t, c = case.item, case.treatment, case.checkin
    st.page_link(QUEUE_PAGE, label="Back to the queue", icon=":material/arrow_back:")
    st.title(f"{ui.plain(t.patient_name)} · day {c.day_since_treatment}")
    st.markdown(f"{ui.severity_badge(item.severity)} {staff.case_status(item)}")
    st.caption(f"Sent {staff.clinic_time(c.submitted_at, tz)}")


def other_open(case: CaseView) -> None:
    """The patient's other open cases, to read together."""
    if not case.other_open:
        return
    n = len(case.other_open)
    st.warning(
        f"{ui.plain(case.treatment.patient_name)} has {n} other open case{'s' if n != 1 else ''}: "
        "read them together.",
        icon=":material/stacks:",
    )
    for other in case.other_open:
        st.page_link(
            CASE_PAGE,
            label=ui.plain(staff.other_case_text(other)),  # a colleague's name in it
            query_params={"item": str(other.item_id)},
            icon=":material/arrow_forward:",
        )


def action_panel(case: CaseView, actor: Actor, item_id: int) -> None:
    """Claim, release or take over; reply; resolve: what this provider may do now."""
    item = case.item
    action = actions.bind(item_id, actor)
    st.subheader("Actions")
    mine = item.claimed_by_id == actor.user_id
    held_by_other = item.claimed_by_id is not None and not mine
    if item.status is ReviewStatus.RESOLVED:
        st.success(f"Resolved by {ui.plain(item.claimed_by_name or 'a provider')}.")
    elif mine:
        action(st.button, "Release", queue.release, "Released.", icon=":material/undo:")
    elif held_by_other:
        _take_over(item.claimed_by_name or "a provider", action)
    else:
        action(
            st.button, "Claim", queue.claim, "You claimed it.", type="primary",
            icon=":material/pan_tool:",
        )  # fmt: skip
    if not held_by_other and (item.status is not ReviewStatus.RESOLVED or mine):
        with st.form("reply", clear_on_submit=True):
            st.text_area(
                "Reply to the patient",
                placeholder="They see it in their history.",
                key=REPLY,
                max_chars=queue.MAX_NOTE,  # the service's limit: a longer reply is never lost
            )
            done = "Reply sent."
            reply = functools.partial(queue.reply, signing_key=resources.link_key())
            action(st.form_submit_button, "Send reply", reply, done, {"body": REPLY})
    if item.status is not ReviewStatus.RESOLVED and not held_by_other:
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


def _take_over(holder: str, action: actions.Action) -> None:
    st.info(
        f"**{ui.plain(holder)}** has this case: only they reply and resolve. "
        "If they are away, take it over and say why (it is recorded).",
        icon=":material/lock:",
    )
    with st.form("take_over", clear_on_submit=True):
        st.text_input(
            "Why you are taking it over",
            placeholder=f"For example: {holder} has left for the day",
            key=REASON,
            max_chars=queue.MAX_REASON,
        )
        action(
            st.form_submit_button,
            "Take over",
            queue.take_over,
            "You took the case over.",
            {"reason": REASON},
            type="primary",
            icon=":material/swap_horiz:",
        )


def exports(case: CaseView, actor: Actor, item_id: int) -> None:
    """The chart PDF and the FHIR bundle, each made (and audited) when its button is pressed."""
    db, store = resources.db(), resources.store()
    day = case.checkin.day_since_treatment

    def chart_pdf() -> bytes:
        with db.session() as s:
            return case_export.case_summary_pdf(
                session=s, store=store, actor=actor, item_id=item_id
            )

    def chart_fhir() -> str:
        with db.session() as s:
            bundle = fhir_export.export_bundle(session=s, actor=actor, item_id=item_id)
        return json.dumps(bundle, ensure_ascii=False, indent=1)

    st.download_button(
        "Print or export this case for the chart",
        chart_pdf,
        file_name=f"case-{item_id}-day-{day}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/print:",
        width="stretch",
        wrap=True,  # in a column a long label is cut off otherwise
    )
    st.download_button(
        "Export for the chart (FHIR R4)",
        chart_fhir,
        file_name=f"case-{item_id}-day-{day}.fhir.json",
        mime="application/fhir+json",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        wrap=True,
    )


def details(case: CaseView, tz: str) -> None:
    """The treatment, why the check-in is in the queue, the answers and the patient's notes."""
    c = case.checkin
    st.subheader("Treatment")
    st.markdown(staff.treatment_text(case.treatment, tz))
    st.subheader("Why it is in the queue")
    for r in c.reasons:
        st.markdown(f"{ui.severity_badge(r.severity)} **{staff.rule_name(r.rule)}**: {r.message}")
        if r.because:
            st.caption("Because " + "; ".join(r.because))
    st.subheader("Answers")
    st.dataframe(staff.answers_frame(c, case.previous), hide_index=True, height="content")
    for heading, note in staff.patient_notes(c, case.previous):
        st.markdown(f"**{heading}**")
        if not note:
            st.caption("The patient wrote no note.")
            continue
        with st.container(border=True):
            st.text(note)  # as typed: st.text renders no markdown and cuts nothing


def _full_size(load: Callable[[], bytes], title: str) -> None:
    """The full-size photo in a dialog whose title says which photo it is."""

    def body() -> None:
        ui.attempt(
            lambda: inline.image(
                load(), caption=title, alt=f"Photo: {title}", max_width=inline.PAGE_WIDTH
            ),
            doing="opening the photo",
        )

    st.dialog(f"Full size: {title.split(' · sent ')[0]}", width="large")(body)()


def photos(case: CaseView, actor: Actor, tz: str) -> None:
    """The check-in's photos beside the baseline, optionally with the measured area drawn."""
    st.subheader("Photos")
    grid = staff.photo_grid(case)
    titles = staff.photo_titles(case, tz)
    if not grid:
        st.caption("No photos with this check-in.")
    measured = bool(grid) and st.toggle("Show the measured area", key=StateKeys.CASE_MEASURED)
    if measured:
        st.caption(staff.MEASURED_LEGEND)
    for line in grid:
        for col, cell in zip(st.columns(len(line)), line, strict=True):
            if cell is None:
                continue
            caption, p = cell
            shown = "measured" if measured and p.has_region else "display"

            def load(photo_id: int = p.id, rendition: str = shown) -> bytes:
                return photo(actor, photo_id, rendition)

            data = ui.attempt(load, doing="loading a photo")
            if data:
                with col:  # the display copy, inside the page (no /media/ address)
                    inline.image(data, caption=caption, width="stretch", alt=f"Photo: {caption}")
            title = titles.get(p.id, caption)
            if col.button(
                "Full size",
                key=f"full_{p.id}",
                icon=":material/open_in_full:",
                help=f"Open {title.split(' · sent ')[0]} full size",
            ):

                def full(photo_id: int = p.id) -> bytes:
                    return photo(actor, photo_id, "full")

                _full_size(full, title)


@st.cache_data(ttl=600, show_spinner=False)
def _band(procedure: str, clinic_id: int | None, _actor: Actor) -> list[trends.BandPoint]:
    """De-identified and the same for every provider of one clinic, so it may be shared for
    ten minutes; the clinic is in the key (each clinic's band is its own patients')."""
    with resources.db().read() as s:
        return trends.expected_recovery_band(session=s, actor=_actor, procedure=procedure)


def redness(case: CaseView, actor: Actor) -> None:
    """This patient's redness over time against the band of patients with the same procedure."""
    st.subheader("Redness over time")
    metric = st.radio(
        "Metric", trends.METRICS, format_func=trends.METRIC_LABELS.get, horizontal=True
    )
    band = _band(case.treatment.procedure, actor.clinic_id, actor)
    current = case.checkin.id
    chart = charts.redness_vs_band(case.history, band, metric=metric, current_id=current)
    summary = charts.redness_summary(case.history, band, metric=metric, current_id=current)
    if chart is None:
        st.info(f"Nothing to draw yet. {summary}", icon=":material/info:")
        return
    st.altair_chart(chart, width="stretch")
    st.caption(
        "Red: this patient. Blue band: middle half of patients with the same procedure. " + summary
    )


def history(case: CaseView, tz: str) -> None:
    st.subheader("History")
    st.caption(f"Times are the clinic's ({tz}).")
    st.dataframe(
        staff.history_frame(case.messages, case.audit, tz), hide_index=True, height="content"
    )
