"""The patient check-in page in steps: the draft brought back, the result, the photos, the send.

views/patient_checkin.py calls them in order. Each step is one part of the page script and
reads or writes the page's own session-state keys (``StateKeys``), named where it does; every
sentence goes through the translator ``tr`` the page passes in.
"""

from __future__ import annotations

from typing import Any

import checkin_ui
import patient_ui
import resources
import streamlit as st
import ui
from state import StateKeys

from checkins.domain import Answers, Severity
from checkins.i18n import Translator
from checkins.rules import thresholds
from checkins.services import intake
from checkins.services import patient_form as form
from checkins.services.views import Actor, PatientHome, SubmitResult


def restore_draft(*, actor: Actor, token: str | None, tr: Translator) -> None:
    """On a new visit (or a reload), put back what this link's draft kept."""
    if st.session_state.get(StateKeys.DRAFT_CHECKED):
        return
    st.session_state[StateKeys.DRAFT_CHECKED] = True
    draft = checkin_ui.load_draft(actor=actor, token=token)
    if draft is None or not checkin_ui.worth_keeping(draft.answers, draft.photos):
        return
    for name, value in draft.answers.items():
        st.session_state[patient_ui.question_key(name)] = value
    st.session_state[StateKeys.DRAFT_PHOTOS] = list(draft.photos)
    st.session_state[StateKeys.DRAFT_RESTORED] = (
        tr.plural(
            "Welcome back: what you entered before is still here, with %(n)s photo.",
            "Welcome back: what you entered before is still here, with %(n)s photos.",
            len(draft.photos),
        )
        if draft.photos
        else tr("Welcome back: what you entered before is still here.")
    )


def history_link(tr: Translator) -> None:
    st.page_link(
        "views/patient_history.py", label=tr("My check-ins and replies"), icon=":material/history:"
    )


def show_result(result: SubmitResult, *, actor: Actor, home: PatientHome, tr: Translator) -> None:
    """The answer to the check-in just sent, brought into view, and a way to start again."""
    try:  # the Spanish message quotes the rules in force; without them, its reasons alone
        limits = thresholds(resources.rules(actor))
    except Exception:
        limits = None
    with st.container(key=checkin_ui.RESULT_KEY):
        patient_ui.triage_result(
            result.triage,
            phone=home.clinic.phone,
            guidance=None,  # the result's message already carries the day's course: once only
            next_day=home.next_checkin_day,
            call=home.call_now,
            tr=tr,
            thresholds=limits,
        )
    checkin_ui.bring_into_view(checkin_ui.RESULT_KEY, nonce=st.session_state[StateKeys.SENDS])
    if st.button(tr("Start a new check-in"), icon=":material/add_a_photo:"):
        del st.session_state[StateKeys.LAST_RESULT]
        st.rerun()
    history_link(tr)


def photos(
    *, home: PatientHome, baseline: bool, tr: Translator
) -> tuple[list[form.PhotoCheck], list[tuple[str, bytes]]]:
    """The uploader (the phone's own camera at full resolution), each photo's verdict at once;
    the verdicts and the photos kept (``(name, bytes)``, for the draft)."""
    st.subheader(
        tr("Baseline photo") if baseline else tr("1 · Photos of the treated area"), anchor=False
    )
    if baseline:
        st.markdown(
            tr(
                "Before your treatment, send a photo of the area: later photos are compared "
                "with it."
            )
        )
    nonce = st.session_state[StateKeys.PHOTO_NONCE]
    kept: list[tuple[str, bytes]] = st.session_state.get(StateKeys.DRAFT_PHOTOS, [])
    with st.container(key=checkin_ui.field_key(checkin_ui.PHOTOS_FIELD)):
        # No `type=`: Streamlit enforces it by raising before the page runs (its error page for
        # a name with a NUL byte or a .html file); check_photo refuses those with a sentence.
        files = st.file_uploader(
            tr("Take or choose photos (you can add several)"),
            accept_multiple_files=True,
            key=StateKeys.uploader(nonce),
            max_upload_size=form.MAX_UPLOAD_MB,
            help=tr("On a phone, choose “Camera” to take the photo at full quality."),
        )
    given = [*kept, *((f.name, f.getvalue()) for f in files or [])]
    uploads, refused = checkin_ui.within_limit(given)
    if refused:
        st.error(checkin_ui.too_many_photos(refused, tr=tr), icon=":material/block:")
    card_hint = form.CARD_HINT if home.clinic.reference_card else None
    with st.expander(tr("How to take a good photo")):
        st.markdown(ui.bullets(tr.all(form.PHOTO_TIPS)))
        if card_hint:
            st.markdown(tr(card_hint))
    bar = st.empty()
    checks = form.check_photos(
        uploads,
        cache=st.session_state[StateKeys.ANALYSED],
        progress=lambda i, n, _name: bar.progress(
            i / n, text=tr("Checking photo %(i)s of %(n)s…", i=i + 1, n=n)
        ),
        tr=tr,
    )
    bar.empty()
    kept_keys = {form.photo_key(d) for _, d in kept}
    for check in checks:
        patient_ui.photo_verdict(check, card_hint=card_hint, tr=tr)
        if check.sha256 in kept_keys and st.button(
            tr("Remove %(name)s", name=check.name),
            key=f"drop_{check.sha256[:16]}",
            icon=":material/delete:",
        ):
            st.session_state[StateKeys.DRAFT_PHOTOS] = [
                (n, d) for n, d in kept if form.photo_key(d) != check.sha256
            ]
            st.rerun()
    return checks, uploads


