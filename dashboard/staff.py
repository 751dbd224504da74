"""Presentation helpers for the staff pages: service results to tables and short sentences.

Pure functions (they take values, return frames or strings; no session state, no database), so
the queue, case and trends pages stay thin and these can be unit-tested on their own.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import ui

from checkins import questionnaire
from checkins.domain import PROCEDURE_LABELS, Disposition, ReviewStatus, Severity
from checkins.services import trends
from checkins.services.views import (
    AuditView,
    CaseView,
    CheckInView,
    MessageView,
    PhotoView,
    QueueRow,
    TreatmentView,
)

# A figure about too few patients to show, said so in words short enough to read whole (the
# "fewer than 11 patients" of before was cut off in a table column and in a headline figure):
# "under 11" in a table's "Patients" column; "hidden" as a headline figure, with the reason in
# its help (a check-in count is hidden for the patients behind it, not for being small).
SUPPRESSED = f"fewer than {trends.MIN_GROUP} patients"
SUPPRESSED_CELL = f"under {trends.MIN_GROUP}"
SUPPRESSED_FIGURE = "hidden"
SUPPRESSED_HELP = f"Hidden: it is about {SUPPRESSED}, who might be recognised from it."
SEVERITY_TEXT = {Severity.URGENT: "Urgent", Severity.REVIEW: "Review", Severity.ROUTINE: "Routine"}
# Cell colours (the data grid draws on a canvas: colours, not emoji, which many fonts lack).
SEVERITY_STYLES = {
    "Urgent": "background-color: #fde2e1; color: #9b1c1c; font-weight: 600",
    "Review": "background-color: #fff1dc; color: #8a4b00",
    "Routine": "color: #555",
}
OVERDUE_STYLE = "color: #9b1c1c; font-weight: 600"
STATUS_LABELS = {s: s.value.capitalize() for s in ReviewStatus}  # New, Claimed, Resolved
QUEUE_REFRESH_SECONDS = 15

# The answers' table rows, in the form's order, in the staff's words.
ANSWER_LABELS: dict[str, str] = {q.name: q.label for q in questionnaire.TABLE_QUESTIONS}
# The patient's note is free text of any length: the case page shows it whole, beside the
# table (a table cell cuts it off), so it is not one of the table's rows.
NOTE = questionnaire.NOTE.name


def procedure_label(code: str) -> str:
    return PROCEDURE_LABELS.get(code, code)


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clinic_time(at: datetime, time_zone: str, *, with_time: bool = True) -> str:
    """A stored naive-UTC time in the clinic's zone, with the zone: "Tue 14 May 2026, 9:05 AM
    EDT" (staff read the clinic's clock; a bare UTC time misleads by hours)."""
    local = at.replace(tzinfo=UTC).astimezone(_zone(time_zone))
    day = f"{local:%a} {local.day} {local:%b %Y}"
    if not with_time:
        return day
    hour = local.strftime("%I").lstrip("0")
    return f"{day}, {hour}:{local:%M %p} {local:%Z}"


def rule_name(rule_id: str) -> str:
    """A rule by its name in words: ``"low_grade_fever"`` -> ``"Low grade fever"``."""
    words = rule_id.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def minutes_text(minutes: float) -> str:
    """``95.0`` -> ``"1 h 35 m"``; ``2000`` -> ``"1 d 9 h"``."""
    m = round(minutes)
    if m < 60:
        return f"{m} m"
    if m < 24 * 60:
        return f"{m // 60} h" if m % 60 == 0 else f"{m // 60} h {m % 60:02d} m"
    return f"{m // (24 * 60)} d {(m % (24 * 60)) // 60} h"


def response_clock(waiting_minutes: float, target_minutes: int, status: str) -> str:
    """Time waiting and how it stands against the clinic's target response time."""
    waited = minutes_text(waiting_minutes)
    if status == ReviewStatus.RESOLVED:
        return waited
    left = target_minutes - waiting_minutes
    if left >= 0:
        return f"{waited} · {minutes_text(left)} left"
    return f"{waited} · over by {minutes_text(-left)}"


