"""The control flow of the patterns that retrieve, choose, vote, delegate, route and
search, as pure functions: no event loop, no bus."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest
from pydantic import ValidationError

from llmgine.workflows import (
    AgentStep,
    ConsensusConfig,
    Decision,
    Fail,
    Finish,
    HierarchicalConfig,
    MixtureOfExpertsConfig,
    RAGConfig,
    RoundRobinConfig,
    RunSteps,
    StepRecord,
    ToolStep,
    TreeOfThoughtsConfig,
    decide_consensus,
    decide_hierarchical,
    decide_mixture_of_experts,
    decide_rag,
    decide_round_robin,
    decide_tree_of_thoughts,
)
from llmgine.workflows._replies import Malformed, StrictReply, parse_reply

Say = Callable[[AgentStep | ToolStep], str | None]
"""The output of a step, or None for a step that failed."""


def drive(
    decide: Callable[[Sequence[StepRecord]], Decision], say: Say, limit: int = 200
) -> tuple[Decision, list[StepRecord]]:
    """Ask ``decide`` again and again, completing its steps with ``say``, until it ends."""
    steps: list[StepRecord] = []
    for _ in range(limit):
        decision = decide(steps)
        if not isinstance(decision, RunSteps):
            return decision, steps
        for spec in decision.steps:
            steps.append(record(spec, say(spec), len(steps) + 1))
    raise AssertionError(f"no end after {limit} decisions")


def record(spec: AgentStep | ToolStep, output: str | None, index: int) -> StepRecord:
    if isinstance(spec, ToolStep):
        role, executor, kind, text = "tool", spec.call.name, "tool", spec.call.arguments
    else:
        role, executor, kind, text = spec.role, spec.role, "agent", spec.input
    ok = output is not None
    return StepRecord(
        index=index, role=role, executor=executor, kind=kind, tags=dict(spec.tags), input=text,
        status="completed" if ok else "failed", output=output or "",
        error=None if ok else "boom", error_kind=None if ok else "server_error",
    )  # fmt: skip


def agent_steps(decision: Decision) -> list[AgentStep]:
    assert isinstance(decision, RunSteps), decision
    return [step for step in decision.steps if isinstance(step, AgentStep)]


def by_role(replies: dict[str, Any]) -> Say:
    """Answers by role: a fixed text, a list played in order, or a function of the step."""
    queues = {role: iter(r) for role, r in replies.items() if isinstance(r, list)}

    def say(spec: AgentStep | ToolStep) -> str | None:
        role = spec.role if isinstance(spec, AgentStep) else "tool"
        reply = next(queues[role]) if role in queues else replies[role]
        return cast("str | None", reply(spec) if callable(reply) else reply)

    return say


def meta(end: Decision) -> Any:
    """The metadata of a run's end, to look into."""
    assert isinstance(end, Finish | Fail), end
    return end.metadata


def as_json(value: Any) -> str:
    return json.dumps(value)


# -- structured replies ------------------------------------------------------------------


class _Pick(StrictReply):
    number: int


@pytest.mark.parametrize(
    ("reply", "read"),
    [
        ('{"number": 2}', 2),
        ('  ```json\n{"number": 2}\n```  ', 2),
        ('```\n{"number": 2}\n```', 2),
        ("I pick 2", None),
        ('Sure! {"number": 2}', None),
        ('{"number": "2"}', None),  # no conversion
        ('{"number": 2, "why": "x"}', None),  # no other keys
        ('{"number": 2', None),
        ("[2]", None),
    ],
)
def test_a_structured_reply_is_read_strictly(reply: str, read: int | None) -> None:
    result = parse_reply(reply, _Pick)
    if read is None:
        assert isinstance(result, Malformed)
        assert result.reason
    else:
        assert result == _Pick(number=read)


# -- RAG ---------------------------------------------------------------------------------

PASSAGES = [
    {"content": "Tides follow the moon.", "source": "moon.md", "score": 0.9},
    "Spring tides are larger.",
    {"content": "The moon is 384,400 km away.", "source": "moon.md"},
    {"content": "Neap tides are smaller.", "source": "neap.md"},
]


def rag(config: RAGConfig, replies: dict[str, Any], verified: bool = False) -> Any:
    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_rag(config, "search", "query", verified, "Why tides?", steps)

    return drive(decide, by_role(replies))


