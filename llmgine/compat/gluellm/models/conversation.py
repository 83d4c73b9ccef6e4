"""GlueLLM's ``Conversation``, ``Message`` and ``Role``: a history you keep yourself.

GlueLLM's shapes (a ``Role`` enum, messages with ids, ``messages_dict``) over llmgine's
chat messages: ``Message.chat_message()`` and ``Conversation.chat_messages()`` give the
``llmgine.llm`` messages a provider or ``ContextManager.replace`` takes. Tool calls are not
part of GlueLLM's model of a message, so a ``Role.TOOL`` message carries its text only.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from llmgine.llm import AssistantMessage, ChatMessage, SystemMessage, UserMessage
from llmgine.messages import new_id

__all__ = ["Conversation", "Message", "Role"]


class Role(StrEnum):
    """Who wrote a message; the values are the roles of the chat APIs."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class Message(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    role: Role
    content: str

    def chat_message(self) -> ChatMessage:
        """The message as llmgine's chat message (a tool's text goes as the user's: llmgine
        sends a tool result only with the call it answers)."""
        if self.role is Role.SYSTEM:
            return SystemMessage(content=self.content)
        if self.role is Role.ASSISTANT:
            return AssistantMessage(content=self.content)
        return UserMessage(content=self.content)


class Conversation(BaseModel):
    """Messages in order, under an id."""

    id: str = Field(default_factory=new_id)
    messages: list[Message] = Field(default_factory=list)

    def add_message(self, role: Role, content: str) -> Message:
        message = Message(role=role, content=content)
        self.messages.append(message)
        return message

    @property
    def messages_dict(self) -> list[dict[str, str]]:
        """The messages as the chat APIs take them: ``{"role": ..., "content": ...}``."""
        return [{"role": m.role.value, "content": m.content} for m in self.messages]

    def chat_messages(self) -> list[ChatMessage]:
        """The messages as llmgine's chat messages."""
        return [m.chat_message() for m in self.messages]
