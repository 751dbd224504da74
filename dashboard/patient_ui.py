"""Rendering helpers for the patient pages: guidance, the photo verdicts, the questionnaire and
the result. They take arguments; none reads session state."""

from __future__ import annotations

from typing import Any

import inline
import streamlit as st
from ui import attempt, bullets, call_button, plain

from checkins.domain import Severity, TriageResult
from checkins.guidance import CallNow, DayGuidance, Thresholds, capitalized, patient_message
from checkins.i18n import ENGLISH, Translator
from checkins.questionnaire import QUESTIONS, Kind, Question
from checkins.services import clinic as clinic_service
from checkins.services.patient_form import NO, SKIP_FIELD, UNIT_FIELD, YES, PhotoCheck
from checkins.services.views import Actor, CheckInView, PatientHome

YES_NO = [NO, YES]


def day_guidance(guidance: DayGuidance, *, expanded: bool = True, tr: Translator = ENGLISH) -> None:
    """What is normal today, what to do and avoid, and the warning signs, for a patient."""
    # ``guidance`` is in tr's language already (guidance_for_day(..., tr=tr)).
    st.markdown("**" + tr("What is normal now: %(title)s", title=guidance.title) + "**")
    st.markdown(bullets(guidance.what_is_normal))
    with st.expander(tr("What to do and what to avoid"), expanded=False):
        st.markdown("**" + tr("Do") + "**\n\n" + bullets(guidance.do))
        st.markdown("**" + tr("Avoid") + "**\n\n" + bullets(guidance.avoid))
    with st.expander(tr("Call the office at once if you notice"), expanded=expanded):
        st.markdown(bullets(guidance.warning_signs))


def routine_checklist(
    am: tuple[str, ...], pm: tuple[str, ...], *, key_prefix: str, tr: Translator = ENGLISH
) -> None:
    """The morning and evening routine as tick boxes (a memory aid; nothing is stored)."""
    morning, evening = st.tabs([tr("Morning routine"), tr("Evening routine")])
    with morning:
        for i, step in enumerate(am):
            st.checkbox(tr(step), key=f"{key_prefix}_am_{i}")
    with evening:
        for i, step in enumerate(pm):
            st.checkbox(tr(step), key=f"{key_prefix}_pm_{i}")


def clinic_line(home: PatientHome, *, button: bool = True, tr: Translator = ENGLISH) -> None:
    """The clinic's call button (whom to call now), then the clinic and the next treatment.

    At the top of the patient's page: on a 390 × 844 phone the title, this button and the first
    step fit on the first screen. Plain text, not a grey caption, so it reads at full contrast.
    """
    call = home.call_now or CallNow(office_phone=home.clinic.phone)
    if not button:
        pass  # the result below has its own, larger call to action
    elif not call.office_open and call.on_call_phone:
        call_button(
            call.on_call_phone, label=tr("Call on-call: %(phone)s", phone=call.on_call_phone)
        )
    elif call.office_phone:
        call_button(
            call.office_phone, label=tr("Call the clinic: %(phone)s", phone=call.office_phone)
        )
    line = f"{plain(home.clinic.name)} · " + tr("questions? %(call)s", call=call.call(tr))
    if home.next_treatment_window and home.day_since_treatment >= 0:
        lo, hi = home.next_treatment_window
        line += " · " + tr(
            "next treatment usually %(start)s – %(end)s",
            start=tr.day_month(lo),
            end=tr.day_month(hi),
        )
    st.markdown(line)


