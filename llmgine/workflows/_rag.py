"""RAG: retrieve passages, answer from them, and optionally have the answer verified.

The retriever is a function of the question (sync or async) that returns a list of
passages: strings, or objects with a ``content`` and an optional ``source``. It runs as a
tool of the chat engine, through the bus (``ExecuteToolCommand``), so its call is in the
log, its time limit and the tool hooks apply, and a sync retriever runs off the event loop.
The first ``max_passages`` passages are kept in the retriever's order (its ranking), and
the sources are listed in that order, each once.

The generator answers from the numbered passages. A verifier, when given, checks the
answer against them and replies with a structured verdict; an answer it does not find
supported, whose verdict is malformed, whose verification failed, or that had no passages
to be checked against, fails the run (``on_unsupported="fail"``) or completes flagged
(``"flag"``): ``metadata["verification"]`` says which. A failed retrieval or generation
fails the run; so does finding nothing, with ``without_passages="fail"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from llmgine.llm import ToolCall
from llmgine.tools import Tool, ToolRegistrationError, tool_from_function
from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Fail,
    Finish,
    ToolStep,
    failed,
    of_role,
    one,
)
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, read_reply
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

GENERATOR = "generator"
VERIFIER = "verifier"
RETRIEVAL = "tool"

Verification = Literal["supported", "unsupported", "malformed", "failed", "unverifiable"]


class RAGConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_passages: int = Field(default=5, ge=1)
    """Passages kept, in the retriever's order."""
    cite_sources: bool = True
    """End the answer with ``Sources: ...``, in passage order."""
    without_passages: Literal["answer", "fail"] = "answer"
    """When the retriever finds nothing: answer without passages (saying so), or fail."""
    on_unsupported: Literal["fail", "flag"] = "fail"
    """What an answer the verifier does not support does to the run (needs a verifier)."""


class Passage(BaseModel):
    """One passage a retriever found; other keys of a retriever's dicts are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    content: str
    source: str | None = None


class Verdict(StrictReply):
    supported: bool
    problems: tuple[str, ...] = ()


def read_passages(output: str) -> list[Passage] | Malformed:
    """The passages of a retrieval's result (a JSON list of strings or objects)."""
    try:
        items = orjson.loads(output)
    except orjson.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        return Malformed(f"the retriever must return a list, not {output[:60]!r}")
    try:
        return [
            Passage(content=item) if isinstance(item, str) else Passage.model_validate(item)
            for item in items
        ]
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"]) or "passage"
        return Malformed(
            f"a passage is a string or has a 'content' string ({where}: {error['msg']})"
        )


def sources_of(passages: Sequence[Passage]) -> list[str]:
    """Each passage's source (``passage N`` when it has none), in order, each once."""
    names = (p.source or f"passage {n}" for n, p in enumerate(passages, 1))
    return list(dict.fromkeys(names))


def decide_rag(
    config: RAGConfig,
    retriever: str,
    argument: str,
    verified: bool,
    task: str,
    steps: Sequence[StepRecord],
) -> Decision:
    """Retrieve (calling tool ``retriever`` with ``{argument: task}``), answer, verify."""
    retrievals = of_role(steps, RETRIEVAL)
    if not retrievals:
        arguments = orjson.dumps({argument: task}).decode()
        call = ToolCall(id="retrieval", name=retriever, arguments=arguments)
        return one(ToolStep(call, {"iteration": 1}))
    if not retrievals[0].ok:
        return failed(retrievals[0], "the retrieval")
    passages = read_passages(retrievals[0].output)
    if isinstance(passages, Malformed):
        return Fail(f"the retriever's result cannot be read: {passages.reason}")
    passages = passages[: config.max_passages]
    sources = sources_of(passages)
    metadata: dict[str, JsonValue] = {"passages": len(passages), "sources": list(sources)}
    if not passages and config.without_passages == "fail":
        return Fail("the retriever found no passages for the question", metadata)
    answers = of_role(steps, GENERATOR)
    if not answers:
        return one(AgentStep(GENERATOR, _answer_prompt(task, passages), {"iteration": 1}))
    if not answers[0].ok:
        return failed(answers[0], "the answer")
    answer = answers[0].output
    if config.cite_sources and sources:
        answer = f"{answer}\n\nSources: {', '.join(sources)}"
    if not verified:
        return Finish(answer, metadata | {"verification": None, "problems": []})
    checks = of_role(steps, VERIFIER)
    if passages and not checks:
        return one(AgentStep(VERIFIER, _verify_prompt(task, passages, answers[0].output)))
    verification, problems = _verification(checks[0] if checks else None)
    metadata |= {"verification": verification, "problems": list(problems)}
    if verification == "supported" or config.on_unsupported == "flag":
        return Finish(answer, metadata)
    return Fail(f"the answer was not verified ({verification}): {'; '.join(problems)}", metadata)