def test_rag_retrieves_through_its_tool_then_answers_from_numbered_passages() -> None:
    first = decide_rag(RAGConfig(), "search", "query", False, "Why tides?", [])
    assert isinstance(first, RunSteps)
    (call,) = first.steps
    assert isinstance(call, ToolStep)
    assert (call.call.name, json.loads(call.call.arguments)) == ("search", {"query": "Why tides?"})
    end, steps = rag(
        RAGConfig(max_passages=3), {"tool": as_json(PASSAGES), "generator": "The moon [1]."}
    )
    prompt = steps[1].input
    assert "[1] (moon.md) Tides follow the moon." in prompt
    assert "[2] (passage 2) Spring tides are larger." in prompt
    assert "[3] (moon.md) The moon is 384,400 km away." in prompt
    assert "Neap" not in prompt  # beyond max_passages
    assert isinstance(end, Finish)
    # Sources in passage order, each once: the same on every run.
    assert end.output == "The moon [1].\n\nSources: moon.md, passage 2"
    assert end.metadata == {
        "passages": 3,
        "sources": ["moon.md", "passage 2"],
        "verification": None,
        "problems": [],
    }


def test_rag_can_leave_the_sources_out_of_the_answer() -> None:
    end, _ = rag(RAGConfig(cite_sources=False), {"tool": as_json(PASSAGES), "generator": "A."})
    assert isinstance(end, Finish)
    assert end.output == "A."
    assert meta(end)["sources"] == ["moon.md", "passage 2", "neap.md"]


def test_rag_without_passages_answers_saying_so_or_fails() -> None:
    end, steps = rag(RAGConfig(), {"tool": "[]", "generator": "From memory."})
    assert "No passages were found" in steps[1].input
    assert isinstance(end, Finish)
    assert end.output == "From memory."
    end, steps = rag(RAGConfig(without_passages="fail"), {"tool": "[]"})
    assert isinstance(end, Fail)
    assert "no passages" in end.error
    assert len(steps) == 1


@pytest.mark.parametrize("result", ['{"content": "x"}', "[1, 2]", '[{"text": "x"}]', "not json"])
def test_a_retrieval_result_that_is_not_a_list_of_passages_fails_the_run(result: str) -> None:
    end, _ = rag(RAGConfig(), {"tool": result})
    assert isinstance(end, Fail)
    assert "retriever" in end.error


def test_a_failed_retrieval_or_answer_fails_the_run() -> None:
    end, _ = rag(RAGConfig(), {"tool": None})
    assert isinstance(end, Fail)
    assert "the retrieval" in end.error
    end, _ = rag(RAGConfig(), {"tool": "[]", "generator": None})
    assert isinstance(end, Fail)
    assert "the answer" in end.error


SUPPORTED = as_json({"supported": True, "problems": []})
UNSUPPORTED = as_json({"supported": False, "problems": ["384,400 km is not about tides"]})


def test_the_verifier_checks_the_answer_against_the_passages() -> None:
    replies = {"tool": as_json(PASSAGES), "generator": "The moon [1].", "verifier": SUPPORTED}
    end, steps = rag(RAGConfig(), replies, verified=True)
    assert [s.role for s in steps] == ["tool", "generator", "verifier"]
    assert "Answer to check:\nThe moon [1]." in steps[2].input
    assert "[1] (moon.md) Tides follow the moon." in steps[2].input
    assert isinstance(end, Finish)
    assert meta(end)["verification"] == "supported"


@pytest.mark.parametrize(
    ("verdict", "verification"),
    [
        (UNSUPPORTED, "unsupported"),
        ("Looks supported to me.", "malformed"),
        ('{"supported": "yes"}', "malformed"),
        (None, "failed"),
    ],
)
def test_an_answer_not_verified_fails_the_run_or_is_flagged(
    verdict: str | None, verification: str
) -> None:
    replies = {"tool": as_json(PASSAGES), "generator": "The moon.", "verifier": verdict}
    end, _ = rag(RAGConfig(), replies, verified=True)
    assert isinstance(end, Fail)
    assert f"not verified ({verification})" in end.error
    assert meta(end)["verification"] == verification
    end, _ = rag(RAGConfig(on_unsupported="flag"), replies, verified=True)
    assert isinstance(end, Finish)
    assert end.output.startswith("The moon.")
    assert meta(end)["verification"] == verification