def keep_draft(
    *, actor: Actor, token: str | None, raw: dict[str, Any], uploads: list[tuple[str, bytes]]
) -> None:
    """Keep the form on the server when it changed (and again when it is all cleared)."""
    signature = checkin_ui.draft_signature(raw, uploads)
    last = st.session_state.get(StateKeys.DRAFT_SIGNATURE)
    changed = signature != last and (checkin_ui.worth_keeping(raw, uploads) or last is not None)
    if changed and checkin_ui.save_draft(actor=actor, token=token, answers=raw, photos=uploads):
        st.session_state[StateKeys.DRAFT_SIGNATURE] = signature


def problems_before_send(
    checks: list[form.PhotoCheck],
    raw: dict[str, Any],
    *,
    baseline: bool,
    sent: bool,
    errors_box: Any,
    tr: Translator,
) -> tuple[bool, Answers | None]:
    """Every problem at the form's top (kept after a refused Send, shrinking as each is fixed);
    ``(may send, answers)``."""
    if not (sent or st.session_state.get(StateKeys.FORM_ERRORS)):
        return False, None
    problems, answers = checkin_ui.form_problems(checks, raw, baseline=baseline, tr=tr)
    st.session_state[StateKeys.FORM_ERRORS] = problems
    if problems:
        with errors_box.container():
            checkin_ui.error_list(problems, tr=tr)
    if not sent:
        return False, None
    sends = st.session_state[StateKeys.SENDS] + 1
    st.session_state[StateKeys.SENDS] = sends
    if problems:
        checkin_ui.bring_into_view(checkin_ui.ERRORS_KEY, nonce=sends)
        return False, None
    return True, answers


def send(
    *,
    actor: Actor,
    token: str | None,
    home: PatientHome,
    answers: Answers | None,
    checks: list[form.PhotoCheck],
    baseline: bool,
    tr: Translator,
) -> None:
    """Store the check-in; then show its result on a fresh, empty form."""

    def submit() -> SubmitResult:
        with resources.db().session() as s:
            return intake.submit_checkin(
                session=s,
                store=resources.store(),
                actor=actor,
                treatment_id=actor.treatment_id or 0,
                answers=answers,
                photos=[c.prepared for c in checks if c.prepared is not None],
                client_submission_id=st.session_state[StateKeys.SUBMISSION_ID],
                is_baseline=baseline,
                ruleset=resources.rules(actor),
            )

    with st.spinner(tr("Sending your check-in…")):
        stored = ui.attempt(
            submit, doing=tr("sending your check-in"), phone=home.clinic.phone, tr=tr
        )
    if stored is None:
        return
    checkin_ui.discard_draft(actor=actor, token=token)
    st.session_state[StateKeys.LAST_RESULT] = stored
    st.session_state[StateKeys.SUBMISSION_ID] = form.new_submission_id()
    st.session_state[StateKeys.PHOTO_NONCE] += 1  # a new key: an empty uploader
    st.session_state[StateKeys.ANALYSED] = {}
    st.session_state[StateKeys.DRAFT_PHOTOS] = []
    st.session_state.pop(StateKeys.FORM_ERRORS, None)
    st.session_state.pop(StateKeys.DRAFT_SIGNATURE, None)
    for name in form.DRAFT_FIELDS:
        st.session_state.pop(patient_ui.question_key(name), None)
    st.rerun()


def urgent(result: SubmitResult | None) -> bool:
    return result is not None and result.triage.severity is Severity.URGENT
