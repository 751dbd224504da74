"""What patients read, in their language: gettext catalogs through Babel, one translator per call.

Streamlit runs every session as a thread of one process, so nothing here holds a "current"
locale: a caller asks ``translator("es")`` and keeps the returned object for its own use. The
catalogs are read-only once loaded and shared safely.

The catalog's source is ``locale/<lang>/LC_MESSAGES/checkins.po`` (committed). It is compiled in
memory with Babel the first time a locale is used, so no ``.mo`` file can be out of date with it.
English is the source language: its translator returns every message unchanged.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

# Babel is imported where it is used: modules that only mark messages (``N_``) are imported by
# every command, and ``checkins analyze`` should not pay Babel's start-up for a marker.

DOMAIN = "checkins"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "es")
# Each language in its own words: the switch on the patient's page shows these.
NATIVE_NAMES = {"en": "English", "es": "Español"}
# What is sent or printed for a patient whose language was never asked (``patients.language``
# NULL) before their own browser has chosen one: their page negotiates with the browser, but a
# reminder or a handout has no browser to ask. Named here so the guess is made in one place.
MESSAGE_FALLBACK = DEFAULT


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for the marker
    """Mark ``message`` for extraction without translating it (it is translated where shown)."""
    return message


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _catalog(locale: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``locale`` (fuzzy entries left out, as msgfmt does)."""
    if locale == DEFAULT:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(locale).open("rb") as f:
        catalog = read_po(f, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def normalize(locale: str | None) -> str | None:
    """``"es-MX"``, ``"es_ES"`` or ``"ES"`` as a supported language code, else ``None``."""
    if not locale:
        return None
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(locale.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return parsed.language if parsed.language in SUPPORTED else None


def _accept_language(header: str) -> Iterator[str]:
    """The languages of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag))
    yield from (tag for _, _, tag in sorted(ranked))


def from_browser(browser: Iterable[str | None]) -> str | None:
    """The browser's first supported language, or ``None`` when it names none we hold."""
    for candidate in browser:
        if (found := normalize(candidate)) is not None:
            return found
    return None


def negotiate(*, preferred: str | None = None, browser: Iterable[str | None] = ()) -> str:
    """The language to use: the patient's own choice, else the browser's first supported one."""
    return normalize(preferred) or from_browser(browser) or DEFAULT


def for_messages(language: str | None) -> str:
    """The language of a message or handout for a patient whose language is ``language``
    (``patients.language``): theirs, else ``MESSAGE_FALLBACK`` while it was never asked."""
    return language if language is not None else MESSAGE_FALLBACK


def from_accept_language(header: str | None) -> list[str]:
    return list(_accept_language(header or ""))


NBSP = "\u00a0"
# A number and its temperature unit: "38,6 °C", "101.5 °F" (any spaces between them).
_NUMBER_AND_UNIT = re.compile(r"(?<=\d)[ \t]+(?=°[CF]\b)")


def keep_units(text: str) -> str:
    """``text`` with a no-break space between each number and its °C or °F, so a line never
    ends between "38,6" and "°C" (the catalog's and the rules' text keep ordinary spaces)."""
    return _NUMBER_AND_UNIT.sub(NBSP, text)


@dataclass(frozen=True)
class Translator:
    """Messages, numbers and dates for one locale. Cheap to make; keep one per page run."""

    locale: str = DEFAULT

    def gettext(self, message: str) -> str:
        return keep_units(_catalog(self.locale).gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return keep_units(_catalog(self.locale).ngettext(singular, plural, n))

    def __call__(self, message: str, **values: Any) -> str:
        """``tr("Day %(day)s", day=3)``: the translation, then its named values."""
        text = self.gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """``tr.plural("%(n)s photo", "%(n)s photos", n)``, with ``n`` among the values."""
        return self.ngettext(singular, plural, n) % {"n": n, **values}

    def all(self, messages: Iterable[str]) -> tuple[str, ...]:
        """Each of ``messages`` translated (marked elsewhere with ``N_``), in order."""
        return tuple(self.gettext(m) for m in messages)

    def number(self, value: float, *, digits: int = 1) -> str:
        """``38.6`` as the locale writes it ("38.6", "38,6"), with up to ``digits`` decimals."""
        from babel import numbers as babel_numbers

        pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=self.locale)

    def temperature(self, value: float, unit: str) -> str:
        """A reading as a thermometer shows it: "101.5 °F", "38,6 °C"."""
        return f"{self.number(value)}\u00a0°{unit.removeprefix('°').upper()}"

    def long_date(self, value: date | datetime) -> str:
        """A day and month in the locale's words: "December 3", "3 de diciembre"."""
        from babel import dates as babel_dates

        return babel_dates.format_skeleton("MMMMd", value, locale=self.locale)

    def day_month(self, value: date | datetime) -> str:
        """A short day and month: "Dec 3" in English, "3 dic" in Spanish."""
        from babel import dates as babel_dates

        return babel_dates.format_skeleton("MMMd", value, locale=self.locale)

    def date_time(self, value: datetime) -> str:
        """A weekday, date and time: "Thu, Dec 3, 9:05 AM" / "jue, 3 dic, 9:05"."""
        from babel import dates as babel_dates

        day = babel_dates.format_skeleton("MMMEd", value, locale=self.locale)
        time = babel_dates.format_time(value, format="short", locale=self.locale)
        return f"{day}, {time}"


ENGLISH = Translator(DEFAULT)


@functools.cache
def translator(locale: str | None = None) -> Translator:
    """The translator for ``locale`` (any spelling ``normalize`` takes); English when unknown."""
    return Translator(normalize(locale) or DEFAULT)


def gettext(message: str, *, locale: str | None) -> str:
    return translator(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int, *, locale: str | None) -> str:
    return translator(locale).ngettext(singular, plural, n)


def extract_rules(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for a rules file: every ``patient_message`` (the patient reads these).

    Named in babel.cfg as ``checkins.i18n:extract_rules``; a clinic's own rule without a
    translation is shown in English.
    """
    import tomllib

    for lineno, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("patient_message"):
            value = tomllib.loads(line).get("patient_message")
            if isinstance(value, str) and value:
                yield lineno, None, value, []


_QUESTION_TEXTS = ("prompt", "hint", "skip", "phrase")


def extract_questionnaire(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for questionnaire.py: what the patient reads of each question (its
    prompt, hint, "not taken" box, phrase, choices' wording and scale words). The table stays
    plain English data; the pages look each string up through ``tr``.
    """
    import ast

    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        texts: list[ast.expr] = []
        if node.func.id == "Question":
            for kw in node.keywords:
                if kw.arg in _QUESTION_TEXTS:
                    texts.append(kw.value)
                elif kw.arg == "choices" and isinstance(kw.value, ast.Tuple):
                    texts += [c.elts[1] for c in kw.value.elts if isinstance(c, ast.Tuple)]
        elif node.func.id == "Scale":
            texts += node.args[2:4]
        for text in texts:
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                yield text.lineno, None, text.value, []