def test_an_answer_without_passages_cannot_be_verified() -> None:
    end, steps = rag(RAGConfig(), {"tool": "[]", "generator": "Guess."}, verified=True)
    assert [s.role for s in steps] == ["tool", "generator"]  # nothing to check against
    assert isinstance(end, Fail)
    assert meta(end)["verification"] == "unverifiable"


# -- round-robin -------------------------------------------------------------------------

CAST = {"Ada": "mathematician", "Bo": "editor", "Cy": "critic"}


def round_robin(
    config: RoundRobinConfig, replies: dict[str, Any], **roles: bool
) -> tuple[Decision, list[StepRecord]]:
    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_round_robin(config, CAST, "Name the cat.", steps, **roles)

    return drive(decide, by_role(replies))


def said(spec: AgentStep | ToolStep) -> str:
    assert isinstance(spec, AgentStep)
    return f"{spec.role}@{spec.tags['turn']}"


def test_without_a_selector_participants_speak_in_order_each_round() -> None:
    end, steps = round_robin(
        RoundRobinConfig(max_rounds=2), dict.fromkeys(CAST, said) | {"synthesizer": "Tom."},
        synthesizer=True,
    )  # fmt: skip
    assert [s.role for s in steps] == ["Ada", "Bo", "Cy", "Ada", "Bo", "Cy", "synthesizer"]
    assert [s.tags.get("iteration") for s in steps[:6]] == [1, 1, 1, 2, 2, 2]
    assert "Nobody has spoken yet." in steps[0].input
    assert "[Turn 1] Ada: Ada@1" in steps[1].input
    assert "turn 4 of at most 6" in steps[3].input
    assert all(f"@{n}" in steps[6].input for n in range(1, 7))
    assert isinstance(end, Finish)
    assert end.output == "Tom."
    assert end.metadata == {
        "turns": 6,
        "speakers": ["Ada", "Bo", "Cy", "Ada", "Bo", "Cy"],
        "ended_by": "limit",
        "fallbacks": [],
    }


def test_a_window_shows_only_the_latest_contributions() -> None:
    _, steps = round_robin(RoundRobinConfig(max_rounds=1, window=1), dict.fromkeys(CAST, said))
    assert "latest 1 contributions" in steps[2].input
    assert "Bo@2" in steps[2].input
    assert "Ada@1" not in steps[2].input


def choose(*names: str | None) -> list[str]:
    return [as_json({"speaker": name}) for name in names]


def test_the_selector_chooses_each_speaker_and_may_end_the_talk() -> None:
    replies = dict.fromkeys(CAST, said) | {"selector": choose("Cy", "Ada", None)}
    end, steps = round_robin(RoundRobinConfig(), replies, selector=True)
    assert [s.role for s in steps] == ["selector", "Cy", "selector", "Ada", "selector"]
    assert "- Bo: editor" in steps[0].input
    assert "Cy spoke last and may not speak again now" in steps[2].input
    assert isinstance(end, Finish)
    assert meta(end)["ended_by"] == "selector"
    assert meta(end)["speakers"] == ["Cy", "Ada"]
    assert end.output == "[Turn 1] Cy: Cy@1\n\n[Turn 2] Ada: Ada@2"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (choose("Bo")[0], "named 'Bo', who spoke last"),
        ("Cy, clearly", "malformed"),
        (as_json({"speaker": "Zed"}), "named no participant: 'Zed'"),
        (None, "the selector's call failed"),
    ],
)
def test_a_choice_that_cannot_be_followed_passes_the_turn_on_in_order(
    reply: str | None, reason: str
) -> None:
    replies = dict.fromkeys(CAST, said) | {"selector": [*choose("Bo"), reply, *choose(None)]}
    end, steps = round_robin(RoundRobinConfig(), replies, selector=True)
    assert [s.role for s in steps if s.role != "selector"] == ["Bo", "Cy"]  # after Bo: Cy
    assert isinstance(end, Finish)
    (fallback,) = meta(end)["fallbacks"]
    assert fallback["turn"] == 2
    assert reason in fallback["reason"]


def test_repeats_are_followed_when_allowed_and_the_talk_cannot_end_before_it_starts() -> None:
    replies = dict.fromkeys(CAST, said) | {"selector": choose(None, "Bo", "Bo", None)}
    end, steps = round_robin(RoundRobinConfig(allow_repeats=True), replies, selector=True)
    assert [s.role for s in steps if s.role != "selector"] == ["Ada", "Bo", "Bo"]
    assert "may not speak again" not in steps[-1].input
    assert isinstance(end, Finish)
    assert meta(end)["fallbacks"] == [
        {"turn": 1, "reason": "the selector ended the talk before anyone spoke"}
    ]


