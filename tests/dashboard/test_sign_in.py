"""Sign-in page and the router: who sees which pages, lock-out, idle time-out, sign-out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from checkins.domain import Role, utcnow
from checkins.services import users
from tests.dashboard.conftest import SETUP, Clinic, sign_in, texts

SIGN_IN = "views/sign_in.py"


def test_anonymous_visitor_sees_only_the_sign_in_page(app: Callable[[], AppTest]) -> None:
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Clinic sign-in"
    for page in ("views/queue.py", "views/trends.py", "views/admin.py", "views/patient_checkin.py"):
        with pytest.raises(ValueError, match="navigation page"):
            at.switch_page(page)


def test_provider_signs_in_to_the_queue(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "dr.lee")
    assert not at.exception
    assert at.session_state["auth_actor"].role is Role.PROVIDER
    assert "Review queue" in texts(at)
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("views/admin.py")


def test_manager_gets_trends_only_and_never_a_photo(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "manager")
    assert not at.exception
    assert len(at.image) == 0
    for page in ("views/queue.py", "views/case.py", "views/admin.py", "views/patient_history.py"):
        with pytest.raises(ValueError, match="navigation page"):
            at.switch_page(page)
    shown = texts(at)
    assert "Ann Alpha" not in shown and "Ben Beta" not in shown


def test_admin_reaches_the_admin_page(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert at.title[0].value == "Administration"
    assert "dr.lee" in str(at.dataframe[0].value)


def test_wrong_password_is_one_generic_sentence(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "dr.lee", "not my password")
    assert at.error[0].value == "Wrong username or password."
    at = sign_in(app(), "nobody.here", "not my password")
    assert at.error[0].value == "Wrong username or password."
    assert "auth_actor" not in at.session_state


def test_five_wrong_passwords_lock_the_account(app: Callable[[], AppTest]) -> None:
    at = app()
    for _ in range(5):
        at = sign_in(at, "dr.lee", "not my password")
    assert "locked" in at.error[0].value and "15 minutes" in at.error[0].value
    at = sign_in(at, "dr.lee")  # the right password, while locked
    assert "locked" in at.error[0].value
    assert "auth_actor" not in at.session_state


def test_idle_for_15_minutes_signs_out(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "dr.lee")
    at.session_state["auth_last_seen"] = utcnow() - timedelta(minutes=15, seconds=5)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Clinic sign-in"
    assert "15 minutes without activity" in at.info[0].value
    assert "auth_actor" not in at.session_state


def test_active_within_15_minutes_stays_signed_in(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "dr.lee")
    at.session_state["auth_last_seen"] = utcnow() - timedelta(minutes=14)
    at.run()
    assert at.session_state["auth_actor"].role is Role.PROVIDER


def test_sign_out_button(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "dr.lee")
    at.button(key="router_sign_out").click().run()
    assert not at.exception
    assert at.title[0].value == "Clinic sign-in"
    assert "auth_actor" not in at.session_state


def test_oidc_button_is_offered_when_configured(app: Callable[[], AppTest]) -> None:
    at = app()
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "checkins",
        "client_secret": "s",
        "server_metadata_url": "https://id.example/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert any("clinic account" in b.label for b in at.button)


def test_oidc_user_maps_to_a_local_account(app: Callable[[], AppTest]) -> None:
    at = app()
    at.secrets["auth"] = {"client_id": "checkins"}
    at.user = {"is_logged_in": True, "email": "manager", "name": "M"}
    at.run()
    assert not at.exception
    assert at.session_state["auth_actor"].role is Role.MANAGER
    at = app()
    at.secrets["auth"] = {"client_id": "checkins"}
    at.user = {"is_logged_in": True, "email": "stranger@example.com"}
    at.run()
    assert "no clinic account matches" in at.error[0].value


def test_admin_never_sees_one_patients_link_beside_another(app: Callable[[], AppTest]) -> None:
    at = sign_in(app(), "admin")
    at.switch_page("views/admin.py").run()
    pick = next(s for s in at.selectbox if s.label == "Treatment")
    first = pick.value
    next(b for b in at.button if b.label == "Create link").click().run()
    assert len(at.code) == 1 and first.patient_name in texts(at)
    pick = next(s for s in at.selectbox if s.label == "Treatment")
    pick.select_index(1).run()
    assert next(s for s in at.selectbox if s.label == "Treatment").value != first
    assert not at.exception
    assert len(at.code) == 0  # the first patient's link is not offered for the second


def test_a_deactivated_account_is_signed_out_on_the_next_rerun(
    app: Callable[[], AppTest], seeded: Clinic
) -> None:
    at = sign_in(app(), "dr.lee")
    assert "Review queue" in texts(at)
    with seeded.db.session() as s:  # an admin deactivates the account while the screen is open
        users.set_active(session=s, actor=SETUP, username="dr.lee", active=False)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Clinic sign-in"
    assert "This account is no longer active." in texts(at)
    assert "auth_actor" not in at.session_state
    assert "Review queue" not in texts(at) and "Ann Alpha" not in texts(at)
