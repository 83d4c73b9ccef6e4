"""Tree of thoughts: a beam search over lines of reasoning, scored by an evaluator.

Level by level, every node of the frontier (at first the bare problem) is expanded at once:
the thinker is shown the path of thoughts to it and replies ``{"thoughts": [...]}`` with
1 to ``branching`` next thoughts. Every new thought is then scored at once: the evaluator
is shown the path ending in it and replies ``{"score": s}``, ``0 <= s <= 1``. Both replies
are read strictly. The thoughts scoring at least ``min_score`` are ranked (ties in the
order they were found) and the best ``beam_width`` of them, from all the nodes of the
level, are the next frontier.

A failed or malformed expansion gives its node no children; a failed or malformed score
drops its thought. The search ends at ``max_depth``, at a level whose best thought scores
``good_enough``, or at a level that keeps nothing. The answer is the best thought of the
last level that kept any (the leaf); ``metadata["path"]`` is the line of thoughts from the
problem to it. If no level kept anything the run fails. ``iterations`` counts levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Fail, Finish, RunSteps, tagged
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, parse_reply, read_reply
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow

THINKER = "thinker"
EVALUATOR = "evaluator"


class TreeOfThoughtsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    branching: int = Field(default=3, ge=1)
    """Next thoughts asked of each node (a reply may give fewer, not more)."""
    beam_width: int = Field(default=2, ge=1)
    """Thoughts kept per level, over all its nodes."""
    max_depth: int = Field(default=3, ge=1)
    min_score: float = Field(default=0.0, ge=0, le=1)
    """Thoughts scoring below this are dropped."""
    good_enough: float | None = Field(default=None, gt=0, le=1)
    """End the search at the first level whose best thought scores at least this."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Expansions or evaluations at once (None: all, within the runtime's limit)."""


class NextThoughts(StrictReply):
    thoughts: list[str]


class ThoughtScore(StrictReply):
    score: float = Field(ge=0, le=1)


@dataclass(frozen=True, slots=True)
class Node:
    """A thought in the tree: ``id`` is its place ("2.1": the first child of the second
    thought of level 1; the problem itself is ""), ``path`` the thoughts leading to it."""

    id: str
    path: tuple[str, ...]
    score: float = 0.0

    def child(self, number: int, thought: str) -> Node:
        return Node(f"{self.id}.{number}" if self.id else str(number), (*self.path, thought))


def read_thoughts(output: str, branching: int) -> list[str] | Malformed:
    reply = parse_reply(output, NextThoughts)
    if isinstance(reply, Malformed):
        return reply
    if not 1 <= len(reply.thoughts) <= branching or not all(t.strip() for t in reply.thoughts):
        return Malformed(f"give 1 to {branching} thoughts, none empty")
    return [thought.strip() for thought in reply.thoughts]


def decide_tree_of_thoughts(
    config: TreeOfThoughtsConfig, task: str, steps: Sequence[StepRecord]
) -> Decision:
    """The next expansions or evaluations, or the best path found."""
    frontier = [Node("", ())]
    levels: list[JsonValue] = []
    best: Node | None = None
    ended: Literal["max_depth", "good_enough", "exhausted"] = "exhausted"
    for depth in range(1, config.max_depth + 1):
        level = tagged(steps, "iteration", depth)
        expansions = {str(s.tags["node"]): s for s in level if s.role == THINKER}
        if not expansions:
            return _ask(config, THINKER, task, frontier, depth)
        children = [
            child for node in frontier for child in _children(config, node, expansions.get(node.id))
        ]
        scores = {str(s.tags["node"]): s for s in level if s.role == EVALUATOR}
        if children and not scores:
            return _ask(config, EVALUATOR, task, children, depth)
        scored = [_scored(child, scores.get(child.id)) for child in children]
        kept = sorted(
            (n for n in scored if n is not None and n.score >= config.min_score),
            key=lambda node: -node.score,
        )[: config.beam_width]
        levels.append(
            {"depth": depth, "expanded": len(frontier), "thoughts": len(children),
             "scored": sum(n is not None for n in scored), "kept": len(kept)}
        )  # fmt: skip
        if not kept:
            break
        best, frontier = kept[0], kept
        if config.good_enough is not None and best.score >= config.good_enough:
            ended = "good_enough"
            break
        if depth == config.max_depth:
            ended = "max_depth"
    metadata: dict[str, JsonValue] = {"levels": levels, "ended_by": ended}
    if best is None:
        return Fail("no thought of the first level could be scored and kept", metadata)
    metadata |= {"path": list(best.path), "node": best.id, "score": best.score}
    return Finish(best.path[-1], metadata)


def _children(config: TreeOfThoughtsConfig, node: Node, expansion: StepRecord | None) -> list[Node]:
    if expansion is None or not expansion.ok:
        return []
    thoughts = read_thoughts(expansion.output, config.branching)
    if isinstance(thoughts, Malformed):
        return []
    return [node.child(n, thought) for n, thought in enumerate(thoughts, 1)]


def _scored(node: Node, evaluation: StepRecord | None) -> Node | None:
    if evaluation is None or not evaluation.ok:
        return None
    score = read_reply(evaluation, ThoughtScore)
    if isinstance(score, Malformed):
        return None
    return Node(node.id, node.path, score.score)


def _ask(
    config: TreeOfThoughtsConfig, role: str, task: str, nodes: Sequence[Node], depth: int
) -> RunSteps:
    prompt = _expand_prompt if role == THINKER else _score_prompt
    return RunSteps(
        tuple(
            AgentStep(role, prompt(config, task, node), {"iteration": depth, "node": node.id})
            for node in nodes
        ),
        config.max_parallel,
    )


def _lines(path: Sequence[str]) -> str:
    return "\n".join(f"{n}. {thought}" for n, thought in enumerate(path, 1))


def _expand_prompt(config: TreeOfThoughtsConfig, task: str, node: Node) -> str:
    so_far = f"The reasoning so far:\n{_lines(node.path)}" if node.path else "No reasoning yet."
    return (
        f"Problem: {task}\n\n{so_far}\n\nPropose {config.branching} different next steps of "
        "reasoning toward solving the problem, each going beyond the steps so far.\n"
        + ask_for('{"thoughts": ["<a next step>", ...]}')
    )


def _score_prompt(config: TreeOfThoughtsConfig, task: str, node: Node) -> str:
    return (
        f"Problem: {task}\n\nA line of reasoning:\n{_lines(node.path)}\n\nHow promising is "
        "its last step as a way to solve the problem? 0 is a dead end, 1 is sure to lead "
        "to the solution.\n" + ask_for('{"score": <a number from 0 to 1>}')
    )


class TreeOfThoughts(Workflow[TreeOfThoughtsConfig]):
    """``thinker`` proposes next thoughts; ``evaluator`` (default: the thinker) scores
    them."""

    pattern = "tree_of_thoughts"

    def __init__(
        self,
        thinker: Executor,
        evaluator: Executor | None = None,
        config: TreeOfThoughtsConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        roles = {THINKER: thinker, EVALUATOR: evaluator or thinker}
        super().__init__(
            config or TreeOfThoughtsConfig(), roles, name=name, description=description
        )

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_tree_of_thoughts(self.config, task, steps)
