"""Specs the generator returns compile and run in pymdp: what a scripted model wrote after
a repair round, and what the offline generation gives for every agent type."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from llmgine.bus import MessageBus
from llmgine.gmn import AGENT_TYPES, GenerateGMNCommand, GMNGenerator, GMNResult, compile
from llmgine.testing import ScriptedProvider
from tests.gmn._generation import UNNORMALISED, fenced, generator_bus
from tests.gmn._specs import FREEAGENTICS_TEXT

pymdp_agent = pytest.importorskip("pymdp.agent", reason="install the pymdp extra")
Agent: Callable[..., object] = pymdp_agent.Agent


def act(result: GMNResult, steps: int = 3) -> list[list[int]]:
    """Build an agent from the result's spec and let it infer and act; the actions taken."""
    assert result.valid, result.errors
    compiled = compile(result.document().model)
    agent = Agent(**compiled.pymdp_kwargs())
    actions = []
    for step in range(steps):
        observation = [step % a.shape[0] for a in compiled.A]
        beliefs = agent.infer_states(observation)  # type: ignore[attr-defined]
        assert all(np.isclose(b.sum(), 1.0) for b in beliefs)
        agent.infer_policies()  # type: ignore[attr-defined]
        actions.append([int(a) for a in agent.sample_action()])  # type: ignore[attr-defined]
    return actions


async def test_a_spec_repaired_by_the_model_runs_in_pymdp() -> None:
    # FreeAgentics' own dialect-1 example, as a model might answer first, needs no repair;
    # the unnormalised corridor does.
    model = ScriptedProvider([fenced(UNNORMALISED), fenced(FREEAGENTICS_TEXT)])
    async with model, generator_bus(model) as bus:
        result = (await bus.execute(GenerateGMNCommand(prompt="a corridor"))).unwrap()

    assert result.rounds == 1
    actions = act(result)
    assert all(0 <= a < 3 for [a] in actions)


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
async def test_offline_generation_runs_in_pymdp(agent_type: str) -> None:
    async with MessageBus(log_dir=None) as bus:
        with GMNGenerator("offline:stand-in").attach(bus):
            command = GenerateGMNCommand(prompt=f"a cautious {agent_type}")
            result = (await bus.execute(command)).unwrap()

    assert result.agent_type == agent_type
    assert len(act(result)) == 3