def test_a_selector_that_keeps_naming_the_last_speaker_never_repeats_it_and_ends() -> None:
    def last_speaker(spec: AgentStep | ToolStep) -> str:
        assert isinstance(spec, AgentStep)
        spoke = [line for line in spec.input.splitlines() if line.startswith("[Turn ")]
        name = spoke[-1].split("] ")[1].split(":")[0] if spoke else "Ada"
        return choose(name)[0]

    replies = dict.fromkeys(CAST, said) | {"selector": last_speaker}
    end, steps = round_robin(RoundRobinConfig(max_rounds=4), replies, selector=True)
    speakers = [s.role for s in steps if s.role != "selector"]
    assert len(speakers) == 12
    assert all(a != b for a, b in itertools.pairwise(speakers))
    assert isinstance(end, Finish)
    assert meta(end)["ended_by"] == "limit"
    assert len(meta(end)["fallbacks"]) == 11


def test_a_failed_contribution_or_synthesis_fails_the_round_robin() -> None:
    end, _ = round_robin(RoundRobinConfig(), {"Ada": "x", "Bo": None})
    assert isinstance(end, Fail)
    assert "the turn of 'Bo'" in end.error
    replies = dict.fromkeys(CAST, said) | {"synthesizer": None}
    end, _ = round_robin(RoundRobinConfig(max_rounds=1), replies, synthesizer=True)
    assert isinstance(end, Fail)
    assert "synthesis" in end.error


# -- consensus ---------------------------------------------------------------------------

PROPOSERS = ("Ann", "Ben", "Cat")


def ballot(number: int | None) -> str:
    return as_json({"proposal": number, "reason": "best"})


def consensus(
    config: ConsensusConfig, votes: Any, proposals: Any = None, voters: Sequence[str] = PROPOSERS
) -> tuple[Decision, list[StepRecord]]:
    """``votes``: per round, each voter's reply (in voter order)."""
    rounds = iter(votes)
    current: dict[str, Any] = {}

    def say(spec: AgentStep | ToolStep) -> str | None:
        assert isinstance(spec, AgentStep)
        if spec.tags["stage"] == "propose":
            current.clear()
            return proposals(spec) if proposals else f"plan of {spec.role} r{spec.tags['round']}"
        if not current:
            current.update(zip(voters, next(rounds), strict=True))
        return cast("str | None", current[spec.role])

    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_consensus(config, PROPOSERS, voters, "Pick a name.", steps)

    return drive(decide, say)


def test_proposals_then_votes_at_once_and_the_first_agreeing_round_wins() -> None:
    first = decide_consensus(ConsensusConfig(), PROPOSERS, PROPOSERS, "Pick a name.", [])
    assert [s.role for s in agent_steps(first)] == list(PROPOSERS)
    end, steps = consensus(ConsensusConfig(), [[ballot(2), ballot(2), ballot(1)]])
    assert [(s.role, s.tags["stage"]) for s in steps] == [
        ("Ann", "propose"), ("Ben", "propose"), ("Cat", "propose"),
        ("Ann", "vote"), ("Ben", "vote"), ("Cat", "vote"),
    ]  # fmt: skip
    vote_prompt = steps[3].input
    assert "Proposal 2:\nplan of Ben r1" in vote_prompt
    assert "Ben" not in vote_prompt.replace("plan of Ben", "")  # authors are not named
    assert isinstance(end, Finish)
    assert end.output == "plan of Ben r1"
    assert meta(end)["winner"] == "Ben"
    assert meta(end)["consensus"] is True
    assert meta(end)["agreement"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "reply",
    ["Vote: 2", "I vote for proposal 2.", '{"proposal": "2"}', '{"proposal": 4}', '{"vote": 2}'],
)
def test_a_vote_not_in_the_asked_form_is_malformed_and_never_counted(reply: str) -> None:
    end, _ = consensus(ConsensusConfig(max_rounds=1), [[ballot(2), reply, ballot(1)]])
    assert isinstance(end, Finish)
    assert meta(end)["consensus"] is False  # 1 of 3: the malformed one counts for none
    ballots = meta(end)["ballots"]
    assert ballots[1] == {"round": 1, "voter": "Ben", "vote": None, "status": "malformed"}


