"""The patient's pages in Spanish, state by state, with no English left on them; staff pages
stay in English; the language comes from the patient, else the browser, and can be switched.

Every text a page renders is collected from the element protos (labels, options, placeholders,
help, bodies, alt texts) and checked two ways: no English msgid of the catalog appears, and no
common English word does (brand names, the clinic's name and file names are allowed).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

import pytest
from google.protobuf.message import Message
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from checkins import i18n, links
from checkins.domain import utcnow
from checkins.services import clinic
from checkins.storage.models import AuditEvent, Patient, Treatment
from tests.dashboard.conftest import SETUP, Clinic, sign_in
from tests.dashboard.test_patient_pages import answer, blurred_jpeg, good_jpeg, send

# Words that are English and never Spanish (so "no", "a", "normal", "control" are not here).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "and",
        "with",
        "please",
        "photo",
        "photos",
        "check",
        "send",
        "call",
        "office",
        "today",
        "what",
        "after",
        "before",
        "treatment",
        "day",
        "days",
        "this",
        "that",
        "is",
        "are",
        "of",
        "to",
        "for",
        "not",
        "we",
        "our",
        "have",
        "has",
        "will",
        "can",
        "swelling",
        "redness",
        "pain",
        "answer",
        "avoid",
        "morning",
        "evening",
        "routine",
        "link",
        "history",
        "good",
        "retake",
        "skin",
        "when",
        "here",
        "now",
        "if",
        "from",
        "more",
        "any",
        "how",
        "fever",
        "warmth",
        "drainage",
        "looks",
        "oozing",
        "clinic",
        "provider",
        "care",
        "team",
        "reply",
        "replied",
        "baseline",
        "sent",
        "yes",
        "none",
        "mild",
        "moderate",
        "severe",
    ]
)
# Names that stay as they are in every language: products, formats, the clinic, SMS keywords.
ALLOWED = (
    "Alastin Skin Nectar",
    "Alastin Soothe and Recover",
    "Jan Marini Gentle Cleanser",
    "Jan Marini",
    "Tylenol Extra Strength",
    "Test Skin Clinic",
    "good.jpg",
    "blurry.jpg",
    "English",
)
_SKIP_FIELDS = {"id", "form_id", "url", "icon", "key", "type", "font", "page", "page_script_hash"}
# Icons, colour directives and the error list's anchors (#field-NAME) are not text.
_DIRECTIVE = re.compile(
    r":material/\w+:|:(?:red|green|orange|blue|gray|violet)(?:-badge)?\[|\]\(#[\w-]+\)"
)


def _strings(message: Message) -> Iterator[str]:
    for field, value in message.ListFields():
        if field.name in _SKIP_FIELDS:
            continue
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for item in items:
            if isinstance(item, str):
                yield item
            elif isinstance(item, Message):
                yield from _strings(item)


def rendered(at: AppTest) -> list[str]:
    """Every text the page shows (st.html's scripts and styles are not text)."""
    out: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message) and type(proto).__name__ != "Html":
            out.extend(s for s in _strings(proto) if s.strip())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def english_in(texts: list[str]) -> list[str]:
    """The texts holding an English msgid or an English word (after the allowed names)."""
    catalog = i18n.translator("es")
    msgids = [m for m in _msgids() if catalog.gettext(m) != m and len(m.split()) > 2]
    found = []
    for text in texts:
        plain = html.unescape(_DIRECTIVE.sub(" ", text))  # as shown: ui.plain's references read
        for name in ALLOWED:
            plain = plain.replace(name, " ")
        words = set(re.findall(r"[a-z]+", plain.lower()))
        if words & ENGLISH_WORDS or any(m in text for m in msgids):
            found.append(text)
    return found


def _msgids() -> list[str]:
    from babel.messages.pofile import read_po

    with i18n.po_path("es").open("rb") as f:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id]


def assert_spanish(at: AppTest) -> list[str]:
    assert not at.exception
    shown = rendered(at)
    assert shown, "nothing rendered"
    assert english_in(shown) == []
    return shown


