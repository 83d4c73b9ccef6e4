"""What the generator tells the model: a notation it can follow (its own example is valid),
the agent type's parts, the constraints and examples, and each error with its place."""

from __future__ import annotations

import pytest

from llmgine.gmn import AGENT_TYPES, template, validate
from llmgine.gmn._extract import extract_spec
from llmgine.gmn._prompts import (
    generation_request,
    issue_text,
    refinement_request,
    repair_request,
    system_prompt,
)
from tests.gmn._generation import BROKEN
from tests.gmn._specs import CORRIDOR


def test_the_example_in_the_system_prompt_is_valid_without_a_warning() -> None:
    spec, fenced = extract_spec(system_prompt("general", {}, ()))

    assert fenced
    assert validate(spec).issues == ()


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
def test_each_agent_type_names_the_parts_its_template_has(agent_type: str) -> None:
    prompt = system_prompt(agent_type, {}, ())  # type: ignore[arg-type]
    model = template(agent_type)  # type: ignore[arg-type]

    if agent_type == "general":
        assert "Agent type" not in prompt
        return
    assert f"Agent type: {agent_type}." in prompt
    assert f"{model.actions[0].name} action" in prompt


def test_constraints_and_examples_are_shown() -> None:
    prompt = system_prompt("trader", {"max_states": 4, "style": "simple"}, [CORRIDOR, "node x"])

    assert "- max_states: 4\n- style: simple" in prompt
    assert f"Reference example 1:\n```gmn\n{CORRIDOR.strip()}\n```" in prompt
    assert "Reference example 2:\n```gmn\nnode x\n```" in prompt
    assert prompt.endswith("checked by a validator.")


def test_every_request_asks_for_one_fenced_gmn_block() -> None:
    report = validate(BROKEN)
    for text in (
        generation_request("a trader"),
        refinement_request(CORRIDOR, report, "smaller"),
        repair_request(report),
    ):
        assert "one fenced block that starts with ```gmn" in text


def test_the_repair_request_lists_every_error_with_its_place_and_hint() -> None:
    report = validate(BROKEN)
    text = repair_request(report)

    assert f"found {len(report.errors)} error(s)" in text
    for issue in report.errors:
        assert f"- {issue_text(issue)}\n" in text
        assert issue.suggestion in text
    assert issue_text(report.errors[0]).startswith(
        f"line {report.errors[0].line}, column {report.errors[0].column}: "
    )
    assert not any(warning.code in text for warning in report.warnings)
