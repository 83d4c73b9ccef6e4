"""``WORKFLOW_PATTERNS``: each pattern of ``llmgine.workflows`` with default agents.

One entry per pattern, in any order (the catalogue sorts them). To add a pattern, add its
``PatternEntry`` to the list below: its name (the class's ``pattern``), what it does in a
line, the input it takes, its default config, and a function that builds it from the kit's
agents. ``tests/bootstrap/test_catalogue.py`` checks that every pattern the package
exports has an entry, and that each entry builds its pattern.
"""

from __future__ import annotations

from llmgine.bootstrap._catalogue import PatternCatalogue, PatternEntry
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

WORKFLOW_PATTERNS = PatternCatalogue(
    [
        PatternEntry(
            "pipeline",
            "stages one after the other: a researcher's notes, a writer's draft, an editor's text",
            "a topic or a question to write about",
            PipelineConfig(),
            lambda kit, config: Pipeline(
                [
                    kit.agent(
                        "researcher",
                        "You are a researcher. For the topic or question you are given, list "
                        "the key facts, figures and open questions as short notes.",
                    ),
                    kit.agent(
                        "writer",
                        "You are a writer. Turn the research notes you are given into a clear, "
                        "well-organised piece of a few paragraphs for a general reader.",
                    ),
                    kit.agent(
                        "editor",
                        "You are an editor. Improve the draft you are given for accuracy, "
                        "clarity and brevity; reply with the final text only.",
                    ),
                ],
                config,
            ),
        ),
        PatternEntry(
            "debate",
            "a proponent and an opponent argue in rounds; a judge weighs them and decides",
            "a question or a claim to argue",
            DebateConfig(),
            lambda kit, config: Debate(
                [
                    kit.agent(
                        "Proponent",
                        "You argue for the position under debate: make the strongest case, "
                        "answer the other side's points directly, concede what is true.",
                    ),
                    kit.agent(
                        "Opponent",
                        "You argue against the position under debate: make the strongest "
                        "case, answer the other side's points directly, concede what is true.",
                    ),
                ],
                judge=kit.agent(
                    "Judge",
                    "You judge a debate. Weigh the arguments on their merits, say which side "
                    "made the stronger case and why, and give a balanced conclusion.",
                ),
                config=config,
            ),
        ),
        PatternEntry(
            "map_reduce",
            "summarises a long text: every chunk at once, then the summaries combined in levels",
            "a long text (cut into chunks of 4,000 characters)",
            MapReduceConfig(chunk_size=4000, chunk_overlap=200, reduce="hierarchical"),
            lambda kit, config: MapReduce(
                kit.agent(
                    "summariser",
                    "You summarise one part of a longer text. Keep the facts, names, numbers "
                    "and conclusions it states; say nothing of the parts you were not shown.",
                ),
                kit.agent(
                    "combiner",
                    "You combine summaries of the parts of one text into a single coherent "
                    "summary, in the order of the parts, without repeating yourself.",
                ),
                config,
            ),
        ),
        PatternEntry(
            "react",
            "reasons in steps and acts with real tools until it can answer",
            "a question the tools help answer (give them with --tool)",
            ReActConfig(),
            lambda kit, config: ReAct(
                kit.agent(
                    "reasoner",
                    "You answer questions by reasoning in steps and calling the tools you are "
                    "given to look things up or compute; never guess what a tool can tell you.",
                ),
                config,
            ),
            needs_tools=True,
        ),
    ]
)
"""The patterns ``llmgine workflow`` runs."""