def clock_heading(target_minutes: int) -> str:
    return f"Waiting ({minutes_text(target_minutes)} target)"


def status_text(status: ReviewStatus, claimed_by: str | None) -> str:
    """ "New", "Claimed by Dr Lee", "Resolved by Dr Lee": status and owner in one column."""
    label = STATUS_LABELS[status]
    return f"{label} by {claimed_by}" if claimed_by and status != ReviewStatus.NEW else label


def patient_cell(r: QueueRow) -> str:
    """The patient's name, and how many open cases they have when it is more than this one."""
    if r.patient_open_cases > 1:
        return f"{r.patient_name} ({r.patient_open_cases} open)"
    return r.patient_name


def queue_frame(rows: Sequence[QueueRow], target_minutes: int) -> pd.DataFrame:
    """One line per case, in the service's order (urgent first, then longest waiting).

    Columns run from what decides the order of work (severity, who, why, the clock) to the
    details, so a phone shows the first ones without scrolling sideways: the patient (with
    "(2 open)" when they have several open cases) comes before the reasons, which a phone cuts
    off at the screen's edge.
    """
    clock = clock_heading(target_minutes)
    return pd.DataFrame(
        [
            {
                "Severity": SEVERITY_TEXT.get(r.severity, r.severity.value),
                "Patient": patient_cell(r),
                "Why": r.summary,
                clock: response_clock(r.waiting_minutes, target_minutes, r.status),
                "Day": r.day_since_treatment,
                "Procedure": procedure_label(r.procedure),
                "Status": status_text(r.status, r.claimed_by_name),
            }
            for r in rows
        ],
        columns=["Severity", "Patient", "Why", clock, "Day", "Procedure", "Status"],
    )


# Pixel widths that fit the queue on a 1366-px screen beside the sidebar (hover shows the rest).
QUEUE_WIDTHS = {"Severity": 70, "Patient": 190, "Why": 180, "Day": 45, "Procedure": 150}


def queue_column_config(target_minutes: int) -> dict[str, Any]:
    """The queue table's ``column_config``: fixed widths that fit a laptop screen."""
    config: dict[str, Any] = {name: {"width": w} for name, w in QUEUE_WIDTHS.items()}
    config[clock_heading(target_minutes)] = {"width": 185}
    return config


def queue_styler(frame: pd.DataFrame) -> Any:
    """The queue table with severity and overdue clocks coloured (a pandas Styler)."""
    clock = next(c for c in frame.columns if str(c).startswith("Waiting"))
    return frame.style.map(lambda v: SEVERITY_STYLES.get(v, ""), subset=["Severity"]).map(
        lambda v: OVERDUE_STYLE if "over by" in str(v) else "", subset=[clock]
    )


def _answer_text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def answers_frame(current: CheckInView, previous: CheckInView | None) -> pd.DataFrame:
    """This check-in's answers next to the previous one's, question by question."""
    now_label = f"Now (day {current.day_since_treatment})"
    before_label = f"Before (day {previous.day_since_treatment})" if previous else "Before"
    rows = []
    for name, label in ANSWER_LABELS.items():
        now = current.answers.get(name)
        before = previous.answers.get(name) if previous else None
        if name == "temperature" and now is None and current.answers.get("temperature_f"):
            now = f"{current.answers['temperature_f']} °F"
        rows.append(
            {
                "Question": label,
                now_label: _answer_text(now),
                before_label: _answer_text(before) if previous else "—",
            }
        )
    return pd.DataFrame(rows)


def patient_notes(current: CheckInView, previous: CheckInView | None) -> list[tuple[str, str]]:
    """The patient's notes, whole: (heading, text) for this check-in's and the previous one's."""
    out = []
    now = str(current.answers.get(NOTE) or "").strip()
    out.append((f"The patient's note (day {current.day_since_treatment})", now))
    before = str(previous.answers.get(NOTE) or "").strip() if previous else ""
    if previous is not None and before:
        out.append((f"Their note before (day {previous.day_since_treatment})", before))
    return out


