"""AppTest for the admin page's accounts tab, through the real router (the other tabs are
covered in test_patients_pages.py and test_sign_in.py)."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from checkins.services import users
from tests.dashboard.conftest import SETUP, Clinic, sign_in


def test_admin_adds_an_account_then_deactivates_it(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception and at.title[0].value == "Administration"
    field = {t.label: t for t in at.text_input}
    field["Username (their e-mail, if they sign in with OpenID Connect)"].input("new.nurse")
    field["Name"].input("Nia Nurse")
    field["Password (at least 10 characters)"].input("a long enough password")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception
    assert any("Added new.nurse." in str(t.value) for t in at.toast)
    at.run()  # the table above the form is drawn before the form's action: the next run has it
    accounts = at.dataframe[0].value
    assert "new.nurse" in list(accounts["Username"])
    at.selectbox(key="admin_account").set_value("new.nurse").run()
    next(b for b in at.button if b.label == "Deactivate").click().run()
    assert not at.exception
    with seeded.db.read() as s:
        assert users.get_user(session=s, actor=SETUP, username="new.nurse").active is False