def speaks(seeded: Clinic, language: str | None, *treatments: int) -> None:
    with seeded.db.session() as s:
        for t in treatments:
            s.get(Patient, s.get(Treatment, t).patient_id).language = language


def speaks_spanish(seeded: Clinic, *treatments: int) -> None:
    speaks(seeded, "es", *treatments)


def language_of(seeded: Clinic, treatment: int) -> str | None:
    with seeded.db.read() as s:
        return s.get(Patient, s.get(Treatment, treatment).patient_id).language


def open_link(app: Callable[[], AppTest], token: str, *, locale: str | None = None) -> AppTest:
    at = app()
    if locale:
        at.context["locale"] = locale
    at.query_params["t"] = token
    return at.run()


def test_the_detector_sees_english(app: Callable[[], AppTest], seeded: Clinic) -> None:
    """The check below can fail: on the English page it finds English everywhere."""
    at = open_link(app, seeded.token(seeded.treatment_a))
    found = english_in(rendered(at))
    assert any("Day 1 after your treatment" in t for t in found)
    assert len(found) > 10


def test_home_form_errors_photos_and_a_normal_result_in_spanish(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    speaks_spanish(seeded, seeded.treatment_a)
    at = open_link(app, seeded.token(seeded.treatment_a))
    shown = assert_spanish(at)
    assert at.title[0].value == "Día 1 después de su tratamiento"
    assert "Llamar a la clínica: (555) 010-0199" in shown
    # Send with nothing given: every error, in Spanish.
    send(at)
    shown = assert_spanish(at)
    assert any("Corrija estas" in t for t in shown)
    # A good and a blurred photo: each verdict and the retake hint.
    at.file_uploader[0].set_value(
        [("good.jpg", good_jpeg(), "image/jpeg"), ("blurry.jpg", blurred_jpeg(), "image/jpeg")]
    ).run()
    shown = assert_spanish(at)
    assert any("foto correcta" in t for t in shown) and any("vuelva a tomarla" in t for t in shown)
    # A comma decimal and a half pain, refused in Spanish with the number as Spanish writes it.
    answer(at, temperature=None, pain=2)
    at.text_input(key="q_temperature").set_value("45,5")
    at.text_input(key="q_pain").set_value("3,5")
    send(at)
    shown = assert_spanish(at)
    assert any("3,5 está entre dos" in t for t in shown)
    assert any("45,5\u00a0°F" in t for t in shown)
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at, temperature=98.6)
    send(at)
    shown = assert_spanish(at)
    assert any("su control se ve como se esperaba" in t for t in shown)


def test_an_urgent_result_and_the_history_in_spanish(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    speaks_spanish(seeded, seeded.treatment_a)
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at, temperature=38.6, unit="°C", pus="Yes")
    at.text_area(key="q_notes").set_value("me arde un poco")
    send(at)
    shown = assert_spanish(at)
    assert "Comuníquese con el consultorio ahora" in at.error[0].value
    assert any("Usted indicó supuración que parece pus." in t for t in shown)
    # The provider answers; the patient reads it in their history, all in Spanish.
    with seeded.db.session() as s:
        clinic.patient_reply(
            session=s,
            actor=at.session_state["auth_actor"],
            body="gracias",
        )
    at.switch_page("views/patient_history.py").run()
    shown = assert_spanish(at)
    assert at.title[0].value == "Mis controles"
    assert any("Mensajes con su equipo de atención" in t for t in shown)


def test_a_baseline_before_treatment_in_spanish(app: Callable[[], AppTest], seeded: Clinic) -> None:
    speaks_spanish(seeded, seeded.treatment_future)
    at = open_link(app, seeded.token(seeded.treatment_future))
    assert_spanish(at)
    assert at.title[0].value == "3 días antes de su tratamiento"
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    send(at)
    assert_spanish(at)


