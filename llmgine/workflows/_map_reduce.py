"""Map-reduce: split the input into chunks, process each, combine the results.

The input is cut into ``chunk_size``-character chunks that overlap by ``chunk_overlap``
(an overlap as large as a chunk would never move forward: a config error). The mapper
processes the chunks concurrently, ``max_parallel`` at a time. The results are combined by
strategy:

- ``concatenate``: joined in order, with no model call;
- ``summarize``: one reducer call over all of them;
- ``hierarchical``: reducer calls over groups of ``fan_in`` results, level after level,
  until one result is left (a group of one goes up a level as it is).

A single result needs no combining and is the answer. A failed chunk fails the run, or
with ``on_chunk_failure="skip"`` is left out (the reducer is told which parts are missing,
and the metadata lists them); a failed reduce fails the run. ``iterations`` counts the
chunks mapped.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    first_failure,
    of_role,
)
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

MAPPER = "mapper"
REDUCER = "reducer"
DEFAULT_FAN_IN = 4


class MapReduceConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    chunk_size: int | None = Field(default=None, gt=0)
    """Characters per chunk (None: the whole input is one chunk)."""
    chunk_overlap: int = Field(default=0, ge=0)
    """Characters each chunk shares with the one before it."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Mapper (and reducer) calls at once (None: all, within the runtime's limit)."""
    reduce: Literal["summarize", "concatenate", "hierarchical"] = "summarize"
    fan_in: int | None = Field(default=None, ge=2)
    """Results per reducer call in the hierarchical reduce (default 4)."""
    on_chunk_failure: Literal["fail", "skip"] = "fail"

    @model_validator(mode="after")
    def _consistent(self) -> MapReduceConfig:
        if self.chunk_overlap and self.chunk_size is None:
            raise ValueError("chunk_overlap needs a chunk_size: without one there is one chunk")
        if self.chunk_size is not None and self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size "
                f"({self.chunk_size}), or the chunks would never move forward"
            )
        if self.fan_in is not None and self.reduce != "hierarchical":
            raise ValueError(
                f"fan_in applies to the hierarchical reduce only, not to {self.reduce!r}"
            )
        return self


def chunk_text(text: str, size: int | None, overlap: int = 0) -> list[str]:
    """``text`` in chunks of ``size`` characters, each starting ``size - overlap`` after
    the one before; the last chunk ends with the text."""
    if size is None or len(text) <= size:
        return [text]
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be at least 0 and below size ({size}), not {overlap}")
    chunks = []
    for start in range(0, len(text), size - overlap):
        chunks.append(text[start : start + size])
        if start + size >= len(text):
            break
    return chunks


def decide_map_reduce(config: MapReduceConfig, task: str, steps: Sequence[StepRecord]) -> Decision:
    """The map steps, the reduce steps of the next level, or the end."""
    chunks = chunk_text(task, config.chunk_size, config.chunk_overlap)
    maps = of_role(steps, MAPPER)
    if not maps:
        return RunSteps(
            tuple(_map_step(number, len(chunks), chunk) for number, chunk in enumerate(chunks, 1)),
            config.max_parallel,
        )
    lost: list[JsonValue] = [*sorted(int(step.tags["chunk"]) for step in maps if not step.ok)]
    if lost and config.on_chunk_failure == "fail":
        problem = next(step for step in maps if not step.ok)
        return failed(problem, f"chunk {problem.tags['chunk']}")
    kept = sorted((step for step in maps if step.ok), key=lambda step: int(step.tags["chunk"]))
    if not kept:
        return Fail(f"every one of the {len(chunks)} chunks failed", {"failed_chunks": lost})
    metadata: dict[str, JsonValue] = {
        "chunks": len(chunks),
        "failed_chunks": lost,
        "reduce": config.reduce,
    }
    outputs = [step.output for step in kept]
    if config.reduce == "concatenate":
        return Finish("\n\n".join(outputs), metadata | {"levels": 0})
    reduces = of_role(steps, REDUCER)
    broken = first_failure(reduces)
    if broken is not None:
        return failed(broken, f"the reduce of level {broken.tags['level']}")
    fan_in = (config.fan_in or DEFAULT_FAN_IN) if config.reduce == "hierarchical" else None
    return _reduce(config, outputs, reduces, fan_in, lost, metadata)


def _reduce(
    config: MapReduceConfig,
    outputs: list[str],
    reduces: list[StepRecord],
    fan_in: int | None,
    lost: Sequence[JsonValue],
    metadata: dict[str, JsonValue],
) -> Decision:
    """Walk up the levels the records already complete; ask for the first missing one."""
    items, level = outputs, 0
    while len(items) > 1:
        size = fan_in or len(items)
        groups = [items[i : i + size] for i in range(0, len(items), size)]
        level += 1
        done = {int(r.tags["group"]): r.output for r in reduces if r.tags["level"] == level}
        missing = [
            AgentStep(REDUCER, _reduce_prompt(group, level, lost), {"level": level, "group": g})
            for g, group in enumerate(groups, 1)
            if len(group) > 1 and g not in done
        ]
        if missing:
            return RunSteps(tuple(missing), config.max_parallel)
        items = [group[0] if len(group) == 1 else done[g] for g, group in enumerate(groups, 1)]
    return Finish(items[0], metadata | {"levels": level})


def _map_step(number: int, total: int, chunk: str) -> AgentStep:
    where = f"This is part {number} of {total} of a longer text." if total > 1 else "The text:"
    prompt = (
        f"{where}\n\n{chunk}\n\nProcess it as you were asked; your result will be combined "
        "with the results of the other parts."
        if total > 1
        else f"{where}\n\n{chunk}"
    )
    return AgentStep(MAPPER, prompt, {"iteration": number, "chunk": number})


def _reduce_prompt(group: Sequence[str], level: int, lost: Sequence[JsonValue]) -> str:
    parts = "\n\n".join(f"[Part {n}]\n{text}" for n, text in enumerate(group, 1))
    missing = (
        f" Parts {', '.join(map(str, lost))} of the text could not be processed and are missing."
        if lost
        else ""
    )
    stage = "results of processing parts" if level == 1 else "partial combinations of results"
    return (
        f"Here are {len(group)} {stage} of one text.{missing}\n\n{parts}\n\n"
        "Combine them into one result that keeps what matters from each."
    )


class MapReduce(Workflow[MapReduceConfig]):
    """``mapper`` processes each chunk; ``reducer`` (default: the mapper) combines."""

    pattern = "map_reduce"

    def __init__(
        self,
        mapper: Executor,
        reducer: Executor | None = None,
        config: MapReduceConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        config = config or MapReduceConfig()
        if reducer is not None and config.reduce == "concatenate":
            raise WorkflowConfigError(
                "the concatenate reduce makes no model call, so the reducer would never be "
                "called; leave it out or choose reduce='summarize' or 'hierarchical'"
            )
        roles = {MAPPER: mapper, REDUCER: reducer or mapper}
        super().__init__(config, roles, name=name, description=description)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_map_reduce(self.config, task, steps)
