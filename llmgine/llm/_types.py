"""The data that crosses a provider: chat messages, tools, requests, responses, stream deltas.

Everything here is a frozen pydantic model, so a request or a response can be put in a bus
event and written to the JSONL log as it is. Tool-call arguments stay the raw JSON text the
model produced: a model can emit broken JSON, and the tool layer must be able to say so.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from llmgine.llm._formats import ParsedReply, ResponseFormat

FinishReason = Literal["stop", "tool_calls", "length", "content_filter", "other"]


def clean_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD.

    A JSON decoder lets ``"\\ud800"`` through as half a character, which no UTF-8 writer
    accepts: left in a reply, it would make the history unsendable and the session
    unsavable. Replies and messages are cleaned once, on the way in.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


Text = Annotated[str, AfterValidator(clean_text)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


_FIELD_SETS: dict[frozenset[str], set[str]] = {}


class _Kept(_Frozen):
    """A model that lives as long as its conversation: a message of a history, its calls,
    its usage. Pydantic gives every instance a set of the fields it was given (about 200
    bytes, more than most messages' own fields); a frozen model never changes that set, so
    instances given the same fields share one (``model_copy`` copies it before changing it).
    """

    def model_post_init(self, context: Any, /) -> None:
        given = self.__pydantic_fields_set__
        shared = _FIELD_SETS.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(self, "__pydantic_fields_set__", shared)


class ToolCall(_Kept):
    """One call the model asked for: ``arguments`` is the JSON text exactly as produced."""

    id: str
    name: str
    arguments: Text = "{}"

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; raises ``ValueError`` when they are not a JSON object.

        Integers stay exact however large (the standard ``json`` module, not ``orjson``,
        which turns those above 64 bits into floats); NaN and infinities are refused.
        """
        try:
            value = json.loads(self.arguments or "{}", parse_constant=_no_constant)
        except ValueError as exc:
            raise ValueError(f"arguments of tool call {self.name!r} are not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ValueError(f"arguments of tool call {self.name!r} are not a JSON object")
        return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_text(value: Any) -> str:
    """``value`` as compact JSON: ``orjson``, or the ``json`` module for integers past 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SystemMessage(_Kept):
    role: Literal["system"] = "system"
    content: Text


class UserMessage(_Kept):
    role: Literal["user"] = "user"
    content: Text


class AssistantMessage(_Kept):
    role: Literal["assistant"] = "assistant"
    content: Text = ""
    tool_calls: tuple[ToolCall, ...] = ()


class ToolResultMessage(_Kept):
    """The result of one tool call, sent back to the model; ``is_error`` marks a failure."""

    role: Literal["tool"] = "tool"
    tool_call_id: str
    name: str
    content: Text
    is_error: bool = False


ChatMessage = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolResultMessage,
    Field(discriminator="role"),
]


def _empty_object_schema() -> dict[str, JsonValue]:
    return {"type": "object", "properties": {}}


class ToolDefinition(_Frozen):
    """A tool the model may call; ``parameters`` is a JSON schema of an object."""

    name: str
    description: str = ""
    parameters: dict[str, JsonValue] = Field(default_factory=_empty_object_schema)


class LLMRequest(_Frozen):
    """Everything a provider needs for one call.

    ``response_format`` asks for structured output: the reply is validated against that
    pydantic model and returned in ``LLMResponse.parsed`` (written to logs by name and
    schema: see ``register_response_format``). ``extra`` is passed to the provider's API
    as it is (for options this interface does not name).
    """

    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolDefinition, ...] = ()
    tool_choice: Literal["auto", "required", "none"] | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, gt=0)
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    @classmethod
    def of(cls, prompt: str, *, system: str | None = None, **fields: Any) -> LLMRequest:
        """A request with one user message (and an optional system prompt)."""
        messages: list[ChatMessage] = [SystemMessage(content=system)] if system else []
        messages.append(UserMessage(content=prompt))
        return cls(messages=tuple(messages), **fields)


class Usage(_Kept):
    """Tokens a call used, as the server reported them.

    ``reported`` is False when the server did not say (some OpenAI-compatible servers, a
    stream without a usage chunk): the counts are then 0 and mean nothing, and readers
    show "usage not reported" rather than a real-looking 0. A sum is reported only when
    every part was, so a turn with one unreported call does not pass off a part as the whole.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    reported: bool = True

    @model_serializer(mode="wrap")
    def _written(self, write: SerializerFunctionWrapHandler) -> Any:
        # ``reported`` is written only when False: logs and session files keep the shape
        # they had, and readers of older ones get True, which is what those counts were.
        data = write(self)
        if self.reported and isinstance(data, dict):
            del data["reported"]
        return data

    @classmethod
    def not_reported(cls) -> Usage:
        """The usage of a reply whose server said nothing about tokens."""
        return _NOT_REPORTED

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reported=self.reported and other.reported,
        )


_NOT_REPORTED = Usage(reported=False)


class LLMResponse(_Frozen):
    """A complete reply. ``model`` is the model that served it, as the provider reported."""

    content: Text = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason = "stop"
    usage: Usage = Usage()
    provider: str
    model: str
    response_id: str | None = None
    parsed: ParsedReply = None
    """The reply as an instance of the request's ``response_format``, when it asked for one."""

    @property
    def model_name(self) -> str:
        """``provider:model``, the form models are named in everywhere else."""
        return f"{self.provider}:{self.model}"

    def to_message(self) -> AssistantMessage:
        """The assistant message to append to the history before sending tool results."""
        return AssistantMessage(content=self.content, tool_calls=self.tool_calls)


class TextDelta(_Frozen):
    """A fragment of the reply's text."""

    type: Literal["text"] = "text"
    text: str


class ToolCallDelta(_Frozen):
    """A fragment of tool call number ``index``: its first fragment carries id and name."""

    type: Literal["tool_call"] = "tool_call"
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


class StreamEnd(_Frozen):
    """The last item of every stream: the whole reply, usage included."""

    type: Literal["end"] = "end"
    response: LLMResponse


StreamDelta = Annotated[TextDelta | ToolCallDelta | StreamEnd, Field(discriminator="type")]
