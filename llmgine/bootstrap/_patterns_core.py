"""Catalogue entries of the first four patterns: pipeline, debate, map-reduce and ReAct."""

from __future__ import annotations

from typing import Any

from llmgine.bootstrap._catalogue import AgentKit, PatternEntry
from llmgine.workflows import (
    Debate,
    DebateConfig,
    MapReduce,
    MapReduceConfig,
    Pipeline,
    PipelineConfig,
    ReAct,
    ReActConfig,
)


def pipeline(kit: AgentKit, config: PipelineConfig) -> Pipeline:
    return Pipeline(
        [
            kit.agent(
                "researcher",
                "You are a researcher. For the topic or question you are given, list the key "
                "facts, figures and open questions as short notes.",
            ),
            kit.agent(
                "writer",
                "You are a writer. Turn the research notes you are given into a clear, "
                "well-organised piece of a few paragraphs for a general reader.",
            ),
            kit.agent(
                "editor",
                "You are an editor. Improve the draft you are given for accuracy, clarity and "
                "brevity; reply with the final text only.",
            ),
        ],
        config,
    )


def debate(kit: AgentKit, config: DebateConfig) -> Debate:
    fair = "answer the other side's points directly, concede what is true."
    return Debate(
        [
            kit.agent(
                "Proponent",
                f"You argue for the position under debate: make the strongest case, {fair}",
            ),
            kit.agent(
                "Opponent",
                f"You argue against the position under debate: make the strongest case, {fair}",
            ),
        ],
        judge=kit.agent(
            "Judge",
            "You judge a debate. Weigh the arguments on their merits, say which side made the "
            "stronger case and why, and give a balanced conclusion.",
        ),
        config=config,
    )


def map_reduce(kit: AgentKit, config: MapReduceConfig) -> MapReduce:
    reducer = kit.agent(
        "combiner",
        "You combine summaries of the parts of one text into a single coherent summary, in "
        "the order of the parts, without repeating yourself.",
    )
    return MapReduce(
        kit.agent(
            "summariser",
            "You summarise one part of a longer text. Keep the facts, names, numbers and "
            "conclusions it states; say nothing of the parts you were not shown.",
        ),
        None if config.reduce == "concatenate" else reducer,
        config,
    )


def react(kit: AgentKit, config: ReActConfig) -> ReAct:
    return ReAct(
        kit.agent(
            "reasoner",
            "You answer questions by reasoning in steps and calling the tools you are given "
            "to look things up or compute; never guess what a tool can tell you.",
        ),
        config,
    )


CORE: list[PatternEntry[Any]] = [
    PatternEntry(
        "pipeline",
        "stages one after the other: a researcher's notes, a writer's draft, an editor's text",
        "a topic or a question to write about",
        PipelineConfig(),
        pipeline,
    ),
    PatternEntry(
        "debate",
        "a proponent and an opponent argue in rounds; a judge weighs them and decides",
        "a question or a claim to argue",
        DebateConfig(),
        debate,
    ),
    PatternEntry(
        "map_reduce",
        "summarises a long text: every chunk at once, then the summaries combined in levels",
        "a long text (cut into chunks of 4,000 characters)",
        MapReduceConfig(chunk_size=4000, chunk_overlap=200, reduce="hierarchical"),
        map_reduce,
    ),
    PatternEntry(
        "react",
        "reasons in steps and acts with real tools until it can answer",
        "a question the tools help answer (give them with --tool)",
        ReActConfig(),
        react,
        needs_tools=True,
    ),
]
