"""Every pattern of the catalogue through ``llmgine workflow run``, as a user runs it: its
default agents on a fake model server that replies as each agent is asked to (the JSON
objects of judges, voters, planners and routers included), the answer on stdout and the
summary on stderr."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from llmgine.bootstrap import WORKFLOW_PATTERNS, AgentKit
from llmgine.testing import FakeLLMServer, RecordedRequest, Step, text, tool_call
from tests.cli.test_workflow import keyed, workflow
from tests.docs._blocks import claim
from tests.gmn._generation import run_cli
from tests.programs._chat import REPO


def count(words: str) -> int:
    """Counts words.

    Args:
        words: the text.
    """
    return len(words.split())


KIT = AgentKit(tools=[count], retriever=count)
AGENTS = {
    agent.system_prompt: agent.name
    for entry in WORKFLOW_PATTERNS
    for agent in entry.make(KIT).agents()
}
"""Each default agent's name by its system prompt: how the fake server knows who asks."""

PAGE = REPO / "docs" / "workflows.md"
[COMMANDS] = claim(
    PAGE,
    re.findall(
        r"```bash\n(.*?)```",
        PAGE.read_text().split("## From the command line", 1)[1].split("\n## ", 1)[0],
        flags=re.DOTALL,
    ),
)
"""The commands of the page's section on the command line, run by a test below."""
PRINCIPLE = re.compile(r"^- (\w+) \((?:warning|error|critical)\):", re.MULTILINE)
NOTES = (
    "# Tides\n\nThe Moon pulls the sea into two bulges.\n\n"
    "High tide comes every 12 hours 25 minutes.\n\n# Bread\n\nBake bread at 230 C.\n"
)


def who(request: RecordedRequest) -> str:
    """The agent asking (the engine adds the tools it offers to its system prompt)."""
    system = str(request.messages[0]["content"])
    return AGENTS[system.split("\n\nYou can call these tools:")[0]]


def reply(request: RecordedRequest) -> Step:
    """What each agent says: the JSON object its prompt asks for, else who it is."""
    agent = who(request)
    prompt = str(request.messages[-1]["content"])
    if request.tools and "Observation:" not in prompt:
        return tool_call("calculate", {"expression": "2 + 3"})
    answer: object = f"{agent} wrote this."
    if '"verdicts"' in prompt:
        names = PRINCIPLE.findall(prompt)
        answer = {"verdicts": [{"principle": n, "verdict": "pass"} for n in names]}
    elif '"new_entities"' in prompt:
        answer = {
            "new_entities": [] if "The current summary" in prompt else ["Moon"],
            "summary": "The Moon pulls the sea.",
        }
    elif '{"score": <a number from 0 to 1, where' in prompt:
        answer = {"score": 0.9, "feedback": "Good."}
    elif '{"score": <a number from 0 to 1>}' in prompt:
        answer = {"score": 0.7}
    elif '"thoughts"' in prompt:
        answer = {"thoughts": ["First try.", "Second try."]}
    elif '"supported"' in prompt:
        answer = {"supported": True, "problems": []}
    elif '"speaker"' in prompt:
        answer = {"speaker": "Skeptic"}
    elif '"proposal"' in prompt:
        answer = {"proposal": 1, "reason": "It is the clearest."}
    elif '"subtasks"' in prompt:
        answer = {
            "subtasks": [
                {"task": "Find the facts.", "worker": "researcher"},
                {"task": "Write them up.", "worker": "writer"},
            ]
        }
    elif '"experts"' in prompt:
        answer = {"experts": ["scientist", "economist"]}
    return text(answer if isinstance(answer, str) else json.dumps(answer), usage=(20, 10))