@pytest.mark.parametrize("kind", ["altered", "expired", "revoked", "cut"])
def test_a_refused_link_in_the_browsers_spanish(
    app: Callable[[], AppTest], seeded: Clinic, kind: str
) -> None:
    token = seeded.token(seeded.treatment_a)
    if kind == "altered":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif kind == "expired":
        token = links.make_token(
            key=links.load_key(),
            treatment_id=seeded.treatment_a,
            generation=1,
            expires_at=utcnow() - timedelta(1),
        )
    elif kind == "revoked":
        with seeded.db.session() as s:
            links.revoke_links(session=s, actor=SETUP, treatment_id=seeded.treatment_a)
    else:
        token = token[: len(token) // 2]
    at = open_link(app, token, locale="es-MX")
    assert_spanish(at)
    assert at.title[0].value in ("No se puede abrir este enlace", "Vuelva a abrir su enlace")
    # The same refusal in an English browser stays English.
    english = open_link(app, token, locale="en-US")
    assert english.title[0].value in ("This link can't be opened", "Please open your link again")


def test_the_browser_language_does_not_override_the_patients(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    speaks(seeded, "en", seeded.treatment_a)  # enrolled in English, explicitly
    at = open_link(app, seeded.token(seeded.treatment_a), locale="es-ES")
    assert at.title[0].value == "Day 1 after your treatment"
    assert language_of(seeded, seeded.treatment_a) == "en"


def test_a_patient_not_asked_reads_their_browsers_language_and_it_is_kept(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """Nobody asked Ann's language: her Spanish phone decides her page, and her messages follow
    it from then on (kept once, audited); she can still switch."""
    assert language_of(seeded, seeded.treatment_a) is None
    at = open_link(app, seeded.token(seeded.treatment_a), locale="es-MX")
    assert_spanish(at)
    assert at.title[0].value == "Día 1 después de su tratamiento"
    assert language_of(seeded, seeded.treatment_a) == "es"
    at.run()  # a rerun keeps nothing again
    with seeded.db.read() as s:
        kept = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "patient.language")
        ).all()
    assert kept == ["language=es (their browser's)"]
    at.button_group(key="patient_language").set_value("en").run()
    assert at.title[0].value == "Day 1 after your treatment"
    assert language_of(seeded, seeded.treatment_a) == "en"
    # Another phone, in Spanish, changes nothing: she chose.
    again = open_link(app, seeded.token(seeded.treatment_a), locale="es-ES")
    assert again.title[0].value == "Day 1 after your treatment"
    assert language_of(seeded, seeded.treatment_a) == "en"


def test_a_browser_in_no_language_of_ours_keeps_nothing(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """A French phone reads the page in English, but that was no choice: still not asked."""
    at = open_link(app, seeded.token(seeded.treatment_a), locale="fr-FR")
    assert at.title[0].value == "Day 1 after your treatment"
    assert language_of(seeded, seeded.treatment_a) is None


def test_the_patient_switches_language_and_it_is_kept(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.button_group(key="patient_language").set_value("es").run()
    assert at.title[0].value == "Día 1 después de su tratamiento"
    with seeded.db.read() as s:
        patient = s.get(Patient, s.get(Treatment, seeded.treatment_a).patient_id)
        assert patient.language == "es"
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.action == "patient.language"))
    # A new visit (another session) opens in Spanish.
    again = open_link(app, seeded.token(seeded.treatment_a))
    assert again.title[0].value == "Día 1 después de su tratamiento"
    again.button_group(key="patient_language").set_value("en").run()
    assert again.title[0].value == "Day 1 after your treatment"


def test_staff_pages_stay_english_for_a_spanish_browser(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    speaks_spanish(seeded, seeded.treatment_a, seeded.treatment_b)
    at = app()
    at.context["locale"] = "es-ES"
    at.run()
    assert at.title[0].value == "Clinic sign-in"
    sign_in(at, "dr.lee")
    assert not at.exception
    shown = " ".join(rendered(at))
    assert "Queue" in shown or "queue" in shown
    spanish = [i18n.translator("es").gettext(m) for m in _msgids()]
    leaked = [t for t in spanish if len(t.split()) > 2 and t in shown]
    assert leaked == []
