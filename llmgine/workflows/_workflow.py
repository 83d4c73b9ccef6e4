"""The base of every pattern: a config, named roles, and a pure decision function.

A pattern is three things (see ``docs/workflows.md``, "Adding a pattern"):

1. a pydantic config model, validated when the workflow is built;
2. a pure function ``decide(config, ..., task, steps) -> Decision`` in its own module;
3. a thin ``Workflow`` subclass that checks its executors, names them by role, and
   passes ``decide`` what it needs.

A workflow is an ``Executor`` too, so it can be a role of another workflow: the runtime
runs it as a nested run whose limits, cancellation and usage are tied to the outer one.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel

from llmgine.tools import Tool
from llmgine.workflows._executors import Agent, Executor
from llmgine.workflows._plan import Decision
from llmgine.workflows._results import StepRecord

C = TypeVar("C", bound=BaseModel, covariant=True)


class WorkflowConfigError(ValueError):
    """A workflow was built with executors its pattern cannot work with."""


class Workflow(Executor, Generic[C]):
    """A multi-agent pattern, run by a ``WorkflowRuntime``.

    Args:
        config: the pattern's settings (already validated: a pydantic model).
        roles: the executors, each under the name the pattern's decisions use.
        name: how runs, events and outer workflows name it (default: the pattern).
        description: what it is for.
    """

    pattern: ClassVar[str]

    def __init__(
        self,
        config: C,
        roles: Mapping[str, Executor],
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        for role, executor in roles.items():
            if not isinstance(executor, Executor):
                raise WorkflowConfigError(
                    f"the {role!r} of a {self.pattern} workflow must be an executor "
                    f"(AgentExecutor, SimpleExecutor, a Workflow...), not {executor!r}"
                )
        self.config = config
        self.roles = dict(roles)
        self.name = name or self.pattern
        self.description = description

    @abstractmethod
    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        """What to do next, given the task and every step so far (pure)."""

    def agents(self) -> Iterator[Agent]:
        for executor in self.roles.values():
            yield from executor.agents()

    def own_tools(self) -> tuple[Tool[..., object], ...]:
        """Tools the pattern calls itself (RAG's retriever), not through an agent; they
        join the engine's tool manager with the agents' tools."""
        return ()

    def workflows(self) -> Iterator[Workflow[BaseModel]]:
        """The workflows nested in this one, at any depth."""
        for executor in self.roles.values():
            if isinstance(executor, Workflow):
                yield executor
                yield from executor.workflows()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} roles={list(self.roles)}>"


def named(executors: Sequence[Executor | tuple[str, Executor]]) -> list[tuple[str, Executor]]:
    """Executors with their role names: a pair's name, else the executor's own."""
    return [item if isinstance(item, tuple) else (item.name, item) for item in executors]


def unique_roles(kind: str, names: Sequence[str], reserved: Sequence[str] = ()) -> None:
    """Refuse role names given twice, or taken by the pattern itself."""
    seen: set[str] = set()
    for name in names:
        if name in seen or name in reserved:
            raise WorkflowConfigError(
                f"two {kind}s are named {name!r}" if name in seen
                else f"{name!r} is the name of another role here; name the {kind} otherwise"
            )  # fmt: skip
        seen.add(name)
