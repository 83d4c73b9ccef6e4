"""The message envelope and the three kinds of message.

    Message                 envelope: session_id, timestamp, metadata
    ├── Command             command_id, parent_id   (exactly one handler, returns a result)
    ├── Event               event_id, parent_id     (any number of subscribers)
    └── CommandResult       command_id, success, result, error

Messages are frozen pydantic models: what was recorded in the log is what the handlers
saw. To change one (in a middleware, say), make a copy with ``model_copy(update=...)``.
Built inside a handler, a message takes its ``parent_id`` and ``session_id`` from the
message being handled, so causality is filled in without anyone passing ids around.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from llmgine.messages._context import current_parent_id, current_session_id
from llmgine.messages._ids import new_id, utc_now
from llmgine.messages._registry import registry

MessageKind = Literal["command", "event", "result"]
_RESERVED = frozenset({"kind", "type"})


def _in_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Message(BaseModel):
    """Fields and behaviour shared by every message on the bus."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ClassVar[MessageKind]

    session_id: str = Field(default_factory=current_session_id)
    """The session the message belongs to; ``"BUS"`` means bus-wide."""
    timestamp: UtcDatetime = Field(default_factory=utc_now)
    metadata: dict[str, Any] = Field(default_factory=dict)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Runs before pydantic collects the fields, so this error comes first.
        annotations = inspect.get_annotations(cls)
        for name in sorted(_RESERVED.intersection(annotations)):
            if "ClassVar" not in str(annotations[name]):
                raise TypeError(
                    f"{cls.__name__} has a field named {name!r}, which the log format "
                    f"reserves for itself; rename the field"
                )
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        registry.register(cls)

    @property
    def message_id(self) -> str:
        """The id that names this message in the log (a result shares its command's)."""
        raise NotImplementedError


class Command(Message):
    """A request for exactly one handler to do something and return a result.

    Subclasses are named in the imperative: ``PromptCommand``, ``ExecuteToolCommand``.
    """

    kind: ClassVar[MessageKind] = "command"

    command_id: str = Field(default_factory=new_id)
    parent_id: str | None = Field(default_factory=current_parent_id)

    @property
    def message_id(self) -> str:
        return self.command_id


class Event(Message):
    """A fact that happened, delivered to every subscriber of its class or a base class.

    Subclasses are named in the past tense: ``ToolCallCompletedEvent``.
    """

    kind: ClassVar[MessageKind] = "event"

    event_id: str = Field(default_factory=new_id)
    parent_id: str | None = Field(default_factory=current_parent_id)

    @property
    def message_id(self) -> str:
        return self.event_id


class CommandResult(Message):
    """The outcome of one command: its value on success, a readable error otherwise."""

    kind: ClassVar[MessageKind] = "result"

    success: bool
    command_id: str
    result: Any = None
    error: str | None = None

    @property
    def message_id(self) -> str:
        return self.command_id
