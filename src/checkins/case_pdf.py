"""A case's summary for the patient's chart, as a PDF: "Print or export this case".

Built with fpdf2, as the handout is. Values in, bytes out: the service
(``services/case_export.py``) reads the case, checks access, audits the export, and passes the
photos' bytes in.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF

from checkins import questionnaire
from checkins.domain import PROCEDURE_LABELS, Disposition, MessageDirection
from checkins.services.views import CaseView, CheckInView

# The questionnaire's answers in the order and words the case page uses.
ANSWERS: tuple[tuple[str, str], ...] = tuple(
    (q.name, q.label) for q in questionnaire.TABLE_QUESTIONS
)
NOTE = questionnaire.NOTE.name
ACTIONS = {
    "claim": "Claimed",
    "release": "Released",
    "reply": "Replied",
    "resolve": "Resolved",
    "take_over": "Took over",
    "export_case": "Exported the case",
}
# fpdf2's core fonts are Latin-1: typographic marks and symbols in words it can print.
_LATIN = {
    "–": "-",
    "—": "-",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "·": "-",
    "≥": ">=",
    "≤": "<=",
    "…": "...",
    "→": "->",
}


@dataclass(frozen=True)
class PhotoImage:
    caption: str
    data: bytes | None  # None when the file is missing


def _latin(text: str) -> str:
    for a, b in _LATIN.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def clinic_time(at: datetime, time_zone: str) -> str:
    """Naive UTC as the clinic's clock reads it, with the zone: "Tue 2 Dec 2026, 9:05 AM EST"."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.replace(tzinfo=UTC).astimezone(zone)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a} {local.day} {local:%b %Y}, {hour}:{local:%M %p} {local:%Z}"


def _answer(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _temperature(c: CheckInView) -> object:
    now = c.answers.get("temperature")
    if now is None and c.answers.get("temperature_f"):
        return f"{c.answers['temperature_f']} °F"
    return now


def case_pdf(
    case: CaseView,
    *,
    clinic_name: str,
    time_zone: str,
    exported_by: str,
    exported_at: datetime,
    photos: Sequence[PhotoImage] = (),
) -> bytes:
    """The case on Letter pages: who, the treatment, why it was queued, the answers and the
    patient's whole note, the photos, the messages and what staff did, and the outcome."""
    item, t, c = case.item, case.treatment, case.checkin
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_title(f"Check-in case: {t.patient_name}, day {c.day_since_treatment}")
    pdf.set_author(clinic_name)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(size: float, body: str, *, bold: bool = False, h: float | None = None) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", size)
        pdf.multi_cell(width, h or size * 0.5, _latin(body), new_x="LMARGIN", new_y="NEXT")

    def heading(body: str) -> None:
        pdf.ln(2)
        text(12, body, bold=True, h=7)

    def pair(label: str, value: str) -> None:
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.cell(55, 5, _latin(label))
        pdf.set_font("Helvetica", "", 9.5)
        pdf.multi_cell(width - 55, 5, _latin(value), new_x="LMARGIN", new_y="NEXT")

    text(9, clinic_name)
    text(16, f"{t.patient_name} - check-in on day {c.day_since_treatment}", bold=True, h=8)
    severity = c.severity.value.capitalize() if c.severity else "Not triaged"
    status = item.status.capitalize()
    if item.claimed_by_name:
        status += f" by {item.claimed_by_name}"
    text(10, f"{severity} - {status} - sent {clinic_time(c.submitted_at, time_zone)}")

    heading("Treatment")
    depth = f"{t.needle_depth_mm:g} mm" if t.needle_depth_mm else "-"
    pair("Procedure", PROCEDURE_LABELS.get(t.procedure, t.procedure))
    pair("Treated", clinic_time(t.treated_at, time_zone))
    pair("Areas", ", ".join(t.areas) or "-")
    pair("Needle depth", depth)
    pair("Antiviral", "prescribed" if t.antiviral_prescribed else "not prescribed")

    heading("Why it was queued")
    for r in c.reasons:
        text(9.5, f"{r.rule.replace('_', ' ').capitalize()} ({r.severity.value}): {r.message}")
    if not c.reasons:
        text(9.5, "No rule fired.")

    heading("Answers")
    for name, label in ANSWERS:
        value = _temperature(c) if name == "temperature" else c.answers.get(name)
        pair(label, _answer(value))
    note = str(c.answers.get(NOTE) or "").strip()
    heading("The patient's note")
    text(9.5, note or "No note.")

    heading("Photos")
    if not photos:
        text(9.5, "No photos with this check-in.")
    for p in photos:
        if p.data is None:
            text(9, f"{p.caption}: the photo's file is missing.")
            continue
        if pdf.get_y() + 62 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(p.data), h=55, keep_aspect_ratio=True)
        text(8.5, p.caption)
        pdf.ln(1)

    heading("Messages")
    if not case.messages:
        text(9.5, "No messages.")
    for m in case.messages:
        to_patient = m.direction == MessageDirection.TO_PATIENT
        who = "To the patient" if to_patient else "From the patient"
        text(9, f"{clinic_time(m.created_at, time_zone)} - {who} ({m.author_name})", bold=True)
        text(9.5, m.body)

    heading("What staff did")
    done = [a for a in case.audit if a.action in ACTIONS]
    if not done:
        text(9.5, "Nothing yet.")
    for a in done:
        detail = a.detail
        if a.action == "resolve" and detail:
            with contextlib.suppress(ValueError):
                detail = Disposition(detail).label
        refused = " (refused)" if a.outcome == "refused" else ""
        line = f"{clinic_time(a.at, time_zone)} - {a.actor}: {ACTIONS[a.action]}{refused}"
        text(9.5, line + (f" - {detail}" if detail else ""))

    pdf.ln(3)
    text(8, f"Exported by {exported_by} on {clinic_time(exported_at, time_zone)}.")
    text(
        8,
        "The software informs and routes check-ins to the care team; it does not diagnose.",
    )
    return bytes(pdf.output())
