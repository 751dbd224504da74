"""The Spanish catalog: complete for what the code marks, compiled from the committed .po, used
per call (no locale shared between threads), and Babel's numbers and dates for the locale."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from checkins import guidance, i18n
from checkins.domain import AccessDenied, InvalidInput, Role, Severity
from checkins.messaging.outbox import _patient_text
from checkins.rules import load_rules, thresholds, triage
from checkins.services import clinic
from checkins.services.views import Actor

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"tr": None, "N_": None, "plural": (1, 2), "gettext": None, "ngettext": (1, 2)}


def extracted() -> set[str]:
    """Every msgid the code marks, as tools/i18n-update.sh extracts it (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog() -> dict[str, object]:
    with i18n.po_path("es").open("rb") as f:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(f, locale="es") if m.id
        }


def test_every_marked_message_has_a_reviewed_spanish_translation() -> None:
    po = catalog()
    missing = sorted(extracted() - po.keys())
    assert missing == [], "run tools/i18n-update.sh and translate these"
    untranslated = [
        k
        for k, m in po.items()
        if m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    import re

    for msgid, m in catalog().items():
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = set(re.findall(r"%\(\w+\)s", msgid))
        for s in strings:
            assert set(re.findall(r"%\(\w+\)s", s)) <= wanted | {"%(n)s"}, msgid


def test_the_catalog_is_compiled_from_the_committed_po() -> None:
    es = i18n.translator("es")
    assert es("Send check-in") == "Enviar control"
    assert es.plural("%(n)s day before your treatment", "%(n)s days before your treatment", 3) == (
        "3 días antes de su tratamiento"
    )
    assert i18n.translator("en")("Send check-in") == "Send check-in"
    assert not list(i18n.LOCALE_DIR.rglob("*.mo"))  # nothing compiled to go stale


def test_numbers_temperatures_and_dates_by_locale() -> None:
    es, en = i18n.translator("es"), i18n.translator("en")
    assert es.temperature(38.6, "C") == "38,6\u00a0°C"
    assert en.temperature(101.5, "°F") == "101.5\u00a0°F"
    assert es.day_month(date(2026, 12, 3)) == "3 dic"
    assert es.long_date(date(2026, 12, 3)) == "3 de diciembre"
    assert es.date_time(datetime(2026, 12, 3, 9, 5)).startswith("jue, 3 dic")


@pytest.mark.parametrize(
    ("preferred", "browser", "expected"),
    [
        ("es", ["en-US"], "es"),
        ("en", ["es-MX"], "en"),
        (None, ["fr-FR", "es-419"], "es"),
        (None, i18n.from_accept_language("fr;q=0.9, es-MX;q=0.8, en;q=0.1"), "es"),
        (None, i18n.from_accept_language("es;q=0.2, en;q=0.9"), "en"),
        (None, ["xx-garbage", ""], "en"),
        ("de", [], "en"),
    ],
)
def test_the_language_is_the_patients_else_the_browsers(
    preferred: str | None, browser: list[str], expected: str
) -> None:
    assert i18n.negotiate(preferred=preferred, browser=browser) == expected


def test_only_a_language_the_browser_named_is_the_browsers() -> None:
    """What a not-asked patient's first visit keeps: nothing when the browser named none of
    ours (the page falls back to English, but that is no choice of theirs)."""
    assert i18n.from_browser(["fr-FR", "es-419"]) == "es"
    assert i18n.from_browser(["fr-FR", "xx", ""]) is None
    assert i18n.from_browser([]) is None


def test_messages_to_a_patient_not_asked_fall_back_visibly() -> None:
    assert i18n.for_messages("es") == "es"
    assert i18n.for_messages(None) == i18n.MESSAGE_FALLBACK == "en"


def test_translators_in_threads_do_not_share_a_locale() -> None:
    """Streamlit sessions are threads: one in Spanish never changes another's English."""
    seen: dict[str, set[str]] = {"en": set(), "es": set()}
    start = threading.Barrier(8)

    def run(locale: str) -> None:
        tr = i18n.translator(locale)
        start.wait()
        for _ in range(200):
            seen[locale].add(tr("Send check-in"))

    threads = [threading.Thread(target=run, args=(lc,)) for lc in ("en", "es") * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"en": {"Send check-in"}, "es": {"Enviar control"}}


def test_the_clinics_instructions_are_translated_as_data() -> None:
    es = i18n.translator("es")
    texts = [*guidance.skin_care_routine()[0], *guidance.skin_care_routine()[1]]
    limits = thresholds(load_rules())
    for day in (-3, 0, 1, 5, 10, 49):
        g = guidance.guidance_for_day(day, thresholds=limits)
        texts += [g.title, *g.what_is_normal, *g.do, *g.avoid]
        spanish = guidance.guidance_for_day(day, thresholds=limits, tr=es)
        assert spanish.warning_signs[-1:] in ((), ("Fiebre de 101,5\u00a0°F (38,6\u00a0°C) o más",))
    assert [t for t in texts if es.gettext(t) == t] == []
    assert (
        (i18n.LOCALE_DIR / "es" / "post-treatment-instructions.txt")
        .read_text()
        .startswith(" Instrucciones")
    )


def test_every_default_rule_speaks_to_the_patient_in_spanish() -> None:
    es = i18n.translator("es")
    rules = load_rules().rules
    assert [r.id for r in rules if es.gettext(r.patient_message) == r.patient_message] == []


def test_the_result_message_in_spanish() -> None:
    es = i18n.translator("es")
    result = triage(
        ruleset=load_rules(),
        answers=None,
        procedure="microneedling",
        hours_since_treatment=30,
        clinic_phone="(555) 010-0199",
    )
    assert result.severity is Severity.ROUTINE
    text = guidance.patient_message(
        severity=result.severity,
        reasons=result.reasons,
        day=1,
        clinic_phone="555",
        thresholds=thresholds(load_rules()),
        tr=es,
    )
    assert text.startswith("Gracias, su control se ve como se esperaba.")
    assert "Llame al consultorio al 555 de inmediato si nota:" in text
    urgent = guidance.CallNow(office_phone="555", office_open=False, on_call_phone="777")
    assert "línea de guardia de la clínica al 777" in urgent.urgent(es)[0]


def test_a_number_and_its_unit_stay_on_one_line() -> None:
    """The Spanish history broke "(38,6 / °C)" across lines: every translated text, the rules'
    messages included, joins a number to its °C or °F with a no-break space."""
    es, en = i18n.translator("es"), i18n.translator("en")
    fever = "You reported a temperature of 101.5 °F or higher (a fever)."
    assert es(fever) == (
        "Usted indicó una temperatura de 101,5\u00a0°F (38,6\u00a0°C) o más (fiebre)."
    )
    assert en(fever) == "You reported a temperature of 101.5\u00a0°F or higher (a fever)."
    assert i18n.keep_units("38,0 °C, 100.4  °F, 3 °Celsius, °C") == (
        "38,0\u00a0°C, 100.4\u00a0°F, 3 °Celsius, °C"
    )


def test_patient_messages_in_their_language() -> None:
    es = i18n.translator("es")
    subject, body = _patient_text(
        "Clínica", "today is a check-in day. Please send your photos and answers:", "U", "email", es
    )
    assert subject.startswith("Clínica: hoy le toca enviar un control")
    assert "Este enlace es personal" in body and "abra: U&stop=1" in body
    _, sms = _patient_text(
        "Clínica", "your check-in link for the days after your treatment:", "U", "sms", es
    )
    assert sms.endswith("Responda STOP para no recibir más mensajes.")


def test_only_the_patient_sets_their_language(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    staff = Actor(role=Role.ADMIN, name="admin", clinic_id=1)
    with sqlite_db.session() as s, pytest.raises(AccessDenied):
        clinic.set_patient_language(session=s, actor=staff, language="es")
    patient = Actor(role=Role.PATIENT, name="p", patient_id=1, treatment_id=1, clinic_id=1)
    with sqlite_db.session() as s, pytest.raises(InvalidInput):
        clinic.set_patient_language(session=s, actor=patient, language="fr")


def test_the_printed_handout_is_in_the_patients_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf import FPDF

    from checkins import handout

    written: list[str] = []

    class Recording(FPDF):
        def cell(self, *args: object, **kw: object) -> bool:  # type: ignore[override]
            written.append(str(kw.get("text", args[2] if len(args) > 2 else "")))
            return super().cell(*args, **kw)  # type: ignore[arg-type]

        def multi_cell(self, *args: object, **kw: object) -> object:  # type: ignore[override]
            written.append(str(kw.get("text", args[2] if len(args) > 2 else "")))
            return super().multi_cell(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(handout, "FPDF", Recording)
    es = i18n.translator("es")
    data = handout.HandoutData(
        clinic_name="Clínica Arce",
        clinic_phone="(555) 010-0142",
        on_call_phone=None,
        patient_name="Ana García",
        procedure="microneedling_rf",
        treated_at=datetime(2026, 12, 1, 15, 0),
        time_zone="America/New_York",
        url="http://x/?t=abc",
        schedule=((1, datetime(2026, 12, 2, 15, 0)),),
        next_window=(date(2026, 12, 29), date(2027, 1, 12)),
        warning_signs=guidance.warning_signs(thresholds(load_rules()), tr=es),
        language="es",
    )
    assert handout.handout_pdf(data).startswith(b"%PDF")
    page = "\n".join(written)
    assert "Sus controles desde su teléfono" in page and "Día 1: mié, 2 dic" in page
    assert "Micropunción con radiofrecuencia el" in page
    assert "Fiebre de 101,5" in page
    assert "Your check-in" not in page and "Call the office" not in page