def history_frame(
    messages: Sequence[MessageView], audit: Sequence[AuditView], time_zone: str = "UTC"
) -> pd.DataFrame:
    """The case's history, oldest first: every action (with refusals) and every message.

    Each staff member's first opening of the case is shown; their later re-openings (every
    page refresh is audited) would bury the actions, so they are left out here.
    """
    seen: set[str] = set()
    events: list[tuple[datetime, str, str, str]] = []
    for a in audit:
        if a.action == "view_photo" or (a.action == "view_case" and a.actor in seen):
            continue
        if a.action == "view_case":
            seen.add(a.actor)
        detail = a.detail if a.action not in ("resolve", "view_case") else ""
        events.append((a.at, a.actor, _action_text(a), detail))
    events += [
        (
            m.created_at,
            m.author_name,
            "Message to patient" if m.direction == "to_patient" else "Message from patient",
            m.body,
        )
        for m in messages
    ]
    events.sort(key=lambda e: e[0])
    when = f"When ({time_zone})"
    return pd.DataFrame(
        [
            {when: clinic_time(at, time_zone), "Who": who, "What": what, "Detail": d}
            for at, who, what, d in events
        ],
        columns=[when, "Who", "What", "Detail"],
    )


def _action_text(a: AuditView) -> str:
    words = {
        "view_case": "Opened the case",
        "claim": "Claimed",
        "release": "Released",
        "reply": "Replied",
        "resolve": "Resolved",
        "take_over": "Took over",
    }
    text = words.get(a.action, a.action.replace("_", " ").capitalize())
    if a.action == "resolve" and a.detail:
        with contextlib.suppress(ValueError):
            text += f": {Disposition(a.detail).label.lower()}"
    return text + (" (refused)" if a.outcome == "refused" else "")


# The overlay's key: the zones' colours (checkins.imaging.overlay.ZONE_COLOURS) in words.
MEASURED_LEGEND = (
    "Redness is measured only inside the outlined zones: forehead (orange), left cheek (sky "
    "blue), right cheek (green), nose (yellow), chin (pink); on a body site, the treated area "
    "(blue). Left and right are the patient's. A photo without outlines had no skin of the "
    "treated area to measure."
)


def photo_caption(
    label: str, quality_ok: bool | None, issues: Sequence[str], calibrated: bool
) -> str:
    quality = "quality OK" if quality_ok else ("quality not checked" if quality_ok is None else "")
    if issues:
        quality = "issues: " + ", ".join(i.replace("_", " ") for i in issues)
    card = "calibrated with the colour card" if calibrated else "not calibrated"
    return f"{label} · {quality} · {card}"


MAX_ITEM_ID = 2**31 - 1  # the review items' id column on PostgreSQL
BAD_ITEM = "That address does not name a case. Choose a case in the queue to open it."