def test_abstaining_leaves_the_count_only_when_allowed() -> None:
    votes = [[ballot(2), ballot(None), ballot(2)]]
    end, _ = consensus(ConsensusConfig(strategy="unanimous", max_rounds=1), votes)
    assert meta(end)["consensus"] is False
    assert meta(end)["ballots"][1]["status"] == "malformed"
    config = ConsensusConfig(strategy="unanimous", max_rounds=1, allow_abstention=True)
    end, _ = consensus(config, votes)
    assert meta(end)["consensus"] is True
    assert meta(end)["ballots"][1]["status"] == "abstained"


VOTES = [ballot(1), ballot(1), ballot(2)]  # Ann and Ben for 1, Cat for 2


@pytest.mark.parametrize(
    ("config", "agreed", "winner"),
    [
        (ConsensusConfig(max_rounds=1), True, "Ann"),  # 2 of 3 > 1/2
        (ConsensusConfig(max_rounds=1, min_agreement=0.7), False, "Ann"),
        (ConsensusConfig(strategy="unanimous", max_rounds=1), False, "Ann"),
        (
            ConsensusConfig(strategy="weighted", weights={"Cat": 3.0}, max_rounds=1),
            True, "Ben",  # Cat's 3 of 5 > 1/2, for Ben's proposal
        ),
        (ConsensusConfig(strategy="weighted", weights={"Cat": 2.0}, max_rounds=1), False, "Ann"),
    ],
)  # fmt: skip
def test_the_strategies_agree_on_different_ballots(
    config: ConsensusConfig, agreed: bool, winner: str
) -> None:
    end, _ = consensus(config, [VOTES])
    assert isinstance(end, Finish)
    assert meta(end)["consensus"] is agreed
    assert meta(end)["winner"] == winner  # the leader; ties to the lower number


def test_rounds_go_on_until_agreement_showing_the_last_round() -> None:
    votes = [[ballot(1), ballot(2), ballot(3)], [ballot(3), ballot(3), ballot(3)]]
    end, steps = consensus(ConsensusConfig(strategy="unanimous"), votes)
    assert len(steps) == 12
    second = [s for s in steps if s.tags == {"round": 2, "stage": "propose", "iteration": 2}]
    assert len(second) == 3
    assert "Round 1 reached no agreement" in second[0].input
    assert "Proposal 3 (1 votes):\nplan of Cat r1" in second[0].input
    assert isinstance(end, Finish)
    assert end.output == "plan of Cat r2"
    assert meta(end)["rounds"] == 2
    assert len(meta(end)["ballots"]) == 6


def test_without_agreement_the_last_leader_wins_marked_or_the_run_fails() -> None:
    split = [[ballot(1), ballot(2), ballot(3)]] * 2
    end, steps = consensus(ConsensusConfig(max_rounds=2), split)
    assert len(steps) == 12
    assert isinstance(end, Finish)
    assert (end.output, meta(end)["consensus"]) == ("plan of Ann r2", False)
    end, _ = consensus(ConsensusConfig(max_rounds=2, on_no_agreement="fail"), split)
    assert isinstance(end, Fail)
    assert "no agreement after 2 round(s)" in end.error
    end, _ = consensus(ConsensusConfig(max_rounds=1), [["?", "?", "?"]])
    assert isinstance(end, Fail)
    assert "no proposal got a vote" in end.error


def test_a_failed_proposal_is_left_out_of_the_vote() -> None:
    def propose(spec: AgentStep) -> str | None:
        return None if spec.role == "Ann" else f"plan of {spec.role}"

    end, steps = consensus(ConsensusConfig(), [[ballot(1)] * 3], proposals=propose)
    assert "Proposal 2:\nplan of Cat" in steps[3].input
    assert "Proposal 3" not in steps[3].input
    assert isinstance(end, Finish)
    assert end.output == "plan of Ben"
    end, _ = consensus(ConsensusConfig(), [], proposals=lambda spec: None)
    assert isinstance(end, Fail)
    assert "every proposal of round 1 failed" in end.error


