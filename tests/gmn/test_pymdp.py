"""Compiled models run in a real active-inference library: pymdp (the ``pymdp`` extra,
which ``./run_tests.sh`` installs). Each agent infers states, infers policies and samples
actions; the templates also do what their preferences ask in a simulated world."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from llmgine.gmn import (
    AGENT_TYPES,
    CompiledModel,
    GMNModel,
    compile,
    parse,
    render,
    template,
    validate,
)
from tests.gmn._strategies import mutated_models, valid_models

pymdp_agent = pytest.importorskip("pymdp.agent", reason="install the pymdp extra")
Agent: Callable[..., object] = pymdp_agent.Agent


def run(
    compiled: CompiledModel, start: list[int], steps: int, policy_len: int = 1
) -> list[list[int]]:
    """Let an agent act in the world its own model describes, made deterministic: each
    step shows it the likeliest observation and moves by the likeliest transition. The
    states visited, first to last."""
    agent = Agent(**compiled.pymdp_kwargs(), policy_len=policy_len)
    state, visited = list(start), [list(start)]
    for _ in range(steps):
        observation = [int(np.argmax(a[(slice(None), *state)])) for a in compiled.A]
        beliefs = agent.infer_states(observation)  # type: ignore[attr-defined]
        assert all(np.isclose(b.sum(), 1.0) for b in beliefs)
        q_pi, _ = agent.infer_policies()  # type: ignore[attr-defined]
        assert np.isclose(q_pi.sum(), 1.0)
        action = [int(a) for a in agent.sample_action()]  # type: ignore[attr-defined]
        assert all(0 <= a < b.shape[2] for a, b in zip(action, compiled.B, strict=True))
        state = [
            int(np.argmax(b[:, s, a])) for b, s, a in zip(compiled.B, state, action, strict=True)
        ]
        visited.append(state)
    return visited


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
def test_every_template_runs_through_its_text(agent_type: str) -> None:
    model = parse(render(template(agent_type)))  # type: ignore[arg-type]
    compiled = compile(model)

    visited = run(compiled, [int(np.argmax(d)) for d in compiled.D], steps=3)
    assert len(visited) == 4


def test_the_explorer_walks_around_the_pit_to_the_far_corner() -> None:
    visited = run(compile(template("explorer", "3x3 grid")), [0], steps=6, policy_len=4)

    cells = [cell for (cell,) in visited]
    assert cells[-1] == 8
    assert 4 not in cells, "the pit is the middle cell"


def test_the_trader_buys_into_a_rising_market_and_holds() -> None:
    visited = run(compile(template("trader")), [2, 0], steps=3)

    assert [position for _, position in visited] == [0, 1, 1, 1]


def test_the_coordinator_moves_the_task_off_the_overloaded_worker() -> None:
    visited = run(compile(template("coordinator")), [2, 0], steps=2)

    assert [owner for owner, _ in visited] == [2, 0, 0]


def test_the_general_agent_heads_for_success() -> None:
    visited = run(compile(template("general")), [0], steps=2)

    assert visited[-1] == [2]


def test_pymdp_fails_on_a_state_factor_of_one_value_which_validation_refuses() -> None:
    from llmgine.gmn import Action, Emission, Observation, State, Transition

    model = GMNModel(
        states=(State(name="s", size=1),),
        observations=(Observation(name="o", size=2),),
        actions=(Action(name="a", size=2),),
        transitions=(Transition(name="T", from_=("s", "a"), to="s", matrix="identity"),),
        emissions=(Emission(name="E", from_=("s",), to="o", matrix="uniform"),),
    )
    assert "E114" in validate(model).codes()
    # Built by hand, the arrays are fine, yet pymdp's inference breaks on the single value.
    agent = Agent(
        **CompiledModel(
            A=(np.full((2, 1), 0.5),),
            B=(np.ones((1, 1, 2)),),
            C=(np.zeros(2),),
            D=(np.ones(1),),
            states=("s",),
            observations=("o",),
            controls=("a",),
        ).pymdp_kwargs()
    )
    agent.infer_states([0])  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="einstein sum"):
        agent.infer_policies()  # type: ignore[attr-defined]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_models())
def test_generated_specs_run(model: GMNModel) -> None:
    compiled = compile(parse(render(model)))

    visited = run(compiled, [0] * len(compiled.B), steps=2, policy_len=1)
    assert len(visited) == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_models())
def test_what_validates_runs_after_an_authors_changes(model: GMNModel) -> None:
    # Rules instead of matrices, dropped links, a 2-D transition, preferences over states:
    # whatever passes validation must run.
    assume(validate(model).ok)
    compiled = compile(model)

    visited = run(compiled, [0] * len(compiled.B), steps=2)
    assert len(visited) == 3
