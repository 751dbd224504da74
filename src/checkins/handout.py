"""The printed one-page handout a patient takes home: their link as a QR code, their schedule,
what is normal day by day, the warning signs, and the AM/PM routine.

Built with fpdf2 (a kept PDF library) and segno (QR codes); every sentence comes from
``guidance.py``, which restates the clinic's own instructions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import segno
from babel import dates as babel_dates
from fpdf import FPDF

from checkins import i18n
from checkins.domain import PROCEDURE_LABELS
from checkins.guidance import skin_care_routine
from checkins.i18n import N_

# Day-by-day expectations, in the instructions' words, one line per stage.
STAGES: tuple[tuple[str, str], ...] = (
    (
        N_("First 24 hours"),
        N_("Redness, possibly swelling, some bleeding; oozing may last 24 hours."),
    ),
    (N_("Days 1–2"), N_("Peeling and flaking start; let skin come off naturally. Do not pick.")),
    (N_("Days 3–7"), N_("Redness fades: it normally lasts 24 hours to 7 days, by depth.")),
    (N_("Days 8–14"), N_("Healing: makeup once healed, with a daily sunblock.")),
    (N_("Next 2 months"), N_("Avoid direct sunlight. Next treatment typically in 4–6 weeks.")),
)


@dataclass(frozen=True)
class HandoutData:
    clinic_name: str
    clinic_phone: str  # as people read it; "" when the clinic has none
    on_call_phone: str | None
    patient_name: str
    procedure: str
    treated_at: datetime  # naive UTC
    time_zone: str
    url: str
    schedule: tuple[tuple[int, datetime], ...]  # (day, due at, naive UTC)
    next_window: tuple[date, date]
    warning_signs: tuple[str, ...]  # guidance.warning_signs of the rules in force, translated
    language: str = i18n.MESSAGE_FALLBACK  # the patient's (i18n.for_messages): theirs


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The link as a QR code (PNG bytes), error correction M, with the standard quiet zone."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def _local(at: datetime, tz: str) -> datetime:
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


def _latin(text: str) -> str:
    """fpdf2's core fonts are Latin-1: keep typographic marks readable."""
    table = {"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "·": "-"}
    for a, b in table.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def handout_pdf(data: HandoutData) -> bytes:
    """One A4/Letter-safe page (Letter, 0.5 in margins), in the patient's language."""
    tr = i18n.translator(data.language)
    english = tr.locale == i18n.DEFAULT
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_margins(13, 12, 13)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_title(f"{data.clinic_name}: " + tr("check-ins after your treatment"))
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(size: float, body: str, *, bold: bool = False, h: float | None = None) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", size)
        pdf.multi_cell(width, h or size * 0.45, _latin(body), new_x="LMARGIN", new_y="NEXT")

    text(17, data.clinic_name, bold=True, h=8)
    phone = (
        tr("Call us: %(phone)s", phone=data.clinic_phone)
        if data.clinic_phone
        else tr("Call the clinic")
    )
    if data.on_call_phone:
        phone += "   -   " + tr("Out of hours (on call): %(phone)s", phone=data.on_call_phone)
    text(11, phone, bold=True)
    treated = _local(data.treated_at, data.time_zone)
    label = PROCEDURE_LABELS.get(data.procedure, data.procedure)
    when = (
        f"{treated:%A %B %-d, %Y at %-I:%M %p}"
        if english
        else babel_dates.format_datetime(treated, "full", locale=tr.locale)
    )
    text(
        10,
        f"{data.patient_name} - " + tr("%(procedure)s on %(when)s", procedure=tr(label), when=when),
    )
    pdf.ln(2)

    top = pdf.get_y()
    qr_size = 46
    pdf.image(io.BytesIO(qr_png(data.url)), x=pdf.w - pdf.r_margin - qr_size, y=top, w=qr_size)
    left_w = width - qr_size - 4
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(
        left_w, 6, _latin(tr("Your check-ins from your phone")), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(
        left_w,
        4.6,
        _latin(
            tr(
                "Scan the code with your phone's camera, or type the link below. On each day "
                "listed, send photos of the treated area and answer a few questions. You will "
                "learn at once whether it is the normal course for your day."
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Courier", "", 7)
    pdf.multi_cell(left_w, 3.4, data.url, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(left_w, 5, _latin(tr("Your check-in days")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    for day, due in data.schedule:
        pdf.multi_cell(
            left_w,
            4.6,
            _latin(
                f"Day {day}: {_local(due, data.time_zone):%a %b %-d}"
                if english
                else tr(
                    "Day %(day)s: %(date)s",
                    day=day,
                    date=babel_dates.format_skeleton(
                        "MMMEd", _local(due, data.time_zone), locale=tr.locale
                    ),
                )
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    lo, hi = data.next_window
    pdf.multi_cell(
        left_w,
        4.6,
        _latin(
            f"Next treatment: typically between {lo:%b %-d} and {hi:%b %-d}."
            if english
            else tr(
                "Next treatment: typically between %(start)s and %(end)s.",
                start=tr.day_month(lo),
                end=tr.day_month(hi),
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 3)

    pdf.set_fill_color(253, 236, 234)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width, 6.5, _latin(tr("Call the office now if you have:")), fill=True, new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", "", 10)
    for sign in data.warning_signs:
        pdf.cell(width, 5.4, _latin(f"  -  {sign}"), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    text(11, tr("What is normal, day by day"), bold=True, h=6)
    for stage, body in STAGES:
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.cell(32, 4.8, _latin(tr(stage)))
        pdf.set_font("Helvetica", "", 9.5)
        pdf.multi_cell(width - 32, 4.8, _latin(tr(body)), new_x="LMARGIN", new_y="NEXT")
    text(9.5, tr("Do not pick, rub or force off any skin: it could result in scarring and "
         "infection."), bold=True, h=4.8)  # fmt: skip
    pdf.ln(2.5)

    am, pm = skin_care_routine()
    text(11, tr("Your skin care routine"), bold=True, h=6)
    y = pdf.get_y()
    col = (width - 6) / 2
    for i, (title, steps) in enumerate(((tr("Morning (AM)"), am), (tr("Evening (PM)"), pm))):
        pdf.set_xy(pdf.l_margin + i * (col + 6), y)
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.multi_cell(col, 5, _latin(title), new_x="LEFT", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8.8)
        for n, step in enumerate(steps, 1):
            pdf.multi_cell(col, 4.3, _latin(f"{n}. {tr(step)}"), new_x="LEFT", new_y="NEXT")
    pdf.set_y(pdf.h - 16)
    pdf.set_font("Helvetica", "I", 7.5)
    pdf.multi_cell(
        width,
        3.6,
        _latin(
            tr(
                "This link is personal: anyone who holds it can open your check-in. The "
                "software informs and routes your check-in to the care team; it does not "
                "diagnose."
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
