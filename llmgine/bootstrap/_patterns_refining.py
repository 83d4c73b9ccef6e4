"""Catalogue entries of the patterns that improve a text by judging it: iterative
refinement, reflection, chain of density, Socratic dialogue and constitutional revision.

Their judges reply with the JSON objects the patterns ask for in their prompts; the
system prompts here only say who each agent is.
"""

from __future__ import annotations

from typing import Any

from llmgine.bootstrap._catalogue import AgentKit, PatternEntry
from llmgine.workflows import (
    ChainOfDensity,
    ChainOfDensityConfig,
    Constitutional,
    ConstitutionalConfig,
    Critic,
    IterativeRefinement,
    IterativeRefinementConfig,
    Principle,
    Reflection,
    ReflectionConfig,
    Socratic,
    SocraticConfig,
)

_WRITER = (
    "You are a careful writer. Do the task you are given; when you are given feedback on "
    "your draft, revise it to answer every point. Reply with the text only."
)
_JUDGE = "Judge only what you are asked to, strictly and specifically, in the form asked for."


def iterative_refinement(kit: AgentKit, config: IterativeRefinementConfig) -> IterativeRefinement:
    return IterativeRefinement(
        kit.agent("writer", _WRITER),
        [
            Critic(
                executor=kit.agent("fact checker", f"You check facts and reasoning. {_JUDGE}"),
                specialty="accuracy",
                goal="every claim true and every step of reasoning sound",
                weight=2,
            ),
            Critic(
                executor=kit.agent("stylist", f"You judge clarity and structure. {_JUDGE}"),
                specialty="clarity",
                goal="easy to follow for a general reader, with nothing superfluous",
                weight=1,
            ),
        ],
        config,
    )


def reflection(kit: AgentKit, config: ReflectionConfig) -> Reflection:
    return Reflection(
        kit.agent("writer", _WRITER),
        kit.agent(
            "reviewer",
            "You review drafts: what is wrong, missing or unclear, and how the draft compares "
            f"with the version before it. {_JUDGE}",
        ),
        config,
    )


def chain_of_density(kit: AgentKit, config: ChainOfDensityConfig) -> ChainOfDensity:
    return ChainOfDensity(
        kit.agent(
            "summariser",
            "You write summaries that pack ever more of the text's key entities (people, "
            "places, things, numbers, ideas) into the same length, in the form asked for.",
        ),
        config,
    )


def socratic(kit: AgentKit, config: SocraticConfig) -> Socratic:
    return Socratic(
        kit.agent(
            "questioner",
            "You ask searching questions, one at a time, that expose assumptions and lead the "
            "discussion deeper.",
        ),
        kit.agent(
            "respondent",
            "You answer questions thoughtfully and honestly, with your reasons.",
        ),
        kit.agent(
            "synthesizer",
            "You sum up a dialogue: what it established, what it left open, its conclusions.",
        ),
        config,
    )


def constitutional(kit: AgentKit, config: ConstitutionalConfig) -> Constitutional:
    return Constitutional(
        kit.agent("writer", _WRITER),
        kit.agent("reviewer", f"You check a text against principles, one by one. {_JUDGE}"),
        config=config,
    )


PRINCIPLES = (
    Principle(
        name="accurate",
        description="states nothing false, and marks what is uncertain as uncertain",
    ),
    Principle(name="clear", description="is easy to follow and answers the task asked"),
    Principle(
        name="harmless",
        description="gives no advice that could hurt someone, and demeans no one",
        severity="critical",
    ),
    Principle(
        name="concise",
        description="says nothing twice and nothing beside the point",
        severity="warning",
    ),
)

REFINING: list[PatternEntry[Any]] = [
    PatternEntry(
        "iterative_refinement",
        "a writer drafts, a fact checker and a stylist score each draft at once, until good",
        "a writing task",
        IterativeRefinementConfig(max_iterations=3, min_quality=0.85),
        iterative_refinement,
    ),
    PatternEntry(
        "reflection",
        "a writer revises from a reviewer's scored critique; the best-scored version wins",
        "a writing task",
        ReflectionConfig(max_reflections=2, target_score=0.85),
        reflection,
    ),
    PatternEntry(
        "chain_of_density",
        "summaries of the same length, each covering more of the text's key entities",
        "a text to summarise",
        ChainOfDensityConfig(rounds=4),
        chain_of_density,
    ),
    PatternEntry(
        "socratic",
        "a questioner and a respondent explore a topic; a synthesizer sums the dialogue up",
        "a topic or a question to explore",
        SocraticConfig(max_exchanges=4),
        socratic,
    ),
    PatternEntry(
        "constitutional",
        "a writer's draft judged principle by principle, revised until it keeps them",
        "a writing task (principles: accurate, clear, harmless, concise)",
        ConstitutionalConfig(principles=PRINCIPLES, max_revisions=2),
        constitutional,
    ),
]