def test_separate_voters_vote() -> None:
    end, steps = consensus(ConsensusConfig(), [[ballot(3), ballot(3)]], voters=("Vi", "Wu"))
    assert [s.role for s in steps if s.tags["stage"] == "vote"] == ["Vi", "Wu"]
    assert isinstance(end, Finish)
    assert end.output == "plan of Cat r1"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"strategy": "weighted"}, "needs weights"),
        ({"weights": {"Ann": 2.0}}, "weighted strategy only"),
        ({"strategy": "weighted", "weights": {"Ann": 0.0}}, "above 0"),
        ({"strategy": "unanimous", "min_agreement": 0.5}, "does not apply"),
        ({"min_agreement": 1.0}, "less than 1"),
    ],
)
def test_a_bad_consensus_config_is_refused_when_built(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        ConsensusConfig(**fields)


# -- hierarchical ------------------------------------------------------------------------

WORKERS = {"writer": "writes prose", "coder": "writes code"}


def plan(*subtasks: tuple[str, str | None]) -> str:
    return as_json({"subtasks": [{"task": t} | ({"worker": w} if w else {}) for t, w in subtasks]})


def hierarchical(
    config: HierarchicalConfig, replies: dict[str, Any]
) -> tuple[Decision, list[StepRecord]]:
    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_hierarchical(config, WORKERS, "Ship the release.", steps)

    def work(spec: AgentStep | ToolStep) -> str:
        assert isinstance(spec, AgentStep)
        return f"{spec.role} did {spec.tags['subtask']}"

    return drive(decide, by_role(dict.fromkeys(WORKERS, work) | replies))


def test_the_manager_plans_workers_run_at_once_and_the_synthesizer_combines() -> None:
    the_plan = plan(("notes", "writer"), ("build", "coder"), ("changelog", None), ("tag", None))
    config = HierarchicalConfig(max_parallel=2)
    end, steps = hierarchical(config, {"manager": the_plan, "synthesizer": "Shipped."})
    assert "- coder: writes code" in steps[0].input
    work = decide_hierarchical(config, WORKERS, "Ship the release.", steps[:1])
    assert isinstance(work, RunSteps)
    assert work.max_parallel == 2
    assert [(s.role, s.tags["subtask"]) for s in agent_steps(work)] == [
        ("writer", 1), ("coder", 2), ("writer", 3), ("coder", 4),  # unassigned: in turn
    ]  # fmt: skip
    assert "Your subtask (2 of 4): build" in agent_steps(work)[1].input
    assert steps[-1].role == "synthesizer"
    assert "[Subtask 3, by writer] changelog\nResult: writer did 3" in steps[-1].input
    assert isinstance(end, Finish)
    assert end.output == "Shipped."
    assert meta(end)["plan_attempts"] == 1
    assert meta(end)["subtasks"][1] == {
        "task": "build", "worker": "coder", "status": "completed",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("1. notes\n2. build", "not a JSON object"),
        (plan(("a", "designer")), "no worker named 'designer'"),
        (plan(*[("a", None)] * 4), "1 to 3 subtasks, not 4"),
        (as_json({"subtasks": []}), "1 to 3 subtasks, not 0"),
        (as_json({"subtasks": [{"task": ""}]}), "at least 1 character"),
    ],
)
def test_a_malformed_plan_is_shown_to_the_manager_then_fails_the_run(
    reply: str, reason: str
) -> None:
    config = HierarchicalConfig(max_subtasks=3, plan_attempts=2)
    end, steps = hierarchical(config, {"manager": [reply, plan(("notes", "writer"))]})
    assert [s.role for s in steps] == ["manager", "manager", "writer"]
    assert f"Your last plan could not be used: {reason}" in steps[1].input or reason in (
        steps[1].input
    )
    assert isinstance(end, Finish)
    assert end.output == "writer did 1"  # one subtask: its result is the answer
    end, steps = hierarchical(config, {"manager": [reply, reply]})
    assert isinstance(end, Fail)
    assert "malformed after 2 attempt(s)" in end.error
    assert reason in end.error


def test_a_failed_subtask_fails_the_run_or_is_named_to_the_synthesizer() -> None:
    def work(spec: AgentStep | ToolStep) -> str | None:
        assert isinstance(spec, AgentStep)
        return None if spec.tags["subtask"] == 2 else "done"

    the_plan = plan(("a", None), ("b", None), ("c", None))
    replies = {"manager": the_plan, "writer": work, "coder": work, "synthesizer": "ok"}
    end, steps = hierarchical(HierarchicalConfig(), replies)
    assert isinstance(end, Fail)
    assert "subtask 2" in end.error
    assert "synthesizer" not in [s.role for s in steps]
    end, steps = hierarchical(HierarchicalConfig(on_subtask_failure="skip"), replies)
    assert "[Subtask 2, by coder] b\nResult: missing" in steps[-1].input
    assert isinstance(end, Finish)
    assert meta(end)["failed_subtasks"] == [2]


