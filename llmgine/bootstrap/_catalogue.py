"""The workflow catalogue: every pattern by name, ready to run with default agents.

An entry says what a pattern is for in one line, what input it takes, its default
config, and how to build it from an ``AgentKit``, the maker of default agents (each with
the model and tools it is given, and the settings' tool-round limit). ``llmgine workflow``
lists and runs the entries of ``WORKFLOW_PATTERNS`` (``_patterns.py``); an app may make
a catalogue of its own, or ``add`` entries to a copy. A pattern that retrieves (RAG) takes
its retriever from the kit too.

    entry = WORKFLOW_PATTERNS.get("debate")
    workflow = entry.make(AgentKit(settings), {"max_rounds": 2})

Options override fields of the entry's config and are validated by it, so a bad option
is the same clear error a bad config is, when the workflow is built.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, JsonValue

from llmgine.config import Settings
from llmgine.tools import Tool
from llmgine.workflows import Agent, AgentExecutor, Workflow, WorkflowConfigError

C = TypeVar("C", bound=BaseModel)

ToolLike = Callable[..., Any] | Tool[..., object]
Retriever = Callable[[str], object] | Tool[..., object]


class UnknownPatternError(LookupError):
    """A pattern name the catalogue does not have; the message lists those it has."""


class AgentKit:
    """Makes the default agents of catalogue entries.

    Args:
        settings: where the tool-round limit comes from (``max_tool_iterations``).
        model: ``provider:model`` for every agent (None: the engine's model).
        tools: functions every agent may call (a pattern that acts, ReAct, needs some).
        retriever: what a pattern that retrieves (RAG) searches: a function of the
            question, sync or async, returning passages (see ``RAG``), or a ``Tool`` of one.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        model: str | None = None,
        tools: Sequence[ToolLike] = (),
        retriever: Retriever | None = None,
    ) -> None:
        self.model = model
        self.tools = tuple(tools)
        self.retriever = retriever
        self.max_tool_iterations = settings.max_tool_iterations if settings is not None else 10

    def agent(self, name: str, system_prompt: str, *, description: str = "") -> AgentExecutor:
        """An agent called ``name`` with these instructions, the kit's model and tools."""
        return AgentExecutor(
            Agent(
                name=name,
                description=description,
                system_prompt=system_prompt,
                tools=self.tools,
                model=self.model,
                max_tool_iterations=self.max_tool_iterations,
            )
        )


@dataclass(frozen=True)
class PatternEntry(Generic[C]):
    """One pattern of a catalogue.

    Args:
        name: the pattern's name (its ``Workflow.pattern``).
        summary: what it does, in one line.
        takes: the input it expects, in a few words.
        config: its default config; options override its fields.
        build: makes the workflow from a kit and a config.
        needs_tools: it cannot run without tools (``AgentKit(tools=...)``).
        needs_retriever: it cannot run without a retriever (``AgentKit(retriever=...)``).
    """

    name: str
    summary: str
    takes: str
    config: C
    build: Callable[[AgentKit, C], Workflow[C]]
    needs_tools: bool = False
    needs_retriever: bool = False

    @property
    def options(self) -> dict[str, JsonValue]:
        """The config's fields with their default values here."""
        dumped: dict[str, JsonValue] = self.config.model_dump(mode="json")
        return dumped

    def configure(self, options: Mapping[str, object] | None = None) -> C:
        """The default config with ``options`` in place of its fields, validated (a
        ``WorkflowConfigError`` for an option it has not, ``pydantic.ValidationError``
        for a bad value). Only the fields the default config sets are carried over, so a
        config whose rules ask which fields were given sees the options' choice."""
        options = dict(options or {})
        unknown = sorted(set(options) - set(type(self.config).model_fields))
        if unknown:
            raise WorkflowConfigError(
                f"the {self.name} pattern has no option {unknown[0]!r}; its options are "
                f"{', '.join(self.options) or 'none'}"
            )
        return type(self.config).model_validate(
            self.config.model_dump(exclude_unset=True) | options
        )

    def make(self, kit: AgentKit, options: Mapping[str, object] | None = None) -> Workflow[C]:
        """The workflow, its agents from ``kit``, its config with ``options``."""
        if self.needs_tools and not kit.tools:
            raise WorkflowConfigError(
                f"the {self.name} pattern acts with tools, and none were given; give the "
                "kit tools=[...] (on the command line: --tool MODULE:FUNCTION)"
            )
        if self.needs_retriever and kit.retriever is None:
            raise WorkflowConfigError(
                f"the {self.name} pattern retrieves passages, and no retriever was given; "
                "give the kit retriever=... (on the command line: --docs FOLDER)"
            )
        return self.build(kit, self.configure(options))


class PatternCatalogue:
    """Patterns by name. A name is found with ``-`` or ``_`` alike (``map-reduce``)."""

    def __init__(self, entries: Iterable[PatternEntry[Any]] = ()) -> None:
        self._entries: dict[str, PatternEntry[Any]] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: PatternEntry[C]) -> None:
        """Add ``entry``; a name taken already is a ``ValueError``."""
        if entry.name in self._entries:
            raise ValueError(f"the catalogue has a {entry.name!r} pattern already")
        self._entries[entry.name] = entry

    def get(self, name: str) -> PatternEntry[Any]:
        """The entry of ``name``; an ``UnknownPatternError`` naming the known ones if none."""
        entry = self._entries.get(name.strip().lower().replace("-", "_"))
        if entry is not None:
            return entry
        close = difflib.get_close_matches(name.replace("-", "_"), self.names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownPatternError(
            f"no workflow pattern {name!r}{hint}; the patterns are: {', '.join(self.names)}"
        )

    @property
    def names(self) -> list[str]:
        """The pattern names, sorted."""
        return sorted(self._entries)

    def __iter__(self) -> Iterator[PatternEntry[Any]]:
        """The entries, sorted by name."""
        return (self._entries[name] for name in self.names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def copy(self) -> PatternCatalogue:
        return PatternCatalogue(self._entries.values())