def triage_result(
    triage: TriageResult,
    *,
    phone: str,
    guidance: DayGuidance | None,
    next_day: int | None,
    call: CallNow | None = None,
    tr: Translator = ENGLISH,
    thresholds: Thresholds | None = None,
) -> None:
    """The answer a patient gets the moment their check-in is stored.

    ``call`` says whom to call now: out of office hours it is the on-call line (or urgent care),
    never the closed office. The message is rendered again in ``tr``'s language from the
    triage's severity, reasons and day (the stored one is English, for staff).
    """
    reasons = [tr(r.patient_message or r.message) for r in triage.reasons]
    call = call or CallNow(office_phone=phone)
    message = triage.patient_message
    if tr.locale != ENGLISH.locale and thresholds is not None:
        message = patient_message(
            severity=triage.severity,
            reasons=triage.reasons,
            day=triage.day_since_treatment,
            clinic_phone=phone,
            thresholds=thresholds,
            contact=call,
            tr=tr,
        )
    elif tr.locale != ENGLISH.locale:  # no rules to quote: the reasons alone, translated
        message = "\n".join(f"- {r}" for r in reasons)
    if triage.severity is Severity.URGENT:
        if call.office_open:
            st.error("## " + tr("Contact the office now"), icon=":material/emergency:")
            if phone:
                call_button(phone, tr=tr)
        else:
            st.error("## " + tr("Get care now"), icon=":material/emergency:")
            st.markdown("\n\n".join(call.urgent(tr)))
            if call.on_call_phone:
                call_button(
                    call.on_call_phone,
                    label=tr("Call on-call: %(phone)s", phone=call.on_call_phone),
                )
        st.markdown("**" + tr("Why:") + "**\n\n" + bullets(reasons) if reasons else message)
        return
    if triage.severity is Severity.REVIEW:
        st.warning(
            tr(
                "Your check-in is with your provider, who will look at it and contact you if "
                "needed."
            ),
            icon=":material/visibility:",
        )
    else:
        st.success(
            tr("What you describe is normal for this stage of healing."), icon=":material/check:"
        )
    if message:
        st.markdown(message)
    if next_day is not None:
        st.info(
            tr("Your next check-in is on **day %(day)s** after treatment.", day=next_day),
            icon=":material/event:",
        )
    if guidance is not None:
        day_guidance(guidance, expanded=False, tr=tr)
    st.caption(tr("Questions or worries? %(call)s.", call=capitalized(call.call(tr))))


def photo_verdict(check: PhotoCheck, *, card_hint: str | None, tr: Translator = ENGLISH) -> None:
    """One photo: its thumbnail and either "good" or what to fix (retake)."""
    with st.container(border=True):
        left, right = st.columns([1, 3], vertical_alignment="center")
        measured = check.measured_thumb
        if measured is not None:
            with left:
                inline.image(
                    measured,
                    width=96,
                    alt=tr("Your photo %(name)s, measured area outlined", name=check.name),
                )
        elif check.thumb is not None:
            with left:
                inline.image(check.thumb, width=96, alt=tr("Your photo %(name)s", name=check.name))
        else:
            left.markdown(":material/broken_image:")
        if check.ok:
            right.markdown(
                f":green[:material/check_circle:] **{plain(check.name)}**: " + tr("good photo")
            )
            right.caption(tr("We measured the outlined area."))
            if card_hint and not check.card_detected:
                right.caption(tr("Reference card not seen.") + " " + tr(card_hint))
        else:
            right.markdown(
                f":red[:material/replay:] **{plain(check.name)}**: " + tr("please retake")
            )
            for problem in check.problems:
                right.markdown(f"- {tr(problem)}")


def question_key(name: str) -> str:
    """The widget key of one question (tests and the e2e run find widgets by it)."""
    return f"q_{name}"


def _field(name: str) -> Any:
    """The container around one question: the error list links to it (``st-key-field-NAME``)."""
    return st.container(key=f"field-{name}")


def _ask(q: Question, tr: Translator) -> Any:
    """One question's widget, by its kind, with the table's prompt and hint in ``tr``'s
    language (the values stay the table's codes and "Yes"/"No")."""
    key = question_key(q.name)
    if q.kind is Kind.YES_NO:
        return st.radio(tr(q.prompt), YES_NO, index=None, horizontal=True, format_func=tr, key=key)
    if q.kind is Kind.CHOICE:
        wording = q.wording
        return st.radio(
            tr(q.prompt),
            list(wording),
            index=None,
            format_func=lambda code: tr(wording[code]),
            key=key,
        )
    if q.kind is Kind.SCALE:
        hint = tr(q.hint) if q.hint else None
        return st.text_input(tr(q.prompt), placeholder=hint, max_chars=4, key=key)
    return st.text_area(tr(q.prompt), max_chars=q.max_length or None, key=key)


