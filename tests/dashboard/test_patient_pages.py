"""The patient's pages through their link: guidance, photos checked at once (a blurred one must
be retaken), the questionnaire refusing impossible answers, one stored check-in per form, the
urgent result, the history; and every way a link can be refused."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from checkins import links
from checkins.domain import Role, utcnow
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services.views import Actor
from checkins.storage.models import CheckIn, Photo
from tests.dashboard.conftest import SETUP, Clinic, texts


@cache
def good_jpeg() -> bytes:
    return to_jpeg(skin_photo(redness=0.4, seed=1))


@cache
def blurred_jpeg() -> bytes:
    return to_jpeg(skin_photo(redness=0.4, blur=12.0, seed=2))


def open_link(app: Callable[[], AppTest], token: str) -> AppTest:
    at = app()
    at.query_params["t"] = token
    return at.run()


def answer(
    at: AppTest,
    *,
    temperature: float | None = 98.6,
    unit: str = "°F",
    pain: int = 2,
    pus: str = "No",
) -> None:
    if temperature is not None:
        at.text_input(key="q_temperature").set_value(str(temperature))
    at.radio(key="q_unit").set_value(unit)
    at.radio(key="q_drainage_like_pus").set_value(pus)
    for name in ("increased_warmth", "oozing", "picked_or_peeled_skin"):
        at.radio(key=f"q_{name}").set_value("No")
    at.radio(key="q_swelling").set_value("mild")
    at.radio(key="q_redness").set_value("moderate")
    at.text_input(key="q_pain").set_value(str(pain))


def send(at: AppTest) -> AppTest:
    return at.button(key="send").click().run()


def stored(seeded: Clinic) -> tuple[int, int]:
    with seeded.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(CheckIn)) or 0,
            s.scalar(select(func.count()).select_from(Photo)) or 0,
        )


def test_link_opens_the_day_and_its_guidance(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    assert not at.exception
    assert at.title[0].value == "Day 1 after your treatment"
    shown = texts(at)
    assert "normal" in shown.lower() and "(555) 010-0199" in shown
    assert "Ben Beta" not in shown and "Cy Gamma" not in shown
    assert at.session_state["auth_actor"].role is Role.PATIENT
    # A patient's navigation holds their two pages and nothing of the clinic's.
    for page in ("views/queue.py", "views/case.py", "views/trends.py", "views/admin.py"):
        with pytest.raises(ValueError, match="navigation page"):
            at.switch_page(page)


def test_blurred_photo_must_be_retaken_then_an_urgent_checkin_is_stored_once(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    uploader = at.file_uploader[0]
    uploader.set_value(
        [("good.jpg", good_jpeg(), "image/jpeg"), ("blurry.jpg", blurred_jpeg(), "image/jpeg")]
    ).run()
    assert not at.exception
    shown = html.unescape(texts(at))  # file names are escaped (ui.plain): read them back
    assert "**good.jpg**: good photo" in shown and "**blurry.jpg**: please retake" in shown
    answer(at, temperature=102.0)
    send(at)
    assert "Please retake “blurry.jpg”" in at.error[0].value
    assert stored(seeded) == (0, 0)

    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    send(at)
    assert not at.exception
    assert "Contact the office now" in at.error[0].value
    assert [b.proto.url for b in at.get("link_button")] == ["tel:+1-555-010-0199"]
    assert stored(seeded) == (1, 1)
    # The uploader was replaced by an empty one for the next check-in.
    at.button[0].click().run()  # "Start a new check-in"
    assert at.file_uploader[0].value == []


def test_a_retried_send_stores_one_checkin(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    submission = at.session_state["checkin_submission_id"]
    answer(at)
    send(at)
    assert stored(seeded) == (1, 1)
    # The connection dropped before the result arrived: the page sends the same form again.
    at.session_state["checkin_submission_id"] = submission
    del at.session_state["checkin_last_result"]
    at.run()
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    at.session_state["checkin_submission_id"] = submission
    answer(at)
    send(at)
    assert not at.exception
    assert stored(seeded) == (1, 1)


@pytest.mark.parametrize(
    ("temperature", "unit", "pain", "phrase"),
    [
        (150.0, "°F", 2, "not a body temperature"),
        (39.0, "°F", 2, "not a body temperature"),
        (98.6, "°F", 12, "0 (none) to 10 (worst)"),
    ],
)
def test_impossible_answers_are_refused_with_a_sentence(
    app: Callable[[], AppTest],
    seeded: Clinic,
    temperature: float,
    unit: str,
    pain: int,
    phrase: str,
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    answer(at, temperature=temperature, unit=unit, pain=pain)
    send(at)
    assert not at.exception
    assert phrase in at.error[0].value
    assert stored(seeded) == (0, 0)


def test_an_unanswered_question_is_asked_for(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    answer(at)
    at.radio(key="q_drainage_like_pus").set_value(None)
    send(at)
    assert "Please answer: is there drainage that looks like pus?" in at.error[0].value


def test_antiviral_question_only_when_prescribed(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    ann = open_link(app, seeded.token(seeded.treatment_a))
    ben = open_link(app, seeded.token(seeded.treatment_b))
    keys = lambda at: {r.key for r in at.radio}  # noqa: E731
    assert "q_antiviral_taken" not in keys(ann) and "q_antiviral_taken" in keys(ben)


def test_baseline_photo_before_treatment(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = open_link(app, seeded.token(seeded.treatment_future))
    assert "before your treatment" in at.title[0].value
    assert not at.text_input  # no questionnaire before treatment
    at.file_uploader[0].set_value([("before.jpg", good_jpeg(), "image/jpeg")]).run()
    at.button(key="send").click().run()
    assert not at.exception
    assert "baseline photo is saved" in texts(at)
    with seeded.db.read() as s:
        assert s.scalar(select(CheckIn.is_baseline)) is True


def test_history_shows_own_checkins_with_thumbnails(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    ann = open_link(app, seeded.token(seeded.treatment_a))
    ann.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(ann)
    send(ann)
    ann.switch_page("views/patient_history.py").run()
    assert not ann.exception
    assert len(ann.image) == 1
    # Ben's history is empty: Ann's photo and check-in are not his.
    ben = open_link(app, seeded.token(seeded.treatment_b))
    ben.switch_page("views/patient_history.py").run()
    assert not ben.exception and len(ben.image) == 0
    assert "not sent a check-in yet" in texts(ben)


def _forge(token: str, treatment_id: int) -> str:
    """Another treatment's id under this token's signature (what an attacker would try)."""
    body = base64.urlsafe_b64encode(f"v1:{treatment_id}:1:9999999999".encode()).rstrip(b"=")
    return body.decode() + "." + token.split(".")[1]


@pytest.mark.parametrize("kind", ["altered", "other_patient", "expired", "revoked", "junk"])
def test_a_refused_link_gets_a_clear_page_and_no_data(
    app: Callable[[], AppTest], seeded: Clinic, kind: str
) -> None:
    token = seeded.token(seeded.treatment_a)
    if kind == "altered":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif kind == "other_patient":
        token = _forge(token, seeded.treatment_b)
    elif kind == "expired":
        token = links.make_token(
            key=links.load_key(),
            treatment_id=seeded.treatment_a,
            generation=1,
            expires_at=utcnow() - timedelta(minutes=1),
        )
    elif kind == "revoked":
        with seeded.db.session() as s:
            links.revoke_links(session=s, actor=SETUP, treatment_id=seeded.treatment_a)
    else:
        token = "not-a-token"
    at = open_link(app, token)
    assert not at.exception
    assert at.title[0].value == "This link can't be opened"
    shown = texts(at)
    assert {
        "altered": "changed",
        "other_patient": "changed",
        "expired": "expired",
        "revoked": "replaced",
        "junk": "damaged",
    }[kind] in shown
    assert "Ann Alpha" not in shown and "Ben Beta" not in shown
    assert "auth_actor" not in at.session_state


def test_a_link_revoked_mid_session_stops_working(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    assert at.title[0].value.startswith("Day 1")
    with seeded.db.session() as s:
        links.revoke_links(session=s, actor=SETUP, treatment_id=seeded.treatment_a)
    at.run()
    assert at.title[0].value == "This link can't be opened"


def test_opening_a_patient_link_ends_a_staff_session(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    from tests.dashboard.conftest import sign_in

    at = sign_in(app(), "dr.lee")
    at.query_params["t"] = seeded.token(seeded.treatment_a)
    at.run()
    assert at.session_state["auth_actor"].role is Role.PATIENT


def test_a_link_expiring_mid_form_lets_the_patient_finish(
    app: Callable[[], AppTest], seeded: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = utcnow() + timedelta(minutes=5)
    token = links.make_token(
        key=links.load_key(), treatment_id=seeded.treatment_a, generation=1, expires_at=soon
    )
    at = open_link(app, token)
    assert at.title[0].value.startswith("Day 1")
    # Ten minutes later the link has expired; the patient is still on the page, answering.
    later = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr("auth.utcnow", lambda: later)
    at.run()
    assert not at.exception and at.title[0].value.startswith("Day 1")
    assert "expired" in texts(at) and "still finish" in texts(at)
    answer(at, temperature=102.0)
    send(at)
    assert stored(seeded)[0] == 1, texts(at)  # what they entered was sent, not lost
    # A new visit with the expired link is refused as before.
    fresh = open_link(app, token)
    assert fresh.title[0].value == "This link can't be opened"


def test_a_link_revoked_mid_form_says_the_check_in_was_not_sent(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    answer(at)
    with seeded.db.session() as s:
        links.revoke_links(session=s, actor=SETUP, treatment_id=seeded.treatment_a)
    at.run()
    assert at.title[0].value == "This link can't be opened"
    assert "it was not sent" in texts(at)
    assert "Ann Alpha" not in texts(at) and stored(seeded)[0] == 0


def test_a_broken_rule_file_is_not_shown_to_the_patient(
    app: Callable[[], AppTest],
    seeded: Clinic,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('version = "x"\n[[rules]]\nid = "a"\nseverity = "sometimes"\n')
    monkeypatch.setenv("CHECKINS_RULES_FILE", str(bad))
    at = open_link(app, seeded.token(seeded.treatment_a))
    answer(at)
    send(at)
    shown = texts(at)
    assert not at.exception and stored(seeded)[0] == 0
    assert "Something went wrong on our side" in shown and "(555) 010-0199" in shown
    assert "rules" not in shown.lower() and str(bad) not in shown


@pytest.mark.parametrize("printed", [False, True])
def test_the_card_hint_shows_only_when_the_clinic_gives_out_cards(
    app: Callable[[], AppTest], seeded: Clinic, printed: bool
) -> None:
    from checkins.services import clinic as clinic_service

    with seeded.db.session() as s:
        clinic_service.set_clinic(
            session=s,
            actor=Actor.system(1),
            name="Test Skin Clinic",
            phone="(555) 010-0199",
            reference_card=printed,
            office_hours=clinic_service.ALWAYS_OPEN,
        )
    at = open_link(app, seeded.token(seeded.treatment_a))
    assert not at.exception
    assert ("hold it flat beside the treated area" in texts(at)) is printed


def test_photos_come_through_the_uploader_at_phone_resolution(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """No low-resolution camera widget; a 4032 × 3024 phone photo is accepted (issue 12)."""
    at = open_link(app, seeded.token(seeded.treatment_a))
    assert not at.get("camera_input") and not at.toggle
    big = to_jpeg(skin_photo(width=4032, height=3024, redness=0.4, seed=3))
    at.file_uploader[0].set_value([("IMG_0001.jpg", big, "image/jpeg")]).run()
    assert not at.exception
    assert "**IMG_0001.jpg**: good photo" in html.unescape(texts(at))
    answer(at)
    send(at)
    assert not at.exception and not at.error
    assert stored(seeded) == (1, 1)
    with seeded.db.read() as s:
        photo = s.scalars(select(Photo)).one()
        assert (photo.width, photo.height) == (4032, 3024)


def test_a_comma_decimal_is_read_and_a_half_pain_is_refused(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at, unit="°C")
    at.text_input(key="q_temperature").set_value("38,7")
    at.text_input(key="q_pain").set_value("3.5")
    send(at)
    assert "Pain is a whole number" in at.error[0].value and "3 or 4" in at.error[0].value
    assert "temperature" not in at.error[0].value.lower()  # 38,7 was understood
    assert stored(seeded) == (0, 0)  # not silently made 3
    at.text_input(key="q_pain").set_value("3").run()
    assert not at.error  # the list shrinks as each answer is fixed
    send(at)
    assert not at.exception
    with seeded.db.read() as s:
        checkin = s.scalars(select(CheckIn)).one()
        assert checkin.pain == 3
        assert (checkin.temperature_value, checkin.temperature_unit) == (38.7, "C")


def test_every_form_error_at_once_in_form_order_each_linked(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.radio(key="q_swelling").set_value("mild").run()
    send(at)
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value
    order = [
        "#field-temperature",
        "#field-drainage_like_pus",
        "#field-increased_warmth",
        "#field-redness",
        "#field-oozing",
        "#field-pain",
        "#field-picked_or_peeled_skin",
    ]
    positions = [shown.index(f"]({anchor})") for anchor in order]
    assert positions == sorted(positions)
    assert "#field-swelling" not in shown  # answered
    assert "Please fix these 7 things" in shown
    assert stored(seeded) == (0, 0)


def test_a_ninth_photo_is_refused_when_added(app: Callable[[], AppTest], seeded: Clinic) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    files = [
        (f"p{i}.jpg", to_jpeg(skin_photo(width=640, height=480, seed=40 + i)), "image/jpeg")
        for i in range(9)
    ]
    at.file_uploader[0].set_value(files).run()
    assert not at.exception
    assert "at most 8 photos, so “p8.jpg” was not added" in at.error[0].value
    shown = html.unescape(texts(at))
    assert "**p7.jpg**" in shown and "**p8.jpg**" not in shown


def test_a_reload_keeps_the_photos_and_answers(app: Callable[[], AppTest], seeded: Clinic) -> None:
    token = seeded.token(seeded.treatment_a)
    at = open_link(app, token)
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at, temperature=None)
    at.text_input(key="q_temperature").set_value("37,2")
    at.text_area(key="q_notes").set_value("itchy on the left").run()
    # A reload is a new session with the same link in the address bar.
    again = open_link(app, token)
    assert not again.exception
    assert "what you entered before is still here, with 1 photo" in texts(again)
    assert again.text_input(key="q_temperature").value == "37,2"
    assert again.radio(key="q_swelling").value == "mild"
    assert again.text_area(key="q_notes").value == "itchy on the left"
    assert "**good.jpg**: good photo" in html.unescape(texts(again))
    again.radio(key="q_unit").set_value("°C")
    send(again)
    assert not again.exception and stored(seeded) == (1, 1)
    # Sent: the draft is gone, a later reload starts afresh.
    fresh = open_link(app, token)
    assert "still here" not in texts(fresh)


def test_the_result_gives_the_days_guidance_once(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at)
    send(at)
    assert not at.exception and "normal for this stage" in at.success[0].value
    assert texts(at).count("Peeling and flaking, which generally start") == 1


def test_the_clinic_rule_file_is_read_once_and_quoted_by_the_guidance(
    app: Callable[[], AppTest],
    seeded: Clinic,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The dashboard parses the rules once per process, not on every check-in, and the advice
    the patient reads quotes that file's fever line, not the shipped one."""
    from importlib import resources as package_files

    from checkins.rules import loader

    shipped = package_files.files("checkins.rules").joinpath("default_rules.toml").read_text()
    fever = 'when = { fact = "temperature_f", op = ">=", value = 101.5 }'
    assert fever in shipped
    ours = tmp_path / "rules.toml"
    ours.write_text(shipped.replace(fever, fever.replace("101.5", "102.0"), 1), encoding="utf-8")
    monkeypatch.setenv("CHECKINS_RULES_FILE", str(ours))
    parsed: list[str] = []
    real = loader.parse_rules

    def counting(text: bytes, *, source: str) -> loader.RuleSet:
        parsed.append(source)
        return real(text, source=source)

    monkeypatch.setattr(loader, "parse_rules", counting)
    for _ in range(2):  # two visits (two sessions of the one process), a check-in each
        at = open_link(app, seeded.token(seeded.treatment_a))
        assert "Fever of 102\u00a0°F (38.9\u00a0°C) or greater" in texts(at)
        answer(at)
        at = send(at)
        assert not at.exception
        shown = texts(at)
        assert "Fever of 102\u00a0°F (38.9\u00a0°C) or greater" in shown
        assert "101.5" not in shown
    assert stored(seeded)[0] == 2
    assert parsed == [str(ours)]


def test_a_clinic_without_a_phone_tells_the_patient_to_contact_the_office_with_no_number(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    """No made-up number anywhere: the guidance and the urgent result name none, and there is
    no call button to a number that rings nowhere."""
    from sqlalchemy import update

    from checkins.storage.models import ClinicSettings

    with seeded.db.session() as s:
        s.execute(update(ClinicSettings).values(phone=None))
    at = open_link(app, seeded.token(seeded.treatment_a))
    assert not at.exception
    assert "555" not in texts(at)
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    answer(at, temperature=102.0)
    send(at)
    assert not at.exception
    assert "Contact the office now" in at.error[0].value
    assert [b.proto.url for b in at.get("link_button") if b.proto.url.startswith("tel:")] == []
    assert "555" not in texts(at) and stored(seeded) == (1, 1)
