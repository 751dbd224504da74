"""Small rendering helpers shared by pages. They take arguments; none reads session state."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from checkins import contact
from checkins.domain import CheckinsError, Severity
from checkins.i18n import ENGLISH, Translator

log = logging.getLogger("checkins.dashboard")
T = TypeVar("T")

# Every ASCII punctuation mark, as a numeric character reference: CommonMark shows it as the
# character, and no Markdown or directive (:red[...]) can form from it. GFM's autolinks (http://,
# www., a@b) are found in the decoded text, so an invisible WORD JOINER breaks them up.
_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_AUTOLINK_STARTS = re.compile(r"(?i)(https?|ftp|www|mailto)(?=[:.])|(?=@)")
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """``text`` for st.markdown, st.caption, st.success…: shown as typed, never as Markdown.

    A display name like ``![x](http://evil/x.png)`` would otherwise load a remote image in every
    colleague's browser; ``:red[...]`` or ``$...$`` would restyle the page, a URL become a link.
    """
    unlinked = _AUTOLINK_STARTS.sub(
        lambda m: (m.group(1) or "") + WORD_JOINER, " ".join(text.split())
    )
    return _MARKDOWN_PUNCTUATION.sub(lambda m: f"&#{ord(m.group())};", unlinked)


SEVERITY_LABELS = {
    Severity.URGENT: ":red-badge[:material/emergency: Urgent]",
    Severity.REVIEW: ":orange-badge[:material/visibility: Review]",
    Severity.ROUTINE: ":green-badge[:material/check_circle: Routine]",
}


def severity_badge(severity: Severity | str | None) -> str:
    """Markdown for a coloured badge; ``None`` (not triaged) reads as a grey dash."""
    if severity is None:
        return ":gray-badge[—]"
    return SEVERITY_LABELS[Severity(severity)]


# Errors that describe the server's set-up (a clinic's rule file), not the user's input: logged
# in full, shown as the generic sentence.
INTERNAL_CODES = frozenset({"invalid_rules"})


def friendly_error(
    exc: BaseException, *, doing: str, phone: str | None = None, tr: Translator = ENGLISH
) -> None:
    """Show a sentence for any failure; log the traceback server-side only.

    ``doing`` is already in ``tr``'s language; a service's own sentence is looked up in the
    catalog (shown as it is when it has no translation)."""
    if isinstance(exc, CheckinsError) and exc.code not in INTERNAL_CODES:
        st.error(tr(exc.message), icon=":material/error:")
        return
    log.error("unexpected error while %s", doing, exc_info=exc)
    call = (
        " " + tr("If you are worried about your skin, call the clinic at %(phone)s.", phone=phone)
        if phone
        else ""
    )
    st.error(
        tr(
            "Something went wrong on our side while %(doing)s; what you entered is still here. "
            "Please try again in a moment.",
            doing=doing,
        )
        + call,
        icon=":material/error:",
    )


def attempt(
    fn: Callable[[], T], *, doing: str, phone: str | None = None, tr: Translator = ENGLISH
) -> T | None:
    """Run a service call; on failure show a friendly sentence and return ``None``."""
    try:
        return fn()
    except Exception as exc:
        friendly_error(exc, doing=doing, phone=phone, tr=tr)
        return None


def tel_href(phone: str) -> str:
    """A ``tel:`` link for a phone number as people write it ("(555) 010-0100")."""
    uri = contact.tel_uri(phone)
    if uri:
        return uri
    digits = re.sub(r"[^\d+]", "", phone)
    return f"tel:{digits}"


def call_button(
    phone: str, *, label: str | None = None, primary: bool = True, tr: Translator = ENGLISH
) -> None:
    st.link_button(
        label or tr("Call the office: %(phone)s", phone=phone),
        tel_href(phone),
        type="primary" if primary else "secondary",
        icon=":material/call:",
        width="stretch",
    )


def local_time(at: datetime, time_zone: str, *, tr: Translator = ENGLISH) -> str:
    """A stored naive-UTC time as the clinic reads it, e.g. "Tue 14 May, 9:05 AM" (or in
    ``tr``'s language, "jue, 3 dic, 9:05")."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    if tr.locale != ENGLISH.locale:
        return tr.date_time(local)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a} {local.day} {local:%b}, {hour}:{local:%M %p}"


def day_label(day: int, *, tr: Translator = ENGLISH) -> str:
    if day < 0:
        return tr.plural(
            "%(n)s day before your treatment", "%(n)s days before your treatment", -day
        )
    if day == 0:
        return tr("Day 0: the day of your treatment")
    return tr("Day %(day)s after your treatment", day=day)


def bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


_COMPACT_CSS = """<style>
/* Patient pages: no toolbar strip and a small top margin, so a 390 x 844 phone shows the day's
   title, the call button and the first step without scrolling. */
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 1.25rem; }
</style>"""


def compact_page() -> None:
    """Hide Streamlit's top bar and most of the space above the title (patient pages)."""
    st.html(_COMPACT_CSS)
