"""FHIR R4 export: a real follow-up exported and validated with fhir.resources' R4B models."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from checkins import fhir
from checkins.cli import main
from checkins.domain import AccessDenied, Disposition, NotFound, Role
from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import clinic, fhir_export, intake, queue
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, LINK_KEY, at, calm_answers, make_provider, make_treatment


def _send(db: Database, store: PhotoStore, tid: int, sub: str, hours: float, **answers: Any) -> int:
    photo = intake.prepare_photo(
        to_jpeg(skin_photo(width=800, height=600, tone="medium", redness=0.5, seed=2)),
        name="cheek.jpg", isolated=False,
    )  # fmt: skip
    with db.session() as s:
        res = intake.submit_checkin(ruleset=RULES,
            session=s, store=store, actor=ADMIN, treatment_id=tid, photos=[photo],
            answers=calm_answers(**answers), client_submission_id=sub, submitted_at=at(hours),
        )  # fmt: skip
    assert res.review_item_id is not None or not answers
    return res.checkin_id


@pytest.fixture
def follow_up(db: Database, store: PhotoStore) -> dict[str, int]:
    """One patient: a calm day 1, an urgent day 3 (pus, warmth, 38.9 °C) that a provider
    claims, answers and resolves; plus a second patient."""
    tid = make_treatment(db, name="Ana Export")
    _send(db, store, tid, "fhir-day-1", 24)
    urgent = _send(
        db, store, tid, "fhir-day-3", 72, drainage_like_pus=True, increased_warmth=True,
        temperature={"value": 38.9, "unit": "C"}, notes="It looks yellow today.",
    )  # fmt: skip
    lee = make_provider(db, "dr.export", "Dr Export")
    with db.session() as s:
        item = queue.list_queue(session=s, actor=lee).rows[0].item_id
        queue.claim(session=s, actor=lee, item_id=item)
        queue.reply(
            session=s,
            signing_key=LINK_KEY,
            actor=lee,
            item_id=item,
            body="Please come in this afternoon.",
        )
        queue.resolve(session=s, actor=lee, item_id=item, disposition=Disposition.VISIT_SCHEDULED)
    other = make_treatment(db, name="Bo Other")
    _send(db, store, other, "fhir-other-1", 30)
    with db.read() as s:
        from checkins.storage.models import Treatment

        pid = s.get(Treatment, tid)
        assert pid is not None
        return {"treatment": tid, "patient": pid.patient_id, "urgent": urgent, "item": item}


def _entries(kinds: dict[str, list[dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
    return [r["_entry"] for r in kinds[kind]]


def _by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in bundle["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append({**e["resource"], "_entry": e})
    return out


def test_the_bundle_validates_as_r4b_and_every_reference_resolves(
    db: Database, follow_up: dict[str, int]
) -> None:
    with db.session() as s:
        bundle = fhir_export.export_bundle(session=s, actor=ADMIN, patient_id=follow_up["patient"])
    Bundle.model_validate(bundle)  # raises on any field R4B does not define or allow
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert len(urls) == len(bundle["entry"])
    assert set(fhir.references(bundle)) <= urls
    kinds = _by_type(bundle)
    assert [p["name"][0]["text"] for p in kinds["Patient"]] == ["Ana Export"]  # not Bo
    counts = {k: len(v) for k, v in kinds.items()}
    expected = {
        "Procedure": 1,
        "Questionnaire": 1,
        "QuestionnaireResponse": 2,
        "Media": 2,
        "Task": 1,
        "Communication": 1,
    }
    assert {k: counts.get(k) for k in expected} == expected, counts
    assert kinds["Procedure"][0]["bodySite"] == [{"text": "face"}]


def test_the_patients_language_is_claimed_only_once_known(
    db: Database, follow_up: dict[str, int]
) -> None:
    """Not asked (no browser has chosen yet): no ``communication``, rather than a guessed "en"."""
    from checkins.storage.models import Patient

    def patient() -> dict[str, Any]:
        with db.session() as s:
            bundle = fhir_export.export_bundle(
                session=s, actor=ADMIN, patient_id=follow_up["patient"]
            )
        Bundle.model_validate(bundle)
        return _by_type(bundle)["Patient"][0]

    assert "communication" not in patient()
    with db.session() as s:
        row = s.get(Patient, follow_up["patient"])
        assert row is not None and row.language is None
        row.language = "es"
    coding = patient()["communication"][0]["language"]["coding"]
    assert coding == [{"system": "urn:ietf:bcp:47", "code": "es"}]


def test_clinical_content_is_coded(db: Database, follow_up: dict[str, int]) -> None:
    with db.session() as s:
        kinds = _by_type(
            fhir_export.export_bundle(session=s, actor=ADMIN, patient_id=follow_up["patient"])
        )
    temps = [
        o for o in kinds["Observation"] if o["code"]["coding"][0] == {
            "system": fhir.LOINC, "code": "8310-5", "display": "Body temperature"}
    ]  # fmt: skip
    units = sorted(t["valueQuantity"]["code"] for t in temps)
    assert units == ["Cel", "[degF]"]  # as each was reported: 98.6 °F, then 38.9 °C
    assert any(t["valueQuantity"]["value"] == 38.9 for t in temps)
    redness = [
        o for o in kinds["Observation"] if o["code"]["coding"][0]["system"] == fhir.REDNESS_SYSTEM
    ]
    assert {o["code"]["coding"][0]["code"] for o in redness} == set(fhir.REDNESS_CODES)
    snomed = {
        c["code"] for f in kinds["Flag"] for c in f["code"]["coding"] if c["system"] == fhir.SNOMED
    }
    assert {"225550006", "17038008"} <= snomed  # purulent discharge, increased skin temperature
    task = kinds["Task"][0]
    assert task["status"] == "completed" and task["owner"]["display"] == "Dr Export"
    # The patient answers: the case is back in the queue, and the Task says so.
    with db.session() as s:
        me = Actor(role=Role.PATIENT, name="Ana", treatment_id=follow_up["treatment"], clinic_id=1)
        clinic.patient_reply(session=s, actor=me, body="Thank you, on my way.")
        kinds = _by_type(
            fhir_export.export_bundle(session=s, actor=ADMIN, patient_id=follow_up["patient"])
        )
    assert kinds["Task"][0]["status"] == "requested" and "owner" not in kinds["Task"][0]
    said = {c["payload"][0]["contentString"] for c in kinds["Communication"]}
    assert said == {"Please come in this afternoon.", "Thank you, on my way."}
    task_url = next(e["fullUrl"] for e in _entries(kinds, "Task"))
    assert all(c["about"] == [{"reference": task_url}] for c in kinds["Communication"])
    notes = [
        i["answer"][0]["valueString"]
        for r in kinds["QuestionnaireResponse"] for i in r["item"] if i["linkId"] == "notes"
    ]  # fmt: skip
    assert notes == ["It looks yellow today."]


def test_one_case_is_exported_alone(db: Database, follow_up: dict[str, int]) -> None:
    with db.session() as s:
        bundle = fhir_export.export_bundle(session=s, actor=ADMIN, item_id=follow_up["item"])
    Bundle.model_validate(bundle)
    kinds = _by_type(bundle)
    assert len(kinds["QuestionnaireResponse"]) == 1 and len(kinds["Task"]) == 1
    assert set(fhir.references(bundle)) <= {e["fullUrl"] for e in bundle["entry"]}


def test_only_providers_and_admins_export_and_unknown_ids_are_sentences(
    db: Database, follow_up: dict[str, int]
) -> None:
    with db.session() as s:
        with pytest.raises(AccessDenied):
            fhir_export.export_bundle(
                session=s, actor=Actor(role=Role.MANAGER, name="m", clinic_id=1)
            )
        with pytest.raises(NotFound, match="no patient 9999"):
            fhir_export.export_bundle(session=s, actor=ADMIN, patient_id=9999)


def test_the_command_writes_a_valid_bundle_and_refuses_bad_input(
    tmp_path: Path, checkins_home: Path
) -> None:
    out = io.StringIO()
    assert main(["demo", "--json"], out=io.StringIO()) == 0
    target = tmp_path / "bundle.json"
    # The demo loads two clinics: the command says which (`--clinic`, issue 13 §1).
    assert main(["export", "fhir", "--out", str(target), "--clinic", "1", "--json"], out=out) == 0
    line = json.loads(out.getvalue())
    assert line["ok"] and line["resources"] > 10
    Bundle.model_validate(json.loads(target.read_text(encoding="utf-8")))
    for args, words in (
        (["--since", "last tuesday"], "date like"),
        (["--patient", "999999"], "no patient 999999"),
        (["--patient", "abc"], "a number"),
    ):
        bad = tmp_path / "bad.json"
        out = io.StringIO()
        assert (
            main(["export", "fhir", "--out", str(bad), "--clinic", "1", *args, "--json"], out=out)
            == 2
        )
        answer = json.loads(out.getvalue())
        assert answer["ok"] is False and words in answer["error"]["message"]
        assert not bad.exists()  # nothing half-written
