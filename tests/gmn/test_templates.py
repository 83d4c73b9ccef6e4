"""The offline templates: clean models whose sizes and matrices agree, customised for
real by the words of the prompt."""

from __future__ import annotations

import pytest

from llmgine.gmn import (
    AGENT_TYPES,
    GMNTemplateError,
    agent_type_for,
    compile,
    parse,
    render,
    template,
    validate,
)
from llmgine.gmn._templates import customisations


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
@pytest.mark.parametrize("prompt", ["", "a cautious, curious agent in a volatile 3x4 grid"])
def test_every_template_validates_without_an_issue(agent_type: str, prompt: str) -> None:
    model = template(agent_type, prompt)  # type: ignore[arg-type]

    assert validate(model).issues == ()
    assert validate(render(model)).issues == ()
    assert parse(render(model)) == model


def test_the_explorer_grid_follows_the_prompt_and_its_matrices_match() -> None:
    model = template("explorer", "explore a 10x10 grid")

    assert model.states[0].size == 100
    assert model.transitions[0].grid == (10, 10)
    emission = model.emissions[0].matrix
    assert isinstance(emission, list)
    assert len(emission) == 100
    assert all(isinstance(row, list) and len(row) == 100 for row in emission)
    assert compile(model).A[0].shape == (100, 100)


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
def test_cautious_weighs_losses_three_times(agent_type: str) -> None:
    plain, cautious = template(agent_type), template(agent_type, "be cautious")  # type: ignore[arg-type]

    for before, after in zip(plain.preferences, cautious.preferences, strict=True):
        assert isinstance(before.values, tuple)
        assert isinstance(after.values, tuple)
        assert [3 * v if v < 0 else v for v in before.values] == list(after.values)
    assert plain != cautious, "every template has an outcome to avoid"


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
def test_curious_weighs_goals_a_quarter(agent_type: str) -> None:
    plain, curious = template(agent_type), template(agent_type, "curious")  # type: ignore[arg-type]

    for before, after in zip(plain.preferences, curious.preferences, strict=True):
        assert isinstance(before.values, tuple)
        assert after.values == tuple(v / 4 for v in before.values)


def test_volatile_markets_turn_more_often() -> None:
    calm, volatile = template("trader"), template("trader", "a volatile market")

    def keep(model_matrix: object) -> float:
        assert isinstance(model_matrix, list)
        row = model_matrix[1]
        assert isinstance(row, list)
        value = row[1]
        assert isinstance(value, float)
        return value

    assert (keep(calm.transitions[0].matrix), keep(volatile.transitions[0].matrix)) == (0.8, 0.4)


@pytest.mark.parametrize(
    ("prompt", "agent_type"),
    [
        ("Create an agent that explores a grid world", "explorer"),
        ("buy low, sell high", "trader"),
        ("manage a small team", "coordinator"),
        ("Create a task coordinator", "coordinator"),
        ("answer questions", "general"),
    ],
)
def test_without_a_type_the_prompt_chooses_one(prompt: str, agent_type: str) -> None:
    assert agent_type_for(prompt) == agent_type
    assert template(prompt=prompt) == template(agent_type, prompt)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("agent_type", "prompt", "words"),
    [
        ("explorer", "a cautious explorer on a 3x4 grid", ("3x4 grid", "cautious")),
        ("trader", "a curious trader on a volatile 3x4 grid", ("curious", "volatile")),
        ("coordinator", "a volatile coordinator", ()),
    ],
)
def test_customisations_name_the_words_a_template_reads(
    agent_type: str, prompt: str, words: tuple[str, ...]
) -> None:
    assert customisations(agent_type, prompt) == words  # type: ignore[arg-type]
    if not words:
        assert template(agent_type, prompt) == template(agent_type)  # type: ignore[arg-type]


def test_constraints_shrink_the_default_grid_and_drop_stay() -> None:
    model = template("explorer", constraints={"max_states": 10, "max_actions": 4})

    assert model.states[0].size == 9
    assert model.actions[0].labels == ("up", "down", "left", "right")
    assert validate(model, constraints={"max_states": 10, "max_actions": 4}).issues == ()


@pytest.mark.parametrize(
    ("agent_type", "prompt", "constraints", "message"),
    [
        (
            "explorer",
            "a 6x6 grid",
            {"max_states": 20},
            "needs 36 values for 'position', above max_states=20",
        ),
        (
            "trader",
            "",
            {"max_actions": 2},
            "needs 3 values for 'trade', above max_actions=2; raise max_actions to 3",
        ),
        ("explorer", "a 30x30 grid", None, "a 30x30 grid is out of range"),
        ("pirate", "", None, "unknown agent type 'pirate'"),
    ],
)
def test_what_a_template_cannot_meet_is_an_error_that_says_what_fits(
    agent_type: str, prompt: str, constraints: dict[str, int] | None, message: str
) -> None:
    with pytest.raises(GMNTemplateError, match=message):
        template(agent_type, prompt, constraints)  # type: ignore[arg-type]
