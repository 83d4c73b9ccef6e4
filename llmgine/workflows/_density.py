"""Chain of density: summaries of one text, each denser than the last, with an entity ledger.

Round 1 asks the summarizer for a short, sparse summary of the input and the entities it
covers; each later round shows it the previous summary and the ledger of entities covered
so far, and asks for 1 to ``max_new_entities`` entities the summary misses and a rewrite
of the same length that covers them all. Every reply is a ``DenseSummary``: the round's
new entities and its summary, read strictly (see ``_replies``).

A round counts only if its bookkeeping holds: it names between 1 and ``max_new_entities``
entities, none of them already in the ledger, and (with ``check_entities``) its summary
mentions every entity of the ledger and every new one, case aside. A round that names no
new entity means the text has nothing left to add (``stopped="saturated"``); a round whose
bookkeeping does not hold, or whose reply is not a ``DenseSummary``, is not taken
(``stopped="invalid_round"``, the metadata says why). Either ends the chain at the last
round that counted, as does the last of ``rounds``; the answer is that round's summary. A
first round that does not count, or a failed step, fails the run. ``iterations`` counts the
rounds asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Fail, Finish, failed, of_role, one
from llmgine.workflows._replies import Malformed, check_reply_format, read_reply
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow

SUMMARIZER = "summarizer"

_FORM = (
    'Reply with only a JSON object: {"new_entities": [<the entities new in this round>], '
    '"summary": "<the summary>"}'
)


class DenseSummary(BaseModel):
    """One round of a chain of density: the entities it adds, and its summary."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    new_entities: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]]
    summary: str = Field(min_length=1)


class ChainOfDensityConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rounds: int = Field(default=5, ge=1)
    """Summaries at most, the first included."""
    max_new_entities: int = Field(default=3, ge=1)
    """Entities a round may add."""
    words: int | None = Field(default=None, gt=0)
    """Length of every summary, in words (None: short at first, then as long as the first)."""
    check_entities: bool = True
    """Refuse a round whose summary leaves out an entity of the ledger or one it adds."""


def decide_chain_of_density(
    config: ChainOfDensityConfig, task: str, steps: Sequence[StepRecord]
) -> Decision:
    """The next round, or the end at the last round that counted."""
    ledger: list[str] = []
    kept: list[DenseSummary] = []
    for step in of_role(steps, SUMMARIZER):
        number = step.tags["iteration"]
        if not step.ok:
            return failed(step, f"round {number}")
        reply = read_reply(step, DenseSummary)
        if isinstance(reply, Malformed):
            return _end(kept, "invalid_round", f"round {number}: {reply.reason}")
        if not reply.new_entities:
            return _end(kept, "saturated", f"round {number} names no new entity")
        problem = _bookkeeping(config, reply, ledger)
        if problem is not None:
            return _end(kept, "invalid_round", f"round {number} {problem}")
        ledger += reply.new_entities
        kept.append(reply)
    if len(kept) < config.rounds:
        return one(_round(config, task, kept, ledger))
    return _end(kept, "rounds", None)


def _bookkeeping(
    config: ChainOfDensityConfig, reply: DenseSummary, ledger: Sequence[str]
) -> str | None:
    """What is wrong with a round's entities, if anything."""
    new = reply.new_entities
    if len(new) > config.max_new_entities:
        return f"adds {len(new)} entities, more than the {config.max_new_entities} asked for"
    seen = {entity.casefold() for entity in ledger}
    for entity in new:
        if entity.casefold() in seen:
            return f"names {entity!r} as new, but it is covered already"
        seen.add(entity.casefold())
    if config.check_entities:
        text = reply.summary.casefold()
        left_out = [entity for entity in [*ledger, *new] if entity.casefold() not in text]
        if left_out:
            return f"leaves out {', '.join(map(repr, left_out))}"
    return None


def _end(kept: Sequence[DenseSummary], stopped: str, problem: str | None) -> Decision:
    if not kept:
        return Fail(f"the first summary does not count: {problem}")
    metadata: dict[str, JsonValue] = {
        "stopped": stopped,
        "problem": problem,
        "rounds": len(kept),
        "entities": [list(reply.new_entities) for reply in kept],
        "words": [len(reply.summary.split()) for reply in kept],
    }
    return Finish(kept[-1].summary, metadata)


def _round(
    config: ChainOfDensityConfig,
    task: str,
    kept: Sequence[DenseSummary],
    ledger: Sequence[str],
) -> AgentStep:
    number = len(kept) + 1
    most = config.max_new_entities
    if not kept:
        length = f"about {config.words} words" if config.words else "four or five sentences"
        prompt = (
            f"The text:\n{task}\n\nWrite a first summary of the text: {length}, sparse and "
            f"general, covering only 1 to {most} of its most important entities (people, "
            "places, organisations, events, ideas), each named as the text names it.\n\n"
            f"{_FORM} (here: the entities your summary covers)"
        )
    else:
        words = config.words or len(kept[0].summary.split())
        prompt = (
            f"The text:\n{task}\n\nThe current summary (round {number - 1}):\n"
            f"{kept[-1].summary}\n\nEntities it covers: {'; '.join(ledger)}\n\n"
            f"Find 1 to {most} informative entities of the text that the summary misses (none "
            f"from the list above). Then rewrite the summary in about {words} words so that "
            "it names every entity of the list and every new one, as the text names them: "
            "make room by fusing and compressing, never by leaving an entity out. If the "
            'summary misses nothing, reply with "new_entities": [].\n\n'
            f"{_FORM}"
        )
    return AgentStep(SUMMARIZER, prompt, {"iteration": number})


class ChainOfDensity(Workflow[ChainOfDensityConfig]):
    """``summarizer`` writes ever denser summaries of the input."""

    pattern = "chain_of_density"

    def __init__(
        self,
        summarizer: Executor,
        config: ChainOfDensityConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        check_reply_format(SUMMARIZER, summarizer, DenseSummary)
        super().__init__(
            config or ChainOfDensityConfig(),
            {SUMMARIZER: summarizer},
            name=name,
            description=description,
        )

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_chain_of_density(self.config, task, steps)
