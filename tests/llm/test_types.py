"""Request and response types, strict schemas, environment helpers."""

from __future__ import annotations

from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from llmgine.llm import (
    AssistantMessage,
    ChatMessage,
    LLMRequest,
    LLMResponse,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
    strict_json_schema,
)
from llmgine.llm._env import ollama_host, redact
from llmgine.llm._sdkerrors import is_context_length, retry_after


def test_messages_round_trip_through_json_by_role() -> None:
    call = ToolCall(id="c1", name="f", arguments='{"a": 1}')
    history = [
        AssistantMessage(content="", tool_calls=(call,)),
        ToolResultMessage(tool_call_id="c1", name="f", content="2", is_error=True),
    ]
    adapter = TypeAdapter(list[ChatMessage])
    assert adapter.validate_json(adapter.dump_json(history)) == history


def test_tool_call_arguments_parse_or_say_why() -> None:
    assert ToolCall(id="1", name="f", arguments='{"x": 2}').parsed_arguments() == {"x": 2}
    assert ToolCall(id="1", name="f", arguments="").parsed_arguments() == {}
    with pytest.raises(ValueError, match="not a JSON object"):
        ToolCall(id="1", name="f", arguments="[1]").parsed_arguments()
    with pytest.raises(ValueError, match="not JSON"):
        ToolCall(id="1", name="f", arguments="{").parsed_arguments()


def test_usage_adds_up() -> None:
    total = Usage(input_tokens=3, output_tokens=4) + Usage(input_tokens=10, output_tokens=1)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (13, 5, 18)
    assert total.reported


def test_a_sum_with_an_unreported_part_is_unreported() -> None:
    reported = Usage(input_tokens=3, output_tokens=4)
    assert not (reported + Usage.not_reported()).reported
    assert not (Usage.not_reported() + reported).reported
    assert Usage.model_validate({"input_tokens": 1, "output_tokens": 2}).reported  # old logs


def test_reported_is_written_only_when_false() -> None:
    assert Usage(input_tokens=1).model_dump() == {"input_tokens": 1, "output_tokens": 0}
    written = Usage.not_reported().model_dump_json()
    assert '"reported":false' in written
    assert not Usage.model_validate_json(written).reported


def test_response_becomes_the_assistant_message_for_the_history() -> None:
    call = ToolCall(id="1", name="f")
    response = LLMResponse(content="hi", tool_calls=(call,), provider="p", model="m")
    assert response.to_message() == AssistantMessage(content="hi", tool_calls=(call,))
    assert response.model_name == "p:m"


def test_request_of_builds_system_and_user_messages() -> None:
    request = LLMRequest.of("question", system="rules", max_tokens=10)
    assert [m.role for m in request.messages] == ["system", "user"]
    with pytest.raises(ValueError, match="greater than 0"):
        LLMRequest.of("q", max_tokens=0)


class Color(Enum):
    RED = "red"


class Inner(BaseModel):
    tags: list[str]
    weights: dict[str, float]


class Outer(BaseModel):
    name: str
    inner: Inner
    color: Color
    mode: Literal["a", "b"] = "a"
    note: str | None = None


def test_strict_schema_closes_every_object_and_requires_every_field() -> None:
    schema = strict_json_schema(Outer)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "inner", "color", "mode", "note"]
    inner = schema["$defs"]["Inner"]
    assert inner["additionalProperties"] is False
    assert inner["required"] == ["tags", "weights"]
    assert inner["properties"]["weights"]["additionalProperties"] == {"type": "number"}
    assert "default" not in schema["properties"]["note"]
    assert Outer.model_json_schema()["required"] == ["name", "inner", "color"], "not mutated"


def test_strict_schema_keeps_a_field_named_properties() -> None:
    class Odd(BaseModel):
        properties: int

    schema = strict_json_schema(Odd)
    assert schema["properties"]["properties"] == {"title": "Properties", "type": "integer"}


def test_redact_masks_given_secrets_and_key_shapes() -> None:
    text = "bad key sk-abcdefghijklmnop and my-own-secret-value here"
    masked = redact(text, "my-own-secret-value")
    assert "sk-abcdefghijklmnop" not in masked
    assert "my-own-secret-value" not in masked
    assert masked.count("***") == 2


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "http://localhost:11434"),
        ("0.0.0.0:11434", "http://127.0.0.1:11434"),
        ("localhost", "http://localhost:11434"),
        ("http://box:1234/", "http://box:1234"),
        ("https://ollama.example", "https://ollama.example"),
    ],
)
def test_ollama_host_forms(given: str | None, expected: str) -> None:
    assert ollama_host(given) == expected


def test_retry_after_reads_milliseconds_seconds_and_dates() -> None:
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_context_length_is_recognised_in_provider_words() -> None:
    assert is_context_length("context_length_exceeded", "")
    assert is_context_length(None, "prompt is too long: 210000 tokens > 200000 maximum")
    assert not is_context_length(None, "Unknown parameter: 'foo'.")


def test_errors_survive_pickling_with_their_details() -> None:
    import pickle

    from llmgine.llm import RateLimitError, StructuredOutputError

    error = RateLimitError(
        "slow down", retry_after=2.0, provider="openai", model="m", status_code=429
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.retry_after) == (RateLimitError, str(error), 2.0)
    structured = StructuredOutputError("bad", raw="x", errors="y", provider="p", model="m")
    assert pickle.loads(pickle.dumps(structured)).raw == "x"


def test_messages_given_the_same_fields_share_one_fields_set_and_copies_stay_apart() -> None:
    first, second = UserMessage(content="a"), UserMessage(content="b")
    assert first.model_fields_set is second.model_fields_set  # one set, not one per message
    assert first.model_fields_set == {"content"}
    call = AssistantMessage(content="", tool_calls=(ToolCall(id="c1", name="f"),))
    assert call.model_fields_set == {"content", "tool_calls"}
    assert call.tool_calls[0].model_fields_set == {"id", "name"}

    changed = first.model_copy(update={"role": "user", "content": "c"})
    assert changed.model_fields_set == {"content", "role"}
    assert first.model_fields_set == second.model_fields_set == {"content"}
    assert first.model_dump(exclude_unset=True) == {"content": "a"}
    with pytest.raises(ValidationError):
        first.content = "changed"  # type: ignore[misc]
    assert second.model_fields_set == {"content"}
