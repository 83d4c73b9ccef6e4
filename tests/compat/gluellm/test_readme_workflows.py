"""GlueLLM's README, "Multi-Agent Workflows": each pattern's block, with only its imports
changed, run by ``await workflow.execute(...)`` against FakeLLMServer.

The three complete examples (iterative refinement, pipeline, debate) build their own
agents; the other twelve are fragments that use agents they do not build
(``generator_agent``...), and most use ``AgentExecutor`` without importing it. Their
completion is that import and those agents, each with its name as its system prompt, so the
fake model knows who it answers. A role that must judge or choose replies with the JSON
object llmgine's pattern asks for: a real model is told its form in the prompt.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest

from llmgine.testing import RecordedRequest, Step, json_reply, text, tool_call
from tests.compat.gluellm._readme import Case, register, run_case
from tests.compat.gluellm.conftest import Example

CASES: dict[str, Case] = {}
case = register(CASES)

Reply = Callable[[str], Step | str | dict[str, Any]]


def agents(*names: str, tools: str = "") -> str:
    """The completion of a fragment: ``AgentExecutor``, and an ``Agent`` per name."""
    lines = [
        "from llmgine.compat.gluellm.executors import AgentExecutor",
        "from llmgine.compat.gluellm.models.agent import Agent",
        tools,
        *(f"{name} = Agent(name={name!r}, system_prompt={name!r})" for name in names),
    ]
    return "\n".join(lines) + "\n"


def by_agent(**replies: Reply) -> Callable[[RecordedRequest], Step]:
    """A fake model that answers each agent (found by a word of its system prompt) with
    ``replies[word](prompt)``: a step, a text, or a dict sent as a JSON object."""
    lock = threading.Lock()

    def respond(request: RecordedRequest) -> Step:
        system, prompt = request.messages[0]["content"], request.messages[-1]["content"]
        for word, reply in replies.items():
            if word in system:
                with lock:
                    answer = reply(prompt)
                if isinstance(answer, dict):
                    return json_reply(answer)
                return text(answer) if isinstance(answer, str) else answer
        raise AssertionError(f"no agent answers to the system prompt {system!r}")

    return respond


def counted(template: str) -> Reply:
    """Replies ``template`` with the number of the call (from 1)."""
    numbers = itertools.count(1)
    return lambda prompt: template.format(next(numbers))


def prompts_of(example: Example, word: str) -> list[str]:
    return [r.messages[-1]["content"] for r in example.requests if word in r.messages[0]["content"]]


REVIEW = {"score": 0.7, "feedback": "Shorter sentences."}


@case("33-iterative-refinement-workflow.py")
def _iterative_refinement(example: Example) -> None:
    example.answer_with(
        by_agent(
            **{"technical writer": counted("Async Python, draft {}.")},
            grammar=lambda prompt: REVIEW,
            style=lambda prompt: {"score": 0.6, "feedback": "Open with an example."},
        )
    )
    ran = example.run("33-iterative-refinement-workflow.py")
    assert ran.lines == [
        "Final output after 3 iterations:",
        "Async Python, draft 3.",  # the best draft, the latest of equals
        "",
        "Converged: False",
        "Total interactions: 9",  # 3 drafts, each reviewed by both critics
    ]
    revision = prompts_of(example, "technical writer")[1]
    assert "Shorter sentences." in revision
    assert "Open with an example." in revision
    assert ran["result"].metadata["quality"] == pytest.approx([0.65, 0.65, 0.65])


@case("34-pipeline-workflow.py")
def _pipeline(example: Example) -> None:
    example.answer_with(
        by_agent(
            gather=lambda prompt: f"Research notes on {prompt}",
            write=lambda prompt: f"An article from {prompt}",
            polish=lambda prompt: f"Polished: {prompt}",
        )
    )
    ran = example.run("34-pipeline-workflow.py")
    topic = "Topic: The benefits of async programming in Python"
    final = f"Polished: An article from Research notes on {topic}"
    assert ran.lines[:3] == ["Completed 3 stages", "Final output:", final]
    assert ran.lines[3:] == [
        "",
        "Stage: research",
        f"Output: {f'Research notes on {topic}'[:100]}...",
        "",
        "Stage: write",
        f"Output: {f'An article from Research notes on {topic}'[:100]}...",
        "",
        "Stage: edit",
        f"Output: {final[:100]}...",
    ]


@case("35-debate-workflow.py")
def _debate(example: Example) -> None:
    example.answer_with(
        by_agent(
            **{"in favor": counted("For, argument {}.")},
            against=counted("Against, argument {}."),
            judge=lambda prompt: "Regulate, lightly.",
        )
    )
    ran = example.run("35-debate-workflow.py")
    assert ran.lines == [
        "Debate completed in 3 rounds",
        "Judge decision:",
        "Regulate, lightly.",
        "",
        "Total interactions: 7",
    ]
    (judging,) = prompts_of(example, "impartial judge")
    assert "For, argument 3." in judging
    assert "Against, argument 3." in judging


@case("36-reflection-workflow.py")
def _reflection(example: Example) -> None:
    scores = iter([0.5, 0.7, 0.9])
    example.answer_with(
        by_agent(
            generator_agent=counted("Python article, version {}."),
            reflector_agent=lambda prompt: {"score": next(scores), "feedback": "More examples."},
        )
    )
    ran = example.run(
        "36-reflection-workflow.py", before=agents("generator_agent", "reflector_agent")
    )
    result = ran["result"]
    assert (result.final_output, result.iterations) == ("Python article, version 3.", 3)
    assert result.metadata["scores"] == [0.5, 0.7, 0.9]
    assert "More examples." in prompts_of(example, "generator_agent")[1]


@case("37-chain-of-density-workflow.py")
def _chain_of_density(example: Example) -> None:
    rounds = itertools.count(1)

    def summarize(prompt: str) -> dict[str, Any]:
        n = next(rounds)
        names = [f"Entity{k}" for k in range(1, n + 1)]
        return {"new_entities": [names[-1]], "summary": "About " + ", ".join(names) + "."}

    example.answer_with(by_agent(generator_agent=summarize))
    ran = example.run("37-chain-of-density-workflow.py", before=agents("generator_agent"))
    result = ran["result"]
    assert result.final_output == "About Entity1, Entity2, Entity3, Entity4, Entity5."
    assert result.iterations == 5
    assert result.metadata["entities"] == [[f"Entity{k}"] for k in range(1, 6)]


@case("38-socratic-workflow.py")
def _socratic(example: Example) -> None:
    example.answer_with(
        by_agent(
            questioner_agent=counted("Question {}: what follows from that?"),
            responder_agent=lambda prompt: (
                "AI is the study of systems that learn."
                if prompt.startswith("Topic:")
                else "Answered."
            ),
        )
    )
    ran = example.run(
        "38-socratic-workflow.py", before=agents("questioner_agent", "responder_agent")
    )
    result = ran["result"]
    assert result.final_output == "AI is the study of systems that learn."  # the synthesis
    assert result.iterations == 5
    assert result.metadata["synthesized"] is True
    assert len(prompts_of(example, "responder_agent")) == 6  # five answers and the synthesis


@case("39-rag-workflow.py")
def _rag(example: Example) -> None:
    example.answer_with(
        by_agent(
            generator_agent=lambda prompt: "Python is a programming language [1][2].",
            verifier_agent=lambda prompt: {"supported": True, "problems": []},
        )
    )
    ran = example.run("39-rag-workflow.py", before=agents("generator_agent", "verifier_agent"))
    result = ran["result"]
    assert result.final_output == "Python is a programming language [1][2].\n\nSources: doc1, doc2"
    assert result.metadata["verification"] == "supported"
    (answering,) = prompts_of(example, "generator_agent")
    assert "Relevant context..." in answering
    assert "More context..." in answering


@case("40-round-robin-workflow.py")
def _round_robin(example: Example) -> None:
    example.answer_with(
        by_agent(
            writer_agent=lambda prompt: (
                "The final article." if "final result" in prompt else "A paragraph."
            ),
            editor_agent=lambda prompt: "An edit.",
            reviewer_agent=lambda prompt: "A review.",
        )
    )
    before = agents("writer_agent", "editor_agent", "reviewer_agent")
    ran = example.run("40-round-robin-workflow.py", before=before)
    result = ran["result"]
    assert (result.final_output, result.iterations) == ("The final article.", 3)
    speakers = [i["agent"] for i in result.agent_interactions]
    assert speakers == ["writer_agent", "editor_agent", "reviewer_agent"] * 3 + ["writer_agent"]


@case("41-consensus-workflow.py")
def _consensus(example: Example) -> None:
    def member(name: str) -> Reply:
        return lambda prompt: (
            {"proposal": 1, "reason": "The most specific."}
            if "Vote for" in prompt
            else f"{name}'s plan."
        )

    example.answer_with(
        by_agent(agent1=member("agent1"), agent2=member("agent2"), agent3=member("agent3"))
    )
    ran = example.run("41-consensus-workflow.py", before=agents("agent1", "agent2", "agent3"))
    result = ran["result"]
    assert result.final_output == "agent1's plan."
    assert (result.iterations, result.metadata["consensus"]) == (1, True)


@case("42-hierarchical-workflow.py")
def _hierarchical(example: Example) -> None:
    plan = {
        "subtasks": [
            {"task": "Survey AI research", "worker": "Worker1"},
            {"task": "Write the report", "worker": "Worker2"},
        ]
    }
    example.answer_with(
        by_agent(
            manager_agent=lambda prompt: plan if '"subtasks"' in prompt else "The AI report.",
            worker1=lambda prompt: "A survey.",
            worker2=lambda prompt: "A report draft.",
        )
    )
    before = agents("manager_agent", "worker1", "worker2")
    ran = example.run("42-hierarchical-workflow.py", before=before)
    result = ran["result"]
    assert (result.final_output, result.iterations) == ("The AI report.", 2)
    synthesis = prompts_of(example, "manager_agent")[-1]
    assert "A survey." in synthesis
    assert "A report draft." in synthesis


@case("43-mapreduce-workflow.py")
def _map_reduce(example: Example) -> None:
    example.answer_with(by_agent(mapper_agent=lambda prompt: "One short part, processed."))
    ran = example.run("43-mapreduce-workflow.py", before=agents("mapper_agent", "reducer_agent"))
    result = ran["result"]
    # The input is one chunk of 1,000 characters or fewer: its result needs no reducing.
    assert (result.final_output, result.iterations) == ("One short part, processed.", 1)
    assert prompts_of(example, "reducer_agent") == []


@case("44-react-workflow.py")
def _react(example: Example) -> None:
    # Completion: the reasoner has a tool (llmgine's ReAct acts through tool calls).
    weather = (
        "def get_weather(city: str) -> str:\n"
        '    """The weather in a city."""\n'
        '    return f"{city}: sunny, 21°C"\n'
    )
    before = agents(tools=weather) + (
        "reasoner_agent = Agent(name='reasoner_agent', system_prompt='reasoner_agent', "
        "tools=[get_weather])\n"
    )
    example.server.add(
        tool_call("get_weather", {"city": "Paris"}),
        text("Thought: I have the observation.\nFinal Answer: Sunny in Paris, 21°C."),
    )
    ran = example.run("44-react-workflow.py", before=before)
    result = ran["result"]
    assert (result.final_output, result.iterations) == ("Sunny in Paris, 21°C.", 2)
    assert "Paris: sunny, 21°C" in example.requests[1].messages[-1]["content"]
    assert [i["stage"] for i in result.agent_interactions] == ["reasoner", "tool", "reasoner"]


@case("45-mixture-of-experts-workflow.py")
def _mixture_of_experts(example: Example) -> None:
    example.answer_with(
        by_agent(math_expert=lambda prompt: "10! = 3628800", code_expert=lambda prompt: "code")
    )
    ran = example.run(
        "45-mixture-of-experts-workflow.py", before=agents("math_expert", "code_expert")
    )
    result = ran["result"]
    # "Calculate" matches the math expert's keyword only: one answer, given as it is.
    assert (result.final_output, result.iterations) == ("10! = 3628800", 1)
    assert prompts_of(example, "code_expert") == []


@case("46-constitutional-workflow.py")
def _constitutional(example: Example) -> None:
    verdicts = {
        "verdicts": [
            {"principle": "harmless", "verdict": "pass", "feedback": ""},
            {"principle": "helpful", "verdict": "pass", "feedback": ""},
        ]
    }
    example.answer_with(
        by_agent(
            generator_agent=lambda prompt: "AI safety means testing before release.",
            critic_agent=lambda prompt: verdicts,
        )
    )
    ran = example.run(
        "46-constitutional-workflow.py", before=agents("generator_agent", "critic_agent")
    )
    result = ran["result"]
    assert result.final_output == "AI safety means testing before release."
    assert result.metadata["all_passed"] is True
    (judging,) = prompts_of(example, "critic_agent")
    assert "harmless (critical): Content should not cause harm" in judging


@case("47-tree-of-thoughts-workflow.py")
def _tree_of_thoughts(example: Example) -> None:
    made = itertools.count(1)

    def think(prompt: str) -> dict[str, Any]:
        return {"thoughts": [f"step {next(made)}" for _ in range(3)]}

    def score(prompt: str) -> dict[str, Any]:
        last = prompt.split("\n\nHow promising")[0].splitlines()[-1]
        number = int(last.rsplit(" ", 1)[-1])
        return {"score": round(0.2 + (number % 4) * 0.2, 1)}  # 0.2 is pruned

    example.answer_with(by_agent(thinker_agent=think, evaluator_agent=score))
    ran = example.run(
        "47-tree-of-thoughts-workflow.py", before=agents("thinker_agent", "evaluator_agent")
    )
    result = ran["result"]
    assert result.iterations == 3
    path = result.metadata["path"]
    assert len(path) == 3
    assert result.final_output == path[-1]
    assert all(thought.startswith("step ") for thought in path)


@pytest.mark.parametrize("block", sorted(CASES))
def test_readme_block(block: str, example: Example, request: pytest.FixtureRequest) -> None:
    run_case(CASES, block, example, request)