def _verification(check: StepRecord | None) -> tuple[Verification, list[str]]:
    if check is None:
        return "unverifiable", ["no passages were found to check the answer against"]
    if not check.ok:
        return "failed", [f"the verifier's call {check.status}: {check.error}"]
    verdict = read_reply(check, Verdict)
    if isinstance(verdict, Malformed):
        return "malformed", [f"the verdict is malformed: {verdict.reason}"]
    if verdict.supported:
        return "supported", list(verdict.problems)
    return "unsupported", list(verdict.problems) or ["the verifier gave no reason"]


def _numbered(passages: Sequence[Passage]) -> str:
    return "\n\n".join(
        f"[{n}] ({p.source or f'passage {n}'}) {p.content}" for n, p in enumerate(passages, 1)
    )


def _answer_prompt(task: str, passages: Sequence[Passage]) -> str:
    if not passages:
        return (
            f"Question: {task}\n\nNo passages were found for this question. Answer from what "
            "you know, and say that you had no sources."
        )
    return (
        f"Question: {task}\n\nPassages:\n\n{_numbered(passages)}\n\nAnswer the question from "
        "these passages only, citing the ones you use by number, like [1]. If they do not "
        "hold the answer, say so."
    )


def _verify_prompt(task: str, passages: Sequence[Passage], answer: str) -> str:
    return (
        f"Question: {task}\n\nPassages:\n\n{_numbered(passages)}\n\nAnswer to check:\n{answer}"
        "\n\nCheck each claim of the answer against the passages: a claim they neither state "
        "nor imply is a problem.\n"
        + ask_for('{"supported": true or false, "problems": ["each unsupported claim"]}')
    )


Retriever = Callable[[str], object]
"""A function of the question, sync or async, returning a list of passages."""


class RAG(Workflow[RAGConfig]):
    """``retriever`` finds passages, ``generator`` answers from them, ``verifier`` (optional)
    checks the answer.

    The retriever is a function (or a ``Tool``) with one required parameter, the question;
    it joins the chat engine's tools as ``retriever_name`` (default: the function's name,
    else ``retrieve``), so two RAG workflows with different retrievers need two names.
    """

    pattern = "rag"

    def __init__(
        self,
        retriever: Retriever | Tool[..., object],
        generator: Executor,
        verifier: Executor | None = None,
        config: RAGConfig | None = None,
        *,
        retriever_name: str | None = None,
        name: str | None = None,
        description: str = "",
    ) -> None:
        config = config or RAGConfig()
        if verifier is None and "on_unsupported" in config.model_fields_set:
            raise WorkflowConfigError("on_unsupported applies only to a RAG with a verifier")
        self.retriever = _retrieval_tool(retriever, retriever_name)
        required = self.retriever.parameters.get("required", [])
        if len(required) != 1:
            raise WorkflowConfigError(
                f"the retriever {self.retriever.name!r} must take exactly one required "
                f"parameter, the question; it takes {len(required)}"
            )
        self.argument: str = required[0]
        roles = {GENERATOR: generator} | ({VERIFIER: verifier} if verifier is not None else {})
        super().__init__(config, roles, name=name, description=description)
        self.verified = verifier is not None

    def own_tools(self) -> tuple[Tool[..., object], ...]:
        return (self.retriever,)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_rag(
            self.config, self.retriever.name, self.argument, self.verified, task, steps
        )


def _retrieval_tool(
    retriever: Retriever | Tool[..., object], name: str | None
) -> Tool[..., object]:
    if isinstance(retriever, Tool):
        return retriever
    if not callable(retriever):
        raise WorkflowConfigError(f"the retriever must be a function, not {retriever!r}")
    if name is None:
        own = getattr(retriever, "__name__", "")
        name = own if own.isidentifier() and own.isascii() else "retrieve"
    try:
        return tool_from_function(retriever, name=name)
    except ToolRegistrationError as exc:
        raise WorkflowConfigError(
            f"the retriever cannot be called as a tool: {exc} (name it with retriever_name=...)"
        ) from exc
