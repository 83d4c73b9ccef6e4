"""GlueLLM's ``RequestConfig``: a model, a system prompt, tools, an optional response format
and a conversation, for building requests by hand.

``get_conversation()`` gives the messages as the chat APIs take them, the system message
(written with the tools, as the model would be sent it) first; ``chat_messages()`` gives
them as ``llmgine.llm`` messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmgine.compat.gluellm.models.conversation import Conversation, Role
from llmgine.compat.gluellm.models.prompt import SystemPrompt
from llmgine.llm import ChatMessage, SystemMessage

__all__ = ["RequestConfig"]


class RequestConfig(BaseModel):
    """What one request is made of."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: str
    system_prompt: SystemPrompt
    response_format: type[BaseModel] | None = None
    tools: list[Callable[..., Any]] = Field(default_factory=list)
    conversation: Conversation = Field(default_factory=Conversation)

    def add_message_to_conversation(self, role: Role, content: str) -> None:
        self.conversation.add_message(role, content)

    def get_conversation(self) -> list[dict[str, str]]:
        """The system message, then the conversation: ``{"role": ..., "content": ...}``."""
        system = {"role": Role.SYSTEM.value, "content": self._system()}
        return [system, *self.conversation.messages_dict]

    def chat_messages(self) -> list[ChatMessage]:
        """The same messages as ``llmgine.llm`` chat messages."""
        return [SystemMessage(content=self._system()), *self.conversation.chat_messages()]

    def _system(self) -> str:
        return self.system_prompt.to_formatted_string(tools=self.tools)