# -- mixture of experts ------------------------------------------------------------------

EXPERTS = {"tax": "tax law", "code": "software", "food": "cooking"}
KEYWORDS = {"tax": ("vat", "tax"), "code": ("python", "bug"), "food": ("bread",)}


def experts(
    config: MixtureOfExpertsConfig, replies: dict[str, Any], question: str = "Why?"
) -> tuple[Decision, list[StepRecord]]:
    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_mixture_of_experts(config, EXPERTS, KEYWORDS, question, steps)

    answers = {name: f"{name} says" for name in EXPERTS}
    return drive(decide, by_role(answers | replies))


def test_semantic_routing_asks_the_router_then_the_chosen_experts_at_once() -> None:
    route = as_json({"experts": ["food", "tax"]})
    end, steps = experts(MixtureOfExpertsConfig(), {"router": route, "combiner": "Both."})
    assert "- tax: tax law (keywords: vat, tax)" in steps[0].input
    assert "at most 2" in steps[0].input
    assert [s.role for s in steps] == ["router", "food", "tax", "combiner"]
    assert steps[1].input == "Why?"  # the expert's own system prompt makes it an expert
    assert "[food: cooking]\nfood says" in steps[3].input
    assert isinstance(end, Finish)
    assert end.output == "Both."
    assert end.metadata == {
        "routing": "semantic",
        "experts": ["food", "tax"],
        "failed_experts": [],
    }


@pytest.mark.parametrize(
    "route",
    [
        "food and tax",
        as_json({"experts": ["food", "tax", "code"]}),
        as_json({"experts": []}),
        as_json({"experts": ["chef"]}),
        as_json({"experts": ["tax", "tax"]}),
    ],
)
def test_a_malformed_route_fails_the_run(route: str) -> None:
    end, steps = experts(MixtureOfExpertsConfig(), {"router": route})
    assert isinstance(end, Fail)
    assert "router's choice is malformed" in end.error
    assert len(steps) == 1


@pytest.mark.parametrize(
    ("question", "chosen"),
    [
        ("A python bug in my VAT tax tool", ["tax", "code"]),  # two hits each: given order
        ("A python bug in my tax tool", ["code", "tax"]),  # most hits first
        ("Is there tax on bread?", ["tax", "food"]),
        ("Taxes on breadsticks?", ["tax", "code", "food"]),  # whole words only: none, all
        ("Python bread", ["code", "food"]),
    ],
)
def test_keyword_routing_makes_no_model_call(question: str, chosen: list[str]) -> None:
    config = MixtureOfExpertsConfig(routing="keyword", combine="concatenate", top_k=2)
    end, steps = experts(config, {}, question)
    assert [s.role for s in steps] == chosen
    assert isinstance(end, Finish)
    assert end.output == "\n\n".join(f"[{n}]\n{n} says" for n in chosen)


def test_all_routing_asks_everyone_and_failed_experts_are_named_to_the_combiner() -> None:
    config = MixtureOfExpertsConfig(routing="all", max_parallel=2)
    first = decide_mixture_of_experts(config, EXPERTS, KEYWORDS, "Why?", [])
    assert isinstance(first, RunSteps)
    assert first.max_parallel == 2
    end, steps = experts(config, {"code": None, "combiner": "merged"})
    assert "[code: software]\n(no answer: this expert's call failed)" in steps[-1].input
    assert isinstance(end, Finish)
    assert meta(end)["failed_experts"] == ["code"]
    end, steps = experts(config, {"code": None, "food": None})
    assert isinstance(end, Finish)
    assert end.output == "tax says"  # one answer left: no combination
    end, _ = experts(config, dict.fromkeys(EXPERTS))
    assert isinstance(end, Fail)
    assert "every one of the 3 experts" in end.error


# -- tree of thoughts --------------------------------------------------------------------


def thoughts(*items: str) -> str:
    return as_json({"thoughts": list(items)})


def score(value: float) -> str:
    return as_json({"score": value})