ANSWERS = {
    "chain_of_density": ("The Moon pulls the sea.", ["summariser"] * 2),
    "consensus": ("Analyst wrote this.", ["Analyst", "Creative", "Pragmatist"] * 2),
    "constitutional": ("writer wrote this.", ["writer", "reviewer"]),
    "debate": ("Judge wrote this.", ["Proponent", "Opponent"] * 3 + ["Judge"]),
    "hierarchical": ("manager wrote this.", ["manager", "researcher", "writer", "manager"]),
    "iterative_refinement": ("writer wrote this.", ["writer", "fact checker", "stylist"]),
    "map_reduce": ("summariser wrote this.", ["summariser"]),
    "mixture_of_experts": (
        "combiner wrote this.",
        ["router", "scientist", "economist", "combiner"],
    ),
    "pipeline": ("editor wrote this.", ["researcher", "writer", "editor"]),
    "rag": ("answerer wrote this.\n\nSources: notes.md:5", ["answerer", "fact checker"]),
    "react": ("reasoner wrote this.", ["reasoner", "reasoner"]),
    "reflection": ("writer wrote this.", ["writer", "reviewer"]),
    "round_robin": (
        "summariser wrote this.",
        [*["moderator", "Skeptic", "moderator", "Pragmatist"] * 3, "summariser"],
    ),
    "socratic": (
        "synthesizer wrote this.",
        ["questioner", "respondent", "questioner", "synthesizer"],
    ),
    "tree_of_thoughts": ("First try.", ["thinker"] * 5 + ["evaluator"] * 10),
}
"""Per pattern: the answer, and the agents asked, in the order the server heard them
(parallel steps aside, compared as a multiset below)."""

SUMMARY = re.compile(
    r"\[(\w+) completed · openai:gpt-4o-mini · (\d+) steps? · (\d+) model calls? "
    r"(?:· (\d+) tool calls? )?· [\d,]+ tokens \([\d,]+ in, [\d,]+ out\) · \$\d+\.\d{6} · "
    r"\d+\.\d\d s\]"
)


def test_every_pattern_is_exercised_below() -> None:
    assert sorted(ANSWERS) == WORKFLOW_PATTERNS.names


@pytest.mark.parametrize("name", WORKFLOW_PATTERNS.names)
def test_each_pattern_runs_with_its_default_agents_and_prints_its_summary(
    name: str, tmp_path: Path
) -> None:
    (tmp_path / "notes.md").write_text(NOTES)
    question = "How often is high tide?"
    extra = ["--tool", "programs.function_chat:calculate"] if name == "react" else []
    with FakeLLMServer(responder=reply) as server:
        done = workflow(
            "run", name, "--input", question, *extra, cwd=tmp_path, env=keyed(server)
        )  # fmt: skip
        asked = [who(r) for r in server.requests]
    assert done.returncode == 0, done.stderr
    answer, agents = ANSWERS[name]
    assert done.stdout == answer + "\n"
    if name in ("debate", "pipeline", "socratic", "reflection", "react", "chain_of_density"):
        assert asked == agents  # one step after the other
    else:
        assert sorted(asked) == sorted(agents)
    lines = done.stderr.splitlines()
    summary = SUMMARY.fullmatch(lines[-1])
    assert summary is not None, lines[-1]
    assert (summary[1], int(summary[3])) == (name, len(asked))
    assert re.fullmatch(rf"{name} completed · {summary[2]} steps? · \S+ m?s", lines[-2])
    if name in ("rag", "react"):
        assert summary[4] == "1"  # the retrieval, the calculation


@pytest.mark.timeout(240)  # six runs of the command, each a process of its own
def test_the_commands_of_the_docs_run_as_written(tmp_path: Path) -> None:
    commands = [shlex.split(line) for line in COMMANDS.splitlines() if line.strip()]
    assert {tuple(c[1:3]) for c in commands if c[1] == "workflow"} >= {
        ("workflow", "list"), ("workflow", "run")
    }  # fmt: skip
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "tides.md").write_text(NOTES)
    with FakeLLMServer(responder=reply) as server:
        for command in commands:
            assert command[0] == "llmgine"
            done = run_cli(
                *command[1:], cwd=tmp_path, env={"PYTHONPATH": str(REPO)} | keyed(server)
            )
            assert done.returncode == 0, f"{shlex.join(command)}\n{done.stderr}"
            assert "Traceback" not in done.stderr
    assert "workflow rag" in done.stdout  # logs show latest: the RAG run, as a tree
