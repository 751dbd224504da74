"""Sign in: staff username and password (or the clinic's OpenID Connect), and the page a
patient sees when their link is refused."""

from __future__ import annotations

import auth
import lang
import resources
import streamlit as st
import ui
from state import StateKeys

from checkins.services import clinic

notice = auth.pop_notice()


def clinic_phone() -> str:
    """The office to call before a link says whose patient this is: the clinic's, when the
    deployment holds one; with several nobody knows which, so none is guessed."""
    with resources.db().read() as s:
        clinics = clinic.list_clinics(session=s)
    return clinics[0].phone if len(clinics) == 1 else ""


if notice is not None and notice.kind == "link":
    # A patient's page, before the link says who they are: in the browser's language.
    tr = lang.for_browser()
    lang.page_language(tr)
    message = lang.link_refusal(notice.message, notice.code, tr)
    if notice.code == "link_incomplete":  # cut short by a messaging app: nothing is wrong
        st.title(tr("Please open your link again"), anchor=False)
        st.info(message, icon=":material/link:")
    else:
        st.title(tr("This link can't be opened"), anchor=False)
        st.error(message, icon=":material/link_off:")
    office = ui.attempt(clinic_phone, doing=tr("finding the clinic's phone number"), tr=tr)
    st.markdown(
        tr(
            "If you have a new symptom that worries you, such as a fever, drainage that looks "
            "like pus or increasing warmth, **call the clinic now**; do not wait for a new link."
        )
    )
    if office:
        ui.call_button(office, label=tr("Call the clinic: %(phone)s", phone=office))
    st.stop()

st.title("Clinic sign-in")
auth.forget_staff_tab()
if notice is not None:
    if notice.kind in ("timeout", "info", "reload"):
        st.info(notice.message, icon=":material/info:")
    else:
        st.error(notice.message, icon=":material/error:")
    if notice.kind == "oidc":
        st.button("Sign out of the clinic account", on_click=st.logout)

if auth.oidc_configured():
    st.button(
        "Sign in with your clinic account",
        type="primary",
        icon=":material/key:",
        on_click=st.login,
        args=(auth.oidc_provider(),) if auth.oidc_provider() else (),
    )
    st.caption("Or use a local account:")

with st.form("sign_in", clear_on_submit=False, enter_to_submit=True):
    username = st.text_input("Username", key=StateKeys.SIGN_IN_USERNAME, autocomplete="username")
    password = st.text_input(
        "Password",
        type="password",
        key=StateKeys.SIGN_IN_PASSWORD,
        autocomplete="current-password",
    )
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    error = auth.sign_in(username, password)
    if error is None:
        st.rerun()
    st.error(error, icon=":material/lock:")

st.caption("Patients: you do not need an account. Open the personal link the clinic sent you.")
