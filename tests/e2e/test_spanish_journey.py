"""A Spanish-speaking patient checks in end to end on a 390-px phone: the page is in Spanish
(``<html lang="es">``), a comma-decimal °C fever is read, the urgent result and the history are
in Spanish, and axe finds nothing serious. A refused link follows the browser's language. Each
step is saved to docs/screenshots/es-*.png (also at 1366 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from checkins.storage.db import Database
from checkins.storage.models import CheckIn, Patient, Treatment
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DESKTOP, PHONE, Server
from tests.e2e.test_patient_journey import (
    choose,
    new_patient_link,
    photo,
    settle,
    shot,
    upload,
)

pytestmark = pytest.mark.e2e


def spanish_patient_link(server: Server, name: str, *, days_ago: float = 1.3) -> tuple[int, str]:
    tid, url = new_patient_link(server, name, days_ago=days_ago)
    db = Database.connect(server.db_url)
    try:
        with db.session() as s:
            s.get(Patient, s.get(Treatment, tid).patient_id).language = "es"
    finally:
        db.dispose()
    return tid, url


def test_a_spanish_patient_checks_in_on_a_phone(app_server: Server, phone_page: Page) -> None:
    page = phone_page
    tid, url = spanish_patient_link(app_server, "Lucía Teléfono")
    page.goto(url)
    expect(page.get_by_role("heading", name="Día 1 después de su tratamiento")).to_be_visible(
        timeout=60_000
    )
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name=re.compile("Enviar control"))).to_be_visible(
        timeout=60_000
    )
    settle(page)
    # Streamlit's own words in the uploader are in Spanish too.
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_contain_text("Subir")
    expect(uploader).to_contain_text("por archivo")
    expect(uploader).not_to_contain_text("Upload")
    assert_accessible(page, "the Spanish check-in page")
    shot(page, "es-1-today")

    page.get_by_role("button", name=re.compile("Enviar control")).click()
    expect(page.get_by_text(re.compile("Corrija estas \\d+ cosas antes de enviar"))).to_be_visible(
        timeout=60_000
    )
    shot(page, "es-2-errors")

    upload(page, photo("mejilla.jpg", redness=0.6, seed=16))
    expect(page.get_by_text(re.compile("mejilla.jpg.*foto correcta"))).to_be_visible(timeout=60_000)
    settle(page)
    page.get_by_label("Temperatura", exact=True).fill("38,6")
    page.get_by_label("Temperatura", exact=True).press("Tab")
    settle(page)
    page.get_by_role("radiogroup", name="Unidad").get_by_text("°C", exact=True).click()
    choose(page, "supuración que parece pus", "No")
    choose(page, "cada vez más caliente", "No")
    choose(page, "hinchada", "Leve")
    choose(page, "enrojecida", "Moderado (como una quemadura de sol)")
    choose(page, "supura un líquido transparente", "No")
    settle(page)  # the last answer's rerun can briefly show the old and the new widget
    page.get_by_label("Dolor, del 0 (nada) al 10 (el peor)").fill("3")
    page.get_by_label("Dolor, del 0 (nada) al 10 (el peor)").press("Tab")
    choose(page, "rascado, frotado o arrancado", "No")
    settle(page)
    assert_accessible(page, "the Spanish questionnaire")
    shot(page, "es-3-answers")

    page.get_by_role("button", name=re.compile("Enviar control")).click()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "Comuníquese con el consultorio ahora", timeout=60_000
    )
    expect(page.get_by_text(re.compile(r"temperatura de 101,5\s?°F"))).to_be_visible(timeout=60_000)
    assert_accessible(page, "the Spanish urgent result")
    shot(page, "es-4-urgent")

    db = Database.connect(app_server.db_url)
    try:
        with db.read() as s:
            c = s.scalars(select(CheckIn).where(CheckIn.treatment_id == tid)).one()
            assert c.temperature_f is not None and round(c.temperature_f, 1) == 101.5
            assert c.triage is not None and c.triage.severity == "urgent"
    finally:
        db.dispose()

    page.get_by_role("link", name="Mis controles y respuestas").click()
    expect(page.get_by_role("heading", name="Mis controles")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Se le pidió comunicarse con el consultorio")).to_be_visible(
        timeout=60_000
    )
    assert_accessible(page, "the Spanish history")
    shot(page, "es-5-history")


def test_the_spanish_page_on_a_desktop_and_the_switch(
    app_server: Server, desktop_page: Page
) -> None:
    page = desktop_page
    _, url = spanish_patient_link(app_server, "Mateo Escritorio", days_ago=3.2)
    page.goto(url)
    expect(page.get_by_role("heading", name="Día 3 después de su tratamiento")).to_be_visible(
        timeout=60_000
    )
    assert page.viewport_size == DESKTOP
    expect(page.get_by_role("button", name=re.compile("Enviar control"))).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_test_id("stFileUploader")).to_contain_text("Subir")
    settle(page)
    shot(page, "es-desktop")
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Day 3 after your treatment")).to_be_visible(
        timeout=60_000
    )
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()  # the choice is the patient's, not the tab's
    expect(page.get_by_role("heading", name="Day 3 after your treatment")).to_be_visible(
        timeout=60_000
    )
    page.get_by_role("radio", name="Español").click()
    expect(page.get_by_role("heading", name="Día 3 después de su tratamiento")).to_be_visible(
        timeout=60_000
    )


def test_a_refused_link_in_a_spanish_browser(app_server: Server, browser: Browser) -> None:
    _, url = new_patient_link(app_server, "Sofía Enlace")
    context = browser.new_context(viewport=PHONE, locale="es-MX", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB"))
        expect(page.get_by_role("heading", name="No se puede abrir este enlace")).to_be_visible(
            timeout=60_000
        )
        expect(page.locator("html")).to_have_attribute("lang", "es")
        settle(page)
        assert_accessible(page, "the Spanish link error")
        shot(page, "es-link-refused")
    finally:
        context.close()
