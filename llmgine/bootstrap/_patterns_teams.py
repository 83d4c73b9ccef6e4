"""Catalogue entries of the patterns where agents retrieve, take turns, vote, share out
work, are chosen, or search: RAG, round-robin, consensus, hierarchical, mixture of
experts and tree of thoughts.

Where a pattern takes a role only for some configs (the experts' router and combiner),
the builder gives it exactly when the config uses it, so every option can be set.
"""

from __future__ import annotations

from typing import Any

from llmgine.bootstrap._catalogue import AgentKit, PatternEntry
from llmgine.workflows import (
    RAG,
    Consensus,
    ConsensusConfig,
    Expert,
    Hierarchical,
    HierarchicalConfig,
    MixtureOfExperts,
    MixtureOfExpertsConfig,
    RAGConfig,
    RoundRobin,
    RoundRobinConfig,
    TreeOfThoughts,
    TreeOfThoughtsConfig,
    WorkflowConfigError,
)

_CHOOSE = "Reply in the form asked for, and nothing else."


def rag(kit: AgentKit, config: RAGConfig) -> RAG:
    if kit.retriever is None:
        raise WorkflowConfigError("the rag pattern needs a retriever: AgentKit(retriever=...)")
    return RAG(
        kit.retriever,
        kit.agent(
            "answerer",
            "You answer questions from the numbered passages you are given, citing them by "
            "number, and say so when they do not hold the answer.",
        ),
        kit.agent(
            "fact checker",
            f"You check whether an answer is supported by the passages it cites. {_CHOOSE}",
        ),
        config,
    )


def round_robin(kit: AgentKit, config: RoundRobinConfig) -> RoundRobin:
    return RoundRobin(
        [
            kit.agent(
                "Visionary",
                "You bring bold ideas and possibilities to a discussion.",
                description="bold ideas and possibilities",
            ),
            kit.agent(
                "Skeptic",
                "You find the risks, gaps and weak assumptions in what has been said.",
                description="risks, gaps and weak assumptions",
            ),
            kit.agent(
                "Pragmatist",
                "You turn a discussion into concrete, workable steps.",
                description="concrete, workable steps",
            ),
        ],
        selector=kit.agent(
            "moderator",
            f"You moderate a discussion: you choose who should speak next. {_CHOOSE}",
        ),
        synthesizer=kit.agent(
            "summariser", "You write the result a discussion reached, clearly and briefly."
        ),
        config=config,
    )


def consensus(kit: AgentKit, config: ConsensusConfig) -> Consensus:
    propose = "Propose a solution to the problem you are given, and vote fairly when asked."
    return Consensus(
        [
            kit.agent("Analyst", f"You reason from evidence and numbers. {propose}"),
            kit.agent("Creative", f"You look for unusual, inventive answers. {propose}"),
            kit.agent("Pragmatist", f"You favour what can be done soon and cheaply. {propose}"),
        ],
        config=config,
    )


def hierarchical(kit: AgentKit, config: HierarchicalConfig) -> Hierarchical:
    return Hierarchical(
        kit.agent(
            "manager",
            "You lead a small team: you split a task into subtasks for the workers who suit "
            "them best, and combine their results into one answer.",
        ),
        [
            kit.agent(
                "researcher",
                "You gather the facts a subtask needs, precisely and with their limits.",
                description="finds and checks facts",
            ),
            kit.agent(
                "analyst",
                "You analyse: compare options, weigh trade-offs, draw conclusions.",
                description="compares options and weighs trade-offs",
            ),
            kit.agent(
                "writer",
                "You write clear, well-organised text for a general reader.",
                description="writes clear prose",
            ),
        ],
        config=config,
    )


_EXPERTS = {
    "scientist": (
        "physics, chemistry, biology and the natural world",
        ("science", "physics", "chemistry", "biology", "climate", "energy", "health"),
    ),
    "engineer": (
        "software, hardware and how to build things",
        ("software", "code", "program", "computer", "build", "design", "system"),
    ),
    "economist": (
        "markets, prices, money and policy",
        ("economy", "market", "price", "cost", "money", "tax", "policy", "trade"),
    ),
    "historian": (
        "history, societies and how they changed",
        ("history", "war", "century", "empire", "culture", "society"),
    ),
}


def mixture_of_experts(kit: AgentKit, config: MixtureOfExpertsConfig) -> MixtureOfExperts:
    experts = [
        Expert(
            kit.agent(name, f"You are an expert in {field}. Answer as one.", description=field),
            keywords=() if config.routing == "all" else words,
        )
        for name, (field, words) in _EXPERTS.items()
    ]
    router = kit.agent(
        "router", f"You send questions to the experts best able to answer them. {_CHOOSE}"
    )
    combiner = kit.agent(
        "combiner", "You combine experts' answers into one answer, settling where they differ."
    )
    return MixtureOfExperts(
        experts,
        router if config.routing == "semantic" else None,
        combiner if config.combine == "synthesize" else None,
        config,
    )


def tree_of_thoughts(kit: AgentKit, config: TreeOfThoughtsConfig) -> TreeOfThoughts:
    return TreeOfThoughts(
        kit.agent(
            "thinker",
            f"You solve problems step by step, proposing different next steps. {_CHOOSE}",
        ),
        kit.agent(
            "evaluator",
            f"You judge how likely a line of reasoning is to solve a problem. {_CHOOSE}",
        ),
        config,
    )


TEAMS: list[PatternEntry[Any]] = [
    PatternEntry(
        "rag",
        "answers from the passages a retriever finds, citing them; a fact checker verifies",
        "a question (searched for in --docs, by default the current folder)",
        RAGConfig(),
        rag,
        needs_retriever=True,
    ),
    PatternEntry(
        "round_robin",
        "a visionary, a skeptic and a pragmatist take turns a moderator chooses; then a summary",
        "a task or a problem to discuss",
        RoundRobinConfig(max_rounds=2),
        round_robin,
    ),
    PatternEntry(
        "consensus",
        "three agents propose and vote in rounds until a majority agrees",
        "a problem with more than one answer",
        ConsensusConfig(max_rounds=2),
        consensus,
    ),
    PatternEntry(
        "hierarchical",
        "a manager plans subtasks for a researcher, an analyst and a writer, then combines",
        "a task big enough to share out",
        HierarchicalConfig(max_subtasks=4),
        hierarchical,
    ),
    PatternEntry(
        "mixture_of_experts",
        "a router sends the question to the best of four experts; a combiner merges answers",
        "a question",
        MixtureOfExpertsConfig(),
        mixture_of_experts,
    ),
    PatternEntry(
        "tree_of_thoughts",
        "a beam search over steps of reasoning, each scored; returns the best path's leaf",
        "a problem to solve in steps",
        TreeOfThoughtsConfig(branching=3, beam_width=2, max_depth=3),
        tree_of_thoughts,
    ),
]
