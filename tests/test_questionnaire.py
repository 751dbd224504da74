"""The questionnaire's table is the one place the questions live: the validator, the form, the
staff labels, the row mapping, the rules' facts and the FHIR Questionnaire all follow it."""

from __future__ import annotations

from typing import Any

import pytest

from checkins import fhir, questionnaire
from checkins.domain import Answers, InvalidInput
from checkins.questionnaire import QUESTIONS, Kind
from checkins.rules import FACTS, facts_for
from checkins.rules.facts import FactKind
from checkins.services import convert
from checkins.services import patient_form as form
from checkins.storage.models import CheckIn
from checkins.validation import parse_answers

REQUIRED = [q for q in QUESTIONS if q.required]
OPTIONAL = [q for q in QUESTIONS if not q.required]


def complete() -> dict[str, Any]:
    """An answer to every required question, by kind."""
    out: dict[str, Any] = {}
    for q in REQUIRED:
        if q.kind is Kind.TEMPERATURE:
            out[q.name] = {"value": 98.6, "unit": "F"}
        elif q.kind is Kind.YES_NO:
            out[q.name] = False
        elif q.kind is Kind.CHOICE:
            out[q.name] = q.words[0]
        elif q.kind is Kind.SCALE:
            assert q.scale is not None
            out[q.name] = q.scale.low
        else:
            out[q.name] = ""
    return out


def test_the_answers_model_has_exactly_the_table_questions() -> None:
    assert tuple(Answers.model_fields) == questionnaire.NAMES
    for q in QUESTIONS:
        assert Answers.model_fields[q.name].is_required() is q.required, q.name


def test_a_field_the_table_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_answers({**complete(), "itchiness": True})
    assert refused.value.code == "unknown_field"
    assert "itchiness" in refused.value.message


@pytest.mark.parametrize("q", REQUIRED, ids=lambda q: q.name)
def test_a_required_question_left_out_is_reported_by_its_words(
    q: questionnaire.Question,
) -> None:
    data = complete()
    del data[q.name]
    with pytest.raises(InvalidInput) as refused:
        parse_answers(data)
    assert refused.value.code == "missing_answer"
    assert refused.value.message == f"Please answer the question about {q.in_sentence}."


def test_optional_questions_may_be_left_out() -> None:
    answers = parse_answers(complete())
    assert OPTIONAL, "the table has optional questions"
    for q in OPTIONAL:
        assert answers.answer(q.name) in (None, "")


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q.kind is Kind.CHOICE], ids=lambda q: q.name)
def test_a_choice_outside_the_table_words_is_refused(q: questionnaire.Question) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_answers({**complete(), q.name: "purple"})
    assert refused.value.code == "unknown_value"
    for word in q.words:
        assert word in refused.value.message


def test_the_scale_bounds_come_from_the_table() -> None:
    pain = questionnaire.question("pain")
    assert pain.scale is not None
    with pytest.raises(InvalidInput) as refused:
        parse_answers({**complete(), "pain": pain.scale.high + 1})
    assert refused.value.message == "Pain is a whole number from 0 (none) to 10 (worst)."
    assert parse_answers({**complete(), "pain": pain.scale.high}).answer("pain") == 10


def form_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"unit": "°F", "no_thermometer": False}
    for q in QUESTIONS:
        values[q.name] = {
            Kind.TEMPERATURE: "98.6",
            Kind.YES_NO: form.NO,
            Kind.CHOICE: (q.words or ("",))[0],
            Kind.SCALE: "1",
            Kind.TEXT: "",
        }[q.kind]
    values.update(overrides)
    return values


def test_the_form_asks_each_unanswered_question_in_its_own_words_in_table_order() -> None:
    blank = {q.name: None for q in QUESTIONS if q.kind in (Kind.YES_NO, Kind.CHOICE)}
    with pytest.raises(form.FormErrors) as bad:
        form.answers_from_form(form_values(**blank))
    required = [n for n in blank if questionnaire.question(n).required]
    assert [e.field for e in bad.value.errors] == required
    for e in bad.value.errors:
        prompt = questionnaire.question(e.field).prompt
        assert e.message == f"Please answer: {prompt[:1].lower()}{prompt[1:]}"


def test_a_question_asked_only_with_a_flag_is_required_only_then() -> None:
    flagged = [q for q in QUESTIONS if q.asked_if]
    assert flagged
    for q in flagged:
        values = form_values(**{q.name: None})
        assert form.answers_from_form(values).answer(q.name) is None  # not asked
        with pytest.raises(form.FormErrors) as bad:
            form.answers_from_form({**values, q.asked_if: True})
        assert [e.field for e in bad.value.errors] == [q.name]


def test_every_question_has_a_fact_of_its_kind() -> None:
    kinds = {
        Kind.TEMPERATURE: FactKind.NUMBER,
        Kind.YES_NO: FactKind.BOOL,
        Kind.CHOICE: FactKind.WORD,
        Kind.SCALE: FactKind.NUMBER,
        Kind.TEXT: FactKind.BOOL,
    }
    for q in QUESTIONS:
        spec = FACTS[q.fact]
        assert spec.kind is kinds[q.kind], q.name
        if q.kind is Kind.CHOICE:
            assert spec.words == q.words
    facts = facts_for(
        answers=parse_answers({**complete(), "notes": "  itchy  "}),
        procedure="microneedling",
        hours_since_treatment=30,
    )
    assert facts["temperature_f"] == 98.6 and facts["has_notes"] is True
    assert facts["swelling"] == questionnaire.question("swelling").words[0]


def test_the_row_mapping_keeps_every_answer() -> None:
    data = {**complete(), "sun_exposure": True, "notes": "a note"}
    row = CheckIn(is_baseline=False)
    convert.store_answers(row, parse_answers(data))
    back = convert.answers_of(row)
    for q in QUESTIONS:
        if q.kind is Kind.TEMPERATURE:
            assert back[q.name] == "98.6 °F" and back["temperature_f"] == 98.6
        elif q.name in data:
            assert back[q.name] == data[q.name], q.name
        else:
            assert back[q.name] is None, q.name
    empty = CheckIn(is_baseline=True)
    convert.store_answers(empty, None)
    assert convert.answers_of(empty) == {}


def test_fhir_items_use_the_patient_prompts_and_the_choices_wording() -> None:
    items = {i["linkId"]: i for i in fhir.questionnaire()["item"]}
    assert list(items) == list(questionnaire.NAMES)
    for q in QUESTIONS:
        assert items[q.name]["text"] == q.prompt
        if q.kind is Kind.CHOICE:
            shown = [o["valueCoding"]["display"] for o in items[q.name]["answerOption"]]
            assert shown == [wording for _, wording in q.choices]
    assert items["drainage_like_pus"].get("required") is True
    assert "required" not in items["temperature"]  # "not taken" is an answer FHIR cannot hold


def test_staff_labels_come_from_the_table() -> None:
    from checkins.case_pdf import ANSWERS

    assert dict(ANSWERS) == {q.name: q.label for q in questionnaire.TABLE_QUESTIONS}
    assert questionnaire.NOTE.name not in dict(ANSWERS)