def tree(
    config: TreeOfThoughtsConfig,
    expand: Callable[[str], str | None],
    rate: Callable[[str], str | None],
) -> tuple[Decision, list[StepRecord]]:
    """``expand`` and ``rate`` answer by node id."""

    def say(spec: AgentStep | ToolStep) -> str | None:
        assert isinstance(spec, AgentStep)
        node = str(spec.tags["node"])
        return expand(node) if spec.role == "thinker" else rate(node)

    def decide(steps: Sequence[StepRecord]) -> Decision:
        return decide_tree_of_thoughts(config, "Make 24 from 4 4 6 8.", steps)

    return drive(decide, say)


def children(node: str) -> str:
    return thoughts(*(f"{node or 'root'}>{n}" for n in (1, 2, 3)))


SCORES = {"1": 0.5, "2": 0.9, "3": 0.7, "2.1": 0.2, "2.2": 0.4, "3.1": 0.95, "3.3": 0.6}


def test_every_node_of_a_level_is_expanded_and_the_beam_keeps_the_best_of_all() -> None:
    config = TreeOfThoughtsConfig(branching=3, beam_width=2, max_depth=2, max_parallel=4)
    end, steps = tree(config, children, lambda node: score(SCORES.get(node, 0.1)))
    levels = [(s.role, s.tags["iteration"], s.tags["node"]) for s in steps]
    assert levels == [
        ("thinker", 1, ""),
        ("evaluator", 1, "1"), ("evaluator", 1, "2"), ("evaluator", 1, "3"),
        ("thinker", 2, "2"), ("thinker", 2, "3"),  # both kept nodes, not only the first
        *[("evaluator", 2, f"{p}.{c}") for p in (2, 3) for c in (1, 2, 3)],
    ]  # fmt: skip
    assert "1. root>2" in steps[4].input  # the path to the node it expands
    assert "1. root>3\n2. 3>2" in steps[-2].input  # the evaluator sees the path
    assert isinstance(end, Finish)
    assert end.output == "3>1"
    assert meta(end)["path"] == ["root>3", "3>1"]
    assert meta(end)["node"] == "3.1"
    assert meta(end)["score"] == 0.95
    assert meta(end)["ended_by"] == "max_depth"
    assert meta(end)["levels"] == [
        {"depth": 1, "expanded": 1, "thoughts": 3, "scored": 3, "kept": 2},
        {"depth": 2, "expanded": 2, "thoughts": 6, "scored": 6, "kept": 2},
    ]
    first_level = decide_tree_of_thoughts(config, "t", steps[:1])
    assert isinstance(first_level, RunSteps)
    assert first_level.max_parallel == 4


def test_malformed_expansions_and_scores_lose_their_thoughts_and_min_score_prunes() -> None:
    def expand(node: str) -> str | None:
        return {"": children(""), "2": "1. a\n2. b", "3": None}.get(node, children(node))

    def rate(node: str) -> str | None:
        return {"1": "0.99", "2": score(0.8), "3": score(0.6)}.get(node)

    config = TreeOfThoughtsConfig(max_depth=2, min_score=0.7)
    end, steps = tree(config, expand, rate)
    assert [s.tags["node"] for s in steps if s.role == "thinker"] == ["", "2"]  # 3 pruned
    assert isinstance(end, Finish)
    # Level 2 kept nothing: the best of level 1 is the answer.
    assert meta(end)["path"] == ["root>2"]
    assert meta(end)["ended_by"] == "exhausted"
    assert meta(end)["levels"][0]["scored"] == 2
    assert meta(end)["levels"][1]["thoughts"] == 0


def test_a_good_enough_thought_ends_the_search_and_nothing_kept_fails_it() -> None:
    config = TreeOfThoughtsConfig(max_depth=5, good_enough=0.9)
    end, steps = tree(config, children, lambda node: score(SCORES.get(node, 0.1)))
    assert {s.tags["iteration"] for s in steps} == {1}
    assert isinstance(end, Finish)
    assert (end.output, meta(end)["ended_by"]) == ("root>2", "good_enough")
    end, _ = tree(TreeOfThoughtsConfig(), children, lambda node: score(1.5))
    assert isinstance(end, Fail)
    assert "no thought of the first level" in end.error
    end, _ = tree(TreeOfThoughtsConfig(), lambda node: thoughts(*"abcd"), rate=lambda n: None)
    assert isinstance(end, Fail)  # four thoughts where three were asked: malformed