def item_id(raw: object) -> int | None:
    """The case id in ``?item=`` (or the selection), or ``None`` for anything else: ASCII
    digits only (``"²"`` is a digit to ``str.isdigit``), no 5,000-digit number, nothing the
    database's integer column cannot hold."""
    text = str(raw if raw is not None else "").strip()
    if not (0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ITEM_ID else None


def case_status(item: QueueRow) -> str:
    holder = f" by **{ui.plain(item.claimed_by_name)}**" if item.claimed_by_name else ""
    return (
        f"{STATUS_LABELS.get(item.status, item.status)}{holder} · waiting "
        f"{minutes_text(item.waiting_minutes)} · {item.summary}"
    )


def treatment_text(t: TreatmentView, time_zone: str = "UTC") -> str:
    depth = f"{t.needle_depth_mm:g} mm" if t.needle_depth_mm else "—"
    antiviral = "prescribed" if t.antiviral_prescribed else "not prescribed"
    return (
        f"{procedure_label(t.procedure)} on {clinic_time(t.treated_at, time_zone)} · areas: "
        f"{', '.join(t.areas) or '—'} · needle depth {depth} · antiviral {antiviral}"
    )


PhotoCell = tuple[str, PhotoView] | None


def photo_grid(case: CaseView) -> list[list[PhotoCell]]:
    """Photos side by side: one column each for the baseline, the previous check-in and this
    one; row i holds each check-in's i-th photo (same area, taken in the same order), with its
    caption. Check-ins without photos get no column."""
    shown = [
        ("Baseline", case.baseline),
        ("Previous", case.previous),
        ("This check-in", case.checkin),
    ]
    cols = [(label, c) for label, c in shown if c is not None and c.photos]
    rows = max((len(c.photos) for _, c in cols), default=0)
    grid: list[list[PhotoCell]] = []
    for i in range(rows):
        line: list[PhotoCell] = []
        for label, c in cols:
            if i >= len(c.photos):
                line.append(None)
                continue
            p = c.photos[i]
            when = "before treatment" if c.is_baseline else f"day {c.day_since_treatment}"
            line.append(
                (
                    photo_caption(
                        f"{label}, {when}",
                        p.quality_acceptable,
                        p.quality_issues,
                        p.metrics.calibrated,
                    ),
                    p,
                )
            )
        grid.append(line)
    return grid


def photo_titles(case: CaseView, time_zone: str) -> dict[int, str]:
    """What the full-size dialog says it shows, by photo id: which check-in and day, which
    photo of how many, and when it was sent ("This check-in, day 3 · photo 2 of 3 · sent …")."""
    shown = [
        ("Baseline", case.baseline),
        ("Previous", case.previous),
        ("This check-in", case.checkin),
    ]
    titles: dict[int, str] = {}
    for label, c in shown:
        if c is None:
            continue
        when = "before treatment" if c.is_baseline else f"day {c.day_since_treatment}"
        for i, p in enumerate(c.photos, start=1):
            titles[p.id] = (
                f"{label}, {when} · photo {i} of {len(c.photos)} · sent "
                f"{clinic_time(c.submitted_at, time_zone)}"
            )
    return titles


def other_case_text(r: QueueRow) -> str:
    """A link's label for the same patient's other open case."""
    return (
        f"{SEVERITY_TEXT.get(r.severity, r.severity.value)}: day {r.day_since_treatment} · "
        f"{r.summary} · {status_text(r.status, r.claimed_by_name)}"
    )


# ---- Trends tables: one frame per table, suppressed groups spelled out --------------------------


def _fmt(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "pct":
        return round(100.0 * float(value), 1)
    if kind == "num":
        return round(float(value), 2)
    if kind == "min":  # minutes: whole ones
        return round(float(value))
    if kind == "int":
        return int(value)
    if kind == "proc":
        return procedure_label(str(value))
    if kind == "metric":
        return trends.METRIC_LABELS.get(str(value), value)
    if kind == "rule":
        return rule_name(str(value))
    if kind == "severity":
        return "All cases" if value == trends.ALL else str(value).capitalize()
    return value


def trend_frame(
    rows: Sequence[Any], columns: dict[str, tuple[str, str]], *, people: bool = True
) -> pd.DataFrame:
    """A trends table: ``columns`` maps a field to (heading, kind); kind is one of
    ``""`` (as is), ``"int"`` (a count), ``"min"`` (whole minutes), ``"num"`` (2 decimals),
    ``"pct"`` (percent), ``"proc"`` (procedure name), ``"metric"`` (metric name), ``"rule"``
    (the rule's name in words). Counts and minutes stay whole numbers in the CSV too.

    ``people`` tables (their figures describe a group of patients) end with a "Patients"
    column; a suppressed row keeps its group labels, its figures are empty and "Patients"
    reads "under 11", so nobody mistakes a hidden group for a missing one.
    """
    out = []
    for r in rows:
        values = dataclasses.asdict(r)
        line: dict[str, Any] = {}
        for name, (heading, kind) in columns.items():
            line[heading] = _fmt(values[name], kind)
        if people:
            line["Patients"] = SUPPRESSED_CELL if r.suppressed else str(values.get("patients", ""))
        out.append(line)
    headings = [h for h, _ in columns.values()]
    frame = pd.DataFrame(out, columns=[*headings, "Patients"] if people else headings)
    for heading, kind in columns.values():
        if kind in ("int", "min"):  # whole numbers, with gaps for hidden figures (not 12.0)
            frame[heading] = frame[heading].astype("Int64")
    return frame


Columns = dict[str, tuple[str, str]]
"""A trends table's columns: field name → (heading, kind); see ``trend_frame``."""

# How the grid shows each kind of figure: every value of a column with the same decimals
# ("12.70", not "12.7" next to "12.71"); the CSV keeps the rounded numbers themselves.
NUMBER_FORMATS = {"num": "%.2f", "pct": "%.1f"}


def trend_formats(columns: Columns) -> dict[str, str]:
    """A trends table's printf formats by heading, for its decimal columns."""
    return {h: NUMBER_FORMATS[kind] for h, kind in columns.values() if kind in NUMBER_FORMATS}


def period_label(zones: Sequence[str]) -> str:
    """The period's label: its dates are the clinic's own, in the zone it names (or each
    clinic's own, when the clinics shown keep different clocks)."""
    if len(set(zones)) <= 1:
        return f"Period ({zones[0] if zones else 'UTC'})"
    return f"Period (each clinic's own dates: {', '.join(dict.fromkeys(zones))})"


def clinic_today(time_zone: str, now: datetime | None = None) -> date:
    """Today's date on the clinic's calendar (``now``: a naive UTC time, default now)."""
    at = (now or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC)
    return at.astimezone(_zone(time_zone)).date()


CURVE_COLUMNS = {
    "procedure": ("Procedure", "proc"),
    "metric": ("Metric", "metric"),
    "day": ("Day", "int"),
    "checkins": ("Check-ins", "int"),
    "q1": ("25th percentile", "num"),
    "median": ("Median", "num"),
    "q3": ("75th percentile", "num"),
}
ADHERENCE_COLUMNS = {
    "procedure": ("Procedure", "proc"),
    "expected": ("Check-ins due", "int"),
    "received": ("Received", "int"),
    "share": ("Received (%)", "pct"),
}
VOLUME_COLUMNS = {
    "week": ("ISO week", ""),
    "severity": ("Severity", "severity"),
    "cases": ("Cases", "int"),
}
REVIEW_TIME_COLUMNS = {
    "severity": ("Severity", "severity"),
    "cases": ("Cases", "int"),
    "reviewed": ("Reviewed", "int"),
    "first_review_median_min": ("To review: median (min)", "min"),
    "first_review_p90_min": ("To review: p90 (min)", "min"),
    "resolved": ("Resolved", "int"),
    "resolution_median_min": ("To resolve: median (min)", "min"),
    "resolution_p90_min": ("To resolve: p90 (min)", "min"),
}
RULE_COLUMNS = {
    "rule_id": ("Rule", "rule"),
    "resolved_cases": ("Resolved cases", "int"),
    "no_action_cases": ("No action needed", "int"),
    "false_alarm_rate": ("False-alarm rate (%)", "pct"),
}


# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): `=cmd|' /C calc'!A0`.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Text that starts like a formula gets a leading ' so a spreadsheet shows it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV for download, every text cell safe to open in a spreadsheet."""
    safe = frame.copy()
    safe.columns = [csv_cell(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_cell)
    # CRLF rows (RFC 4180) also make the writer quote a cell holding a bare CR.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def overview_text(value: int | None) -> str:
    """A headline figure: the count, or "hidden" (``overview_help`` says why)."""
    return SUPPRESSED_FIGURE if value is None else f"{value:,}"


def overview_help(value: int | None) -> str | None:
    return SUPPRESSED_HELP if value is None else None
