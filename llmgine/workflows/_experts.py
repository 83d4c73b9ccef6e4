"""Mixture of experts: route the question to some experts, ask them at once, combine.

Routing is chosen by ``routing``:

- ``semantic``: the router agent is shown the question and the experts (name, description,
  keywords) and replies ``{"experts": [...]}``, read strictly: 1 to ``top_k`` distinct
  names of experts. A malformed choice or a failed router call fails the run: a question
  routed at random is not an answer.
- ``keyword``: no model call. The experts whose keywords occur in the question as whole
  words, most matches first (ties in the order given), at most ``top_k``; a question that
  no keyword matches goes to every expert.
- ``all``: every expert.

The chosen experts get the question as it is (their own system prompts make them experts),
concurrently, ``max_parallel`` at a time. A failed expert is left out and named to the
combiner; if all of them failed the run fails. One answer is the answer as it is; more are
joined (``concatenate``, no model call) or merged by the combiner (``synthesize``).
``iterations`` counts the experts asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Fail,
    Finish,
    RunSteps,
    failed,
    of_role,
    one,
)
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, parse_reply, roster
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, unique_roles

ROUTER = "router"
COMBINER = "combiner"


class MixtureOfExpertsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    routing: Literal["semantic", "keyword", "all"] = "semantic"
    top_k: int = Field(default=2, ge=1)
    """The most experts a semantic or keyword routing chooses."""
    combine: Literal["synthesize", "concatenate"] = "synthesize"
    max_parallel: int | None = Field(default=None, gt=0)
    """Experts at once (None: all, within the runtime's limit)."""

    @model_validator(mode="after")
    def _consistent(self) -> MixtureOfExpertsConfig:
        if self.routing == "all" and "top_k" in self.model_fields_set:
            raise ValueError("top_k does not apply to routing='all', which asks every expert")
        return self


@dataclass(frozen=True, slots=True)
class Expert:
    """An executor as an expert: ``keywords`` route questions to it (keyword routing) and
    are shown to the router (semantic routing); ``name`` defaults to the executor's."""

    executor: Executor
    keywords: tuple[str, ...] = ()
    name: str | None = None


class Route(StrictReply):
    experts: list[str]


def route_by_keywords(
    question: str, keywords: Mapping[str, Sequence[str]], top_k: int
) -> list[str]:
    """The experts whose keywords occur in ``question`` as whole words, most matches
    first; all of them when none does."""
    hits = {name: sum(_occurs(w, question) for w in words) for name, words in keywords.items()}
    ranked = sorted((name for name in keywords if hits[name]), key=lambda name: -hits[name])
    return ranked[:top_k] or list(keywords)


def _occurs(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


def read_route(output: str, experts: Sequence[str], top_k: int) -> list[str] | Malformed:
    """The experts a router's reply chooses, or what is wrong with it."""
    route = parse_reply(output, Route)
    if isinstance(route, Malformed):
        return route
    chosen = route.experts
    if not 1 <= len(chosen) <= top_k or len(set(chosen)) != len(chosen):
        return Malformed(f"choose 1 to {top_k} different experts, not {chosen!r}")
    unknown = [name for name in chosen if name not in experts]
    if unknown:
        return Malformed(f"there is no expert named {unknown[0]!r}")
    return chosen


def decide_mixture_of_experts(
    config: MixtureOfExpertsConfig,
    descriptions: Mapping[str, str],
    keywords: Mapping[str, Sequence[str]],
    task: str,
    steps: Sequence[StepRecord],
) -> Decision:
    """The routing, the experts' answers, the combination, or the end.

    ``descriptions`` and ``keywords`` map each expert's name, in the order given, to its
    description and its keywords.
    """
    names = list(descriptions)
    if config.routing == "semantic":
        routes = of_role(steps, ROUTER)
        if not routes:
            return one(AgentStep(ROUTER, _route_prompt(config, descriptions, keywords, task)))
        if not routes[0].ok:
            return failed(routes[0], "the routing")
        chosen = read_route(routes[0].output, names, config.top_k)
        if isinstance(chosen, Malformed):
            return Fail(f"the router's choice is malformed: {chosen.reason}")
    elif config.routing == "keyword":
        chosen = route_by_keywords(task, keywords, config.top_k)
    else:
        chosen = names
    answers = [step for step in steps if step.role in descriptions]
    if not answers:
        return RunSteps(
            tuple(AgentStep(name, task, {"iteration": n}) for n, name in enumerate(chosen, 1)),
            config.max_parallel,
        )
    good = [step for step in answers if step.ok]
    metadata: dict[str, JsonValue] = {
        "routing": config.routing,
        "experts": list(chosen),
        "failed_experts": [step.role for step in answers if not step.ok],
    }
    if not good:
        return Fail(f"every one of the {len(answers)} experts asked failed", metadata)
    if len(good) == 1:
        return Finish(good[0].output, metadata)
    if config.combine == "concatenate":
        return Finish("\n\n".join(f"[{step.role}]\n{step.output}" for step in good), metadata)
    combined = of_role(steps, COMBINER)
    if not combined:
        return one(AgentStep(COMBINER, _combine_prompt(task, descriptions, answers)))
    if not combined[0].ok:
        return failed(combined[0], "the combination")
    return Finish(combined[0].output, metadata)


def _route_prompt(
    config: MixtureOfExpertsConfig,
    descriptions: Mapping[str, str],
    keywords: Mapping[str, Sequence[str]],
    task: str,
) -> str:
    listing = roster(
        {
            name: about + (f" (keywords: {', '.join(words)})" if words else "")
            for name, about in descriptions.items()
            for words in [keywords.get(name, ())]
        }
    )
    return (
        f"Question: {task}\n\nExperts:\n{listing}\n\nChoose the experts best able to answer "
        f"the question: at least one, at most {config.top_k}, the best first.\n"
        + ask_for('{"experts": ["<an expert\'s name>", ...]}')
    )


def _combine_prompt(
    task: str, descriptions: Mapping[str, str], answers: Sequence[StepRecord]
) -> str:
    parts = "\n\n".join(
        f"[{step.role}: {descriptions[step.role] or 'expert'}]\n"
        + (step.output if step.ok else "(no answer: this expert's call failed)")
        for step in answers
    )
    return (
        f"Question: {task}\n\nThe experts' answers:\n\n{parts}\n\nCombine them into one "
        "answer: keep what is right in each, and where they disagree, say which is more "
        "convincing and why."
    )


class MixtureOfExperts(Workflow[MixtureOfExpertsConfig]):
    """``experts`` (executors, or ``Expert``s, at least two) answer; ``router`` chooses
    them when the routing is semantic; ``combiner`` merges their answers when the
    combination is ``synthesize``."""

    pattern = "mixture_of_experts"

    def __init__(
        self,
        experts: Sequence[Executor | Expert],
        router: Executor | None = None,
        combiner: Executor | None = None,
        config: MixtureOfExpertsConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        config = config or MixtureOfExpertsConfig()
        cards = [e if isinstance(e, Expert) else Expert(e) for e in experts]
        if len(cards) < 2:
            raise WorkflowConfigError(f"a mixture of experts needs at least two, got {len(cards)}")
        named = [(card.name or card.executor.name, card) for card in cards]
        unique_roles("expert", [n for n, _ in named], reserved=(ROUTER, COMBINER))
        _check_roles(config, router, combiner, named)
        roles = {n: card.executor for n, card in named}
        extra = {ROUTER: router, COMBINER: combiner}
        roles |= {role: executor for role, executor in extra.items() if executor is not None}
        super().__init__(config, roles, name=name, description=description)
        self.descriptions = {n: card.executor.description for n, card in named}
        self.keywords = {n: card.keywords for n, card in named}

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_mixture_of_experts(self.config, self.descriptions, self.keywords, task, steps)


def _check_roles(
    config: MixtureOfExpertsConfig,
    router: Executor | None,
    combiner: Executor | None,
    named: Sequence[tuple[str, Expert]],
) -> None:
    semantic = config.routing == "semantic"
    if semantic != (router is not None):
        raise WorkflowConfigError(
            "semantic routing asks the router agent: give a router"
            if semantic
            else f"routing={config.routing!r} never asks a router: leave it out"
        )
    synthesize = config.combine == "synthesize"
    if synthesize != (combiner is not None):
        raise WorkflowConfigError(
            "combine='synthesize' asks the combiner: give a combiner, or combine='concatenate'"
            if synthesize
            else "combine='concatenate' makes no model call: leave the combiner out"
        )
    for expert, card in named:
        if config.routing == "keyword" and not card.keywords:
            raise WorkflowConfigError(
                f"expert {expert!r} has no keywords, so keyword routing could never choose it"
            )
        if config.routing == "all" and card.keywords:
            raise WorkflowConfigError(
                f"expert {expert!r} has keywords, which routing='all' never reads"
            )
