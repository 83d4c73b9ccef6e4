"""Agents and executors: what a workflow calls.

An ``Executor`` is anything a workflow can call with a text and get a text back: an agent
(``AgentExecutor``, and ``SimpleExecutor`` for one built from a model and a system prompt),
an agent that answers with a pydantic model (``StructuredExecutor``), or another workflow
(every ``Workflow`` is an executor, so patterns nest). The runtime turns each call into a
command on the bus: an agent's call is a ``PromptCommand`` that the chat engine serves in a
session of its own, a workflow's a ``RunWorkflowCommand``.

An ``Agent`` is configuration only. With ``memory=True`` its calls share one session (the
agent remembers its earlier calls in this runtime); by default each call starts afresh.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from llmgine.tools import Tool, tool_from_function

T = TypeVar("T", bound=BaseModel)


class Agent(BaseModel):
    """Who answers a call: a system prompt, a model, tools, and their limits.

    Args:
        name: how steps, events and the log name the agent.
        description: what the agent is for (patterns that choose agents read it).
        system_prompt: the agent's instructions (None: the engine's default).
        tools: functions (or ``Tool``s) the agent may call; they join the chat engine's
            tool manager when a workflow that uses the agent first runs.
        model: ``provider:model`` (None: the engine's model).
        max_tool_iterations: rounds of tool calls one call may make before it must answer.
        max_tokens: the most tokens each model reply may have.
        memory: keep the conversation across calls (one session per agent name).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    description: str = ""
    system_prompt: str | None = None
    tools: tuple[Tool[..., object], ...] = ()
    model: str | None = None
    max_tool_iterations: int = Field(default=10, ge=0)
    max_tokens: int | None = Field(default=None, gt=0)
    memory: bool = False

    @field_validator("tools", mode="before")
    @classmethod
    def _as_tools(cls, value: object) -> tuple[Tool[..., object], ...]:
        if not isinstance(value, list | tuple):
            raise TypeError("tools must be a list of functions or Tools")
        tools = tuple(
            item if isinstance(item, Tool) else tool_from_function(_callable(item))
            for item in value
        )
        names = [tool.name for tool in tools]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"the agent has two tools named {', '.join(map(repr, twice))}")
        return tools

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(tool.name for tool in self.tools)


def _callable(item: object) -> Callable[..., object]:
    if not callable(item):
        raise TypeError(f"a tool must be a function or a Tool, not {item!r}")
    return item


class Executor(ABC):
    """Something a workflow can call: an agent, or another workflow."""

    name: str
    description: str

    @abstractmethod
    def agents(self) -> Iterator[Agent]:
        """Every agent this executor may call (itself, for an agent executor)."""


class AgentExecutor(Executor):
    """Calls ``agent``: one chat turn of the engine, with the agent's prompt, model and
    tools, in a session of its own (or the agent's, when it keeps memory)."""

    def __init__(self, agent: Agent, *, response_format: type[BaseModel] | None = None) -> None:
        if not isinstance(agent, Agent):
            raise TypeError(f"AgentExecutor takes an Agent, not {agent!r}")
        self.agent = agent
        self.response_format = response_format
        self.name = agent.name
        self.description = agent.description

    def agents(self) -> Iterator[Agent]:
        yield self.agent

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agent.name!r})"


class SimpleExecutor(AgentExecutor):
    """An agent made on the spot from a model, a system prompt and tools."""

    def __init__(
        self,
        model: str | None = None,
        system_prompt: str | None = None,
        tools: tuple[Callable[..., Any], ...] | list[Callable[..., Any]] = (),
        *,
        name: str = "assistant",
        description: str = "",
        max_tool_iterations: int = 10,
        max_tokens: int | None = None,
    ) -> None:
        agent = Agent.model_validate(
            {
                "name": name,
                "description": description,
                "system_prompt": system_prompt,
                "tools": tools,
                "model": model,
                "max_tool_iterations": max_tool_iterations,
                "max_tokens": max_tokens,
            }
        )
        super().__init__(agent)


class StructuredExecutor(AgentExecutor, Generic[T]):
    """Calls ``agent`` for a reply that validates against ``response_format``; an invalid
    reply is shown its errors and asked again, as the chat engine does for any turn."""

    response_format: type[T]

    def __init__(self, agent: Agent, response_format: type[T]) -> None:
        super().__init__(agent, response_format=response_format)

    def parse(self, value: object) -> T:
        """The reply of a step or run of this executor as an instance of the format."""
        parsed = getattr(value, "parsed", None)
        if isinstance(parsed, self.response_format):
            return parsed
        raise ValueError(
            f"{value.__class__.__name__} holds no {self.response_format.__name__}: "
            f"the call did not complete, or was not made by this executor"
        )
