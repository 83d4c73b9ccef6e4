"""The workflow catalogue and ``build_workflows``: every pattern by name, with default agents,
run through the composition root."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import llmgine.workflows
from llmgine.bootstrap import (
    WORKFLOW_PATTERNS,
    AgentKit,
    PatternCatalogue,
    PatternEntry,
    UnknownPatternError,
    build_bus,
    build_workflows,
)
from llmgine.config import load_settings
from llmgine.llm import LLMRequest
from llmgine.testing import FakeLLMServer, FunctionProvider, text
from llmgine.workflows import (
    RAG,
    AgentExecutor,
    Constitutional,
    Debate,
    DebateConfig,
    MapReduce,
    MixtureOfExperts,
    Pipeline,
    Workflow,
    WorkflowConfigError,
)


def add(a: int, b: int) -> int:
    """Adds two numbers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


def find(question: str) -> list[str]:
    """Finds passages.

    Args:
        question: what to find.
    """
    return [question]


def exported_patterns() -> dict[str, type[Workflow[llmgine.workflows.PipelineConfig]]]:
    found = {}
    for name in llmgine.workflows.__all__:
        value = getattr(llmgine.workflows, name)
        if isinstance(value, type) and issubclass(value, Workflow) and value is not Workflow:
            found[value.pattern] = value
    return found


def test_every_pattern_the_package_exports_has_an_entry() -> None:
    missing = sorted(set(exported_patterns()) - set(WORKFLOW_PATTERNS.names))
    assert not missing, (
        f"add a PatternEntry for {missing} to llmgine/bootstrap/_patterns.py, so that "
        "`llmgine workflow` can run it"
    )


@pytest.mark.parametrize("entry", list(WORKFLOW_PATTERNS), ids=lambda e: e.name)
def test_each_entry_builds_its_pattern_with_the_kits_agents(entry: PatternEntry[object]) -> None:
    kit = AgentKit(
        load_settings(max_tool_iterations=3), model="openai:gpt-4o", tools=[add], retriever=find
    )
    workflow = entry.make(kit)
    assert workflow.pattern == entry.name
    assert isinstance(workflow, exported_patterns()[entry.name])
    assert workflow.config == entry.config
    agents = list(workflow.agents())
    assert agents
    for agent in agents:
        assert (agent.model, agent.tool_names, agent.max_tool_iterations) == (
            "openai:gpt-4o", ("add",), 3
        )  # fmt: skip
        assert agent.system_prompt
    assert entry.summary
    assert entry.takes
    assert "\n" not in entry.summary


def test_options_change_the_config_and_are_validated_by_it() -> None:
    debate = WORKFLOW_PATTERNS.get("debate")
    workflow = debate.make(AgentKit(), {"max_rounds": 1, "detect_consensus": True})
    assert isinstance(workflow, Debate)
    assert workflow.config == DebateConfig(max_rounds=1, detect_consensus=True)
    assert debate.options == {"max_rounds": 3, "parallel_rounds": False, "detect_consensus": False}

    with pytest.raises(WorkflowConfigError, match="no option 'rounds'; its options are max_r"):
        debate.make(AgentKit(), {"rounds": 2})
    with pytest.raises(ValidationError, match="max_rounds"):
        debate.make(AgentKit(), {"max_rounds": 0})
    with pytest.raises(ValidationError, match="must be smaller than chunk_size"):
        WORKFLOW_PATTERNS.get("map_reduce").make(AgentKit(), {"chunk_size": 100})


def test_every_option_of_an_entry_can_be_set_even_those_that_change_its_roles() -> None:
    experts = WORKFLOW_PATTERNS.get("mixture_of_experts")
    for options, roles in [
        ({}, {"router", "combiner"}),
        ({"routing": "all"}, {"combiner"}),  # no top_k carried over: 'all' refuses one
        ({"routing": "keyword", "combine": "concatenate"}, set()),
    ]:
        workflow = experts.make(AgentKit(), options)
        assert isinstance(workflow, MixtureOfExperts)
        assert set(workflow.roles) - {"scientist", "engineer", "economist", "historian"} == roles
        assert workflow.config.model_dump(include=set(options)) == options
    summarise = WORKFLOW_PATTERNS.get("map_reduce")
    concatenated = summarise.make(AgentKit(), {"reduce": "concatenate"})
    assert concatenated.roles["reducer"] is concatenated.roles["mapper"]  # no reducer given
    assert concatenated.config.chunk_size == 4000  # the entry's own defaults stay
    constitution = WORKFLOW_PATTERNS.get("constitutional")
    workflow = constitution.make(AgentKit(), {"max_revisions": 0})
    assert isinstance(workflow, Constitutional)
    assert [(p.name, p.severity) for p in workflow.config.principles] == [
        ("accurate", "error"), ("clear", "error"), ("harmless", "critical"),
        ("concise", "warning"),
    ]  # fmt: skip
    talk = WORKFLOW_PATTERNS.get("round_robin").make(AgentKit(), {"allow_repeats": True})
    assert talk.config.allow_repeats  # allowed, as the default round-robin has a selector
    assert "selector" in talk.roles


