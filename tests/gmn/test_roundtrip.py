"""The text form and the JSON form each hold a model exactly: reading what was written
gives the same model, for any model the notation can hold."""

from __future__ import annotations

from hypothesis import given, settings

from llmgine.gmn import GMNModel, from_json, load, parse, render, to_json
from tests.gmn._strategies import any_models, valid_models


@settings(max_examples=300, deadline=None)
@given(any_models())
def test_text_round_trips(model: GMNModel) -> None:
    assert parse(render(model)) == model


@settings(max_examples=200, deadline=None)
@given(any_models())
def test_json_round_trips(model: GMNModel) -> None:
    assert from_json(to_json(model)) == model


@settings(max_examples=50, deadline=None)
@given(valid_models())
def test_load_reads_both_forms_to_the_same_model(model: GMNModel) -> None:
    text, json_form = load(render(model)), load(to_json(model))
    assert (text.form, json_form.form) == ("text", "json")
    assert text.model == json_form.model == model
