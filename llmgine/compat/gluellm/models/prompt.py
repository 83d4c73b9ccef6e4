"""GlueLLM's ``SystemPrompt``: instructions, written out with the tools they come with.

``to_formatted_string(tools=...)`` writes the prompt as llmgine writes every system prompt,
with its ``PromptTemplates`` (the instructions, then one line per tool: its name and the
first line of its docstring), the text the model is sent. GlueLLM wrapped the same parts
in XML tags; give ``templates=PromptTemplates(...)`` for another layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmgine.prompts import PromptTemplates
from llmgine.tools import Tool, tool_from_function

__all__ = ["SystemPrompt"]

_DEFAULT = PromptTemplates()


class SystemPrompt(BaseModel):
    """A system prompt: ``SystemPrompt(content="You are helpful.")``."""

    model_config = ConfigDict(frozen=True)

    content: str

    def to_formatted_string(
        self,
        tools: Sequence[Callable[..., Any] | Tool[..., Any]] | None = None,
        *,
        templates: PromptTemplates | None = None,
    ) -> str:
        """The system message the model is sent with ``tools`` offered."""
        definitions = [
            (t if isinstance(t, Tool) else tool_from_function(t)).definition for t in tools or ()
        ]
        return (templates or _DEFAULT).render_system(self.content, definitions) or ""

    def __str__(self) -> str:
        return self.content