def test_a_pattern_that_acts_needs_tools_and_one_that_retrieves_a_retriever() -> None:
    with pytest.raises(WorkflowConfigError, match="--tool MODULE:FUNCTION"):
        WORKFLOW_PATTERNS.get("react").make(AgentKit())
    with pytest.raises(WorkflowConfigError, match="no retriever was given; give the kit ret"):
        WORKFLOW_PATTERNS.get("rag").make(AgentKit(tools=[add]))
    rag = WORKFLOW_PATTERNS.get("rag").make(AgentKit(retriever=find))
    assert isinstance(rag, RAG)
    assert rag.retriever.name == "find"


def test_names_are_found_with_dashes_and_unknown_ones_list_the_known() -> None:
    assert WORKFLOW_PATTERNS.get("Map-Reduce").name == "map_reduce"
    with pytest.raises(UnknownPatternError) as caught:
        WORKFLOW_PATTERNS.get("debat")
    assert str(caught.value) == (
        "no workflow pattern 'debat' (did you mean 'debate'?); the patterns are: "
        + ", ".join(WORKFLOW_PATTERNS.names)
    )
    with pytest.raises(LookupError, match="no workflow pattern 'zzz'; the patterns are"):
        WORKFLOW_PATTERNS.get("zzz")


def test_a_catalogue_of_ones_own_takes_one_entry_per_pattern() -> None:
    mine = WORKFLOW_PATTERNS.copy()
    entry = PatternEntry(
        "duo",
        "two writers, one after the other",
        "a topic",
        llmgine.workflows.PipelineConfig(),
        lambda kit, config: Pipeline(
            [kit.agent("first", "Write."), kit.agent("second", "Rewrite.")], config, name="duo"
        ),
    )
    mine.add(entry)
    assert "duo" in mine
    assert "duo" not in WORKFLOW_PATTERNS
    assert len(mine) == len(WORKFLOW_PATTERNS) + 1
    with pytest.raises(ValueError, match="has a 'duo' pattern already"):
        mine.add(entry)
    assert [e.name for e in PatternCatalogue([entry])] == ["duo"]


async def test_build_workflows_runs_a_catalogue_pattern_on_the_given_model() -> None:
    def model(request: LLMRequest) -> str:
        return f"{request.messages[0].content.split('.')[0]}."

    settings = load_settings(jsonl_log=False)
    async with build_bus(settings) as bus:
        runtime = build_workflows(bus, settings, model=FunctionProvider(model))
        async with runtime:
            workflow = WORKFLOW_PATTERNS.get("debate").make(AgentKit(settings), {"max_rounds": 1})
            result = await runtime.run(workflow, "Tea or coffee?")
        assert not runtime.engine.running  # the runtime started its engine, and stopped it
    assert result.reason == "completed"
    assert [s.executor for s in result.steps] == ["Proponent", "Opponent", "Judge"]
    assert result.output == "You judge a debate."


async def test_build_workflows_takes_the_model_and_its_key_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeLLMServer([text("Notes."), text("Draft."), text("Final.")]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-workflows")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        monkeypatch.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "1")
        settings = load_settings(log_dir=tmp_path)
        async with build_bus(settings) as bus:
            async with build_workflows(bus, settings) as runtime:
                pipeline = WORKFLOW_PATTERNS.get("pipeline").make(AgentKit(settings))
                result = await runtime.run(pipeline, "Tides")
        asked = server.requests
    assert (result.reason, result.output) == ("completed", "Final.")
    assert [r.model for r in asked] == ["gpt-4o-mini"] * 3
    assert {r.api_key for r in asked} == {"sk-test-workflows"}
    assert asked[0].messages[-1]["content"] == "Tides"
    assert result.usage.cost_usd is not None
    assert result.usage.cost_usd > 0
    stages = [s.executor for s in result.steps]
    assert stages == ["researcher", "writer", "editor"]
    assert isinstance(pipeline, Pipeline)
    assert all(isinstance(e, AgentExecutor) for e in pipeline.roles.values())
    assert isinstance(WORKFLOW_PATTERNS.get("map_reduce").make(AgentKit()), MapReduce)


async def test_on_the_offline_stand_in_the_patterns_that_read_json_replies_fail() -> None:
    """What docs/workflows.md says of running offline."""

    def calculate(expression: str) -> str:
        """Evaluates arithmetic.

        Args:
            expression: the arithmetic, e.g. "2 + 3".
        """
        return "5" if expression.replace(" ", "") == "2+3" else "?"

    settings = load_settings(jsonl_log=False)
    kit = AgentKit(settings, tools=[calculate], retriever=find)
    completed = set()
    async with build_bus(settings) as bus:
        async with build_workflows(bus, settings, model="offline:stand-in") as runtime:
            for entry in WORKFLOW_PATTERNS:
                tools = entry.needs_tools
                workflow = entry.make(kit if tools else AgentKit(settings, retriever=find))
                result = await runtime.run(workflow, "What is 2+3?")
                if result.completed:
                    completed.add(entry.name)
                else:
                    assert result.reason == "failed", (entry.name, result.error)
    assert completed == {"pipeline", "debate", "map_reduce", "react", "socratic", "round_robin"}