def _temperature(q: Question, tr: Translator) -> dict[str, Any]:
    temp, unit = st.columns([3, 2], vertical_alignment="bottom")
    reading = temp.text_input(
        tr(q.prompt), placeholder=tr(q.hint), max_chars=8, key=question_key(q.name)
    )
    unit_choice = unit.radio(
        tr("Unit"), ["°F", "°C"], horizontal=True, key=question_key(UNIT_FIELD)
    )
    skipped = st.checkbox(tr(q.skip), key=question_key(SKIP_FIELD))
    return {q.name: reading, UNIT_FIELD: unit_choice or "°F", SKIP_FIELD: skipped}


def questionnaire(*, antiviral_prescribed: bool, tr: Translator = ENGLISH) -> dict[str, Any]:
    """The symptom questions (``questionnaire.QUESTIONS``, in order); their raw values (typed
    text, choices) on every run.

    Not an ``st.form``: each answer reaches the server as it is given, so the page can keep it
    in the draft and a reload loses nothing. Nothing is pre-answered: an unanswered question is
    refused with a sentence, so a patient never reports "no pus" by leaving a default in place.
    Numbers are typed as text, so "38,7" can be read as 38.7 and "3.5" refused, not rounded.
    The table's English prompts, hints and wordings are looked up in the catalog (``tr``).
    """
    flags = {"antiviral_prescribed": antiviral_prescribed}
    values: dict[str, Any] = dict(flags)
    for q in QUESTIONS:
        if q.asked_if and not flags.get(q.asked_if):
            values[q.name] = None
            continue
        with _field(q.name):
            if q.kind is Kind.TEMPERATURE:
                values.update(_temperature(q, tr))
            else:
                values[q.name] = _ask(q, tr)
    return values


def patient_outcome(
    severity: Severity | None, *, baseline: bool = False, tr: Translator = ENGLISH
) -> str:
    """A check-in's result as the patient reads it (no clinical jargon).

    A baseline is the photo later ones are compared with, not a check-in "normal for this
    stage of healing", whatever its triage said.
    """
    if baseline:
        text = tr("Baseline: the photo later ones are compared with")
        return f":blue[:material/photo_camera: {text}]"
    # Not inside f-strings: the extractor reads only plain calls.
    if severity is Severity.URGENT:
        return ":red[:material/emergency: " + tr("You were asked to contact the office") + "]"
    if severity is Severity.REVIEW:
        return ":orange[:material/visibility: " + tr("Sent to your provider for a look") + "]"
    if severity is Severity.ROUTINE:
        return ":green[:material/check_circle: " + tr("Normal for this stage of healing") + "]"
    return ":gray[:material/photo_camera: " + tr("Photo saved") + "]"


def history_note(c: CheckInView, *, tr: Translator = ENGLISH) -> str:
    """Under a past check-in: its stored message in English; in another language, its reasons
    (the day's course is on the check-in page)."""
    if tr.locale == ENGLISH.locale:
        return c.patient_message
    reasons = [tr(r.patient_message or r.message) for r in c.reasons]
    if not reasons:
        return tr("Thank you, your check-in looks as expected.")
    return tr("Because: %(reasons)s", reasons="; ".join(reasons))


def answer_box(actor: Actor, *, tr: Translator = ENGLISH) -> None:
    """The patient answers their care team; a provider reads it as a review."""
    import resources

    with st.form("patient_answer", clear_on_submit=True, enter_to_submit=False):
        body = st.text_area(tr("Answer your care team"), max_chars=2000)
        if not st.form_submit_button(tr("Send answer"), icon=":material/send:"):
            return

    def send() -> int:
        with resources.db().session() as s:
            return clinic_service.patient_reply(session=s, actor=actor, body=body)

    if attempt(send, doing=tr("sending your answer"), tr=tr) is not None:
        st.success(tr("Sent: a provider will read it."), icon=":material/check:")


def opt_out_notice(actor: Actor, *, tr: Translator = ENGLISH) -> None:
    """``&stop=1`` (the link in each email): no more reminders, and say so."""
    import resources

    if st.query_params.get("stop") != "1":
        return
    with resources.db().session() as s:
        clinic_service.opt_out(session=s, actor=actor)
    del st.query_params["stop"]
    st.info(
        tr("You will get no more reminders by text or email. You can still check in here."),
        icon=":material/notifications_off:",
    )
