"""Hostile addresses and uploads get a sentence on the page, never Streamlit's error page."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Clinic, sign_in, texts
from tests.dashboard.test_patient_pages import answer, good_jpeg, open_link, send, stored

BAD_ITEMS = ["abc", "-1", "0", "1.5", "²", "9" * 5000, "99999999999999999999", "2147483648", " "]


@pytest.mark.parametrize("value", BAD_ITEMS, ids=lambda v: repr(v[:12]))
def test_a_bad_item_in_the_address_gets_a_sentence(
    app: Callable[[], AppTest], seeded: Clinic, value: str
) -> None:
    at = sign_in(app(), "dr.lee")
    at.query_params["item"] = value
    at.switch_page("views/case.py").run()
    assert not at.exception
    shown = texts(at)
    assert "does not name a case" in shown or "Choose a case in the queue" in shown
    assert "Ann Alpha" not in shown


def test_a_good_item_still_opens_and_a_missing_one_says_so(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "dr.lee")
    at.query_params["item"] = "4242"
    at.switch_page("views/case.py").run()
    assert not at.exception
    assert at.error, texts(at)  # the service's own sentence: no such case


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("photo\x00.jpg", "name is damaged"),
        ("x\x00", "name is damaged"),
        ("page.html", "“page.html” is not one"),
        ("photo.jpg.html", "“photo.jpg.html” is not one"),
    ],
    ids=repr,
)
def test_an_upload_named_like_no_photo_gets_a_sentence_and_is_not_sent(
    app: Callable[[], AppTest], seeded: Clinic, name: str, phrase: str
) -> None:
    at = open_link(app, seeded.token(seeded.treatment_a))
    # The same bytes as a good photo: the name alone is refused, not the cached verdict.
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    at.file_uploader[0].set_value([(name, good_jpeg(), "text/html")]).run()
    assert not at.exception
    assert phrase in texts(at)
    answer(at)
    send(at)
    assert not at.exception
    assert stored(seeded) == (0, 0)
    # The page keeps working: the real photo is still taken.
    at.file_uploader[0].set_value([("good.jpg", good_jpeg(), "image/jpeg")]).run()
    assert not at.exception
    assert "**good.jpg**: good photo" in html.unescape(texts(at))  # the name as plain text
