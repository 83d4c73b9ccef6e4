"""Executing tool calls: validation, what the model reads back, and every failure kind."""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging

import pytest
from pydantic import BaseModel

from llmgine.llm import ToolCall
from llmgine.tools import ToolManager, ToolResult, tool_from_function


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Location(BaseModel):
    lat: float
    lon: float


class Forecast(BaseModel):
    city: str
    high: float


def call(name: str, arguments: str | dict[str, object] = "{}", call_id: str = "call-1") -> ToolCall:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCall(id=call_id, name=name, arguments=text)


def forecast(city: str, days: int = 1, unit: Unit = Unit.CELSIUS) -> str:
    """A forecast.

    Args:
        city: The city.
        days: Days ahead.
        unit: Temperature unit.
    """
    return f"{city}: {days} day(s) in {unit.value}"


# -- validation --------------------------------------------------------------------------


def test_validation_is_lax_and_converts_enums_and_models() -> None:
    def f(count: int, unit: Unit, where: Location, ratio: float = 0.5) -> None: ...

    kwargs = tool_from_function(f).validate_arguments(
        {"count": "3", "unit": "fahrenheit", "where": {"lat": "1.5", "lon": 2}}
    )

    assert kwargs == {
        "count": 3, "unit": Unit.FAHRENHEIT, "where": Location(lat=1.5, lon=2.0), "ratio": 0.5
    }  # fmt: skip
    assert isinstance(kwargs["where"], Location)
    assert kwargs["unit"] is Unit.FAHRENHEIT


async def test_the_function_gets_validated_values() -> None:
    seen: list[tuple[object, ...]] = []

    async def f(count: int, unit: Unit, where: Location) -> str:
        seen.append((count, unit, where))
        return "ok"

    result = await ToolManager([f]).execute(
        call("f", {"count": "7", "unit": "celsius", "where": {"lat": 1, "lon": 2}})
    )

    assert result.ok, result.content
    assert seen == [(7, Unit.CELSIUS, Location(lat=1, lon=2))]


async def test_a_number_is_accepted_for_a_string_parameter() -> None:
    result = await ToolManager([forecast]).execute(call("forecast", {"city": 75001}))

    assert result.content == "75001: 1 day(s) in celsius"


# -- what the model reads back -----------------------------------------------------------


async def test_success_result_carries_the_call_and_the_content() -> None:
    the_call = call("forecast", '{"city": "Paris", "days": "2"}', call_id="abc")

    result = await ToolManager([forecast]).execute(the_call)

    assert result.ok
    assert result.error is None
    assert result.error_kind is None
    assert result.call_id == "abc"
    assert result.tool_name == "forecast"
    assert result.arguments == '{"city": "Paris", "days": "2"}'
    assert result.content == "Paris: 2 day(s) in celsius"
    assert result.duration_ms > 0


class NotJson:
    def __str__(self) -> str:
        return "<not json>"


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text", "plain text"),
        (Forecast(city="Paris", high=21.5), '{"city":"Paris","high":21.5}'),
        ({"a": [1, 2], "b": None}, '{"a":[1,2],"b":null}'),
        ([1, "two"], '[1,"two"]'),
        (42, "42"),
        (True, "true"),
        (None, "null"),
        (Unit.FAHRENHEIT, '"fahrenheit"'),
        (dt.date(2024, 5, 1), '"2024-05-01"'),
        ({"odd": NotJson()}, '{"odd":"<not json>"}'),
    ],
    ids=["str", "model", "dict", "list", "int", "bool", "none", "enum", "date", "fallback"],
)
async def test_return_values_become_content(value: object, content: str) -> None:
    def give() -> object:
        return value

    result = await ToolManager([give]).execute(call("give"))

    assert result.ok
    assert result.content == content


async def test_to_message_carries_the_result_back_to_the_model() -> None:
    result = await ToolManager([forecast]).execute(call("nope"))

    message = result.to_message()

    assert (message.tool_call_id, message.name, message.is_error) == ("call-1", "nope", True)
    assert message.content == result.content


# -- failures ----------------------------------------------------------------------------


def assert_failed(result: ToolResult, kind: str) -> None:
    assert result.error_kind == kind, result
    assert not result.ok
    assert result.error
    assert result.content.startswith("Error: "), result.content
    assert result.duration_ms >= 0


async def test_unknown_tool_lists_the_available_tools() -> None:
    def get_time() -> str:
        return "noon"

    result = await ToolManager([forecast, get_time]).execute(call("get_weather"))

    assert_failed(result, "unknown_tool")
    assert result.content == (
        "Error: there is no tool named 'get_weather'. Available tools: 'forecast', 'get_time'."
    )


async def test_unknown_tool_with_no_tools_at_all_says_so() -> None:
    result = await ToolManager().execute(call("anything"))

    assert_failed(result, "unknown_tool")
    assert result.content.endswith("No tools are available.")


@pytest.mark.parametrize("arguments", ['{"city": "Paris"', "city=Paris", "[1, 2]", '"Paris"'])
async def test_arguments_that_are_not_a_json_object_are_invalid_json(arguments: str) -> None:
    ran: list[str] = []

    def f(city: str) -> None:
        ran.append(city)

    result = await ToolManager([f]).execute(call("f", arguments))

    assert_failed(result, "invalid_json")
    assert "JSON" in result.content
    assert result.content.endswith("Call 'f' again with its arguments as one JSON object.")
    assert result.arguments == arguments
    assert ran == []


async def test_empty_arguments_mean_no_arguments() -> None:
    def now() -> str:
        return "noon"

    result = await ToolManager([now]).execute(call("now", ""))

    assert result.content == "noon"


async def test_invalid_arguments_name_each_bad_field_and_why() -> None:
    ran: list[str] = []

    def f(city: str, days: int, unit: Unit = Unit.CELSIUS) -> None:
        ran.append(city)

    result = await ToolManager([f]).execute(
        call("f", {"days": "many", "unit": "kelvin", "colour": "red"})
    )

    assert_failed(result, "invalid_arguments")
    content = result.content
    assert content.startswith("Error: invalid arguments for tool 'f': ")
    assert "'city': missing (it is required)" in content
    assert "'days': Input should be a valid integer" in content
    assert "'unit': Input should be 'celsius' or 'fahrenheit'" in content
    assert "'colour': not a parameter of this tool" in content
    assert content.endswith("Call the tool again with corrected arguments.")
    assert "pydantic.dev" not in content  # no links, no input echo: short for the model
    assert ran == []


async def test_invalid_nested_field_is_named_by_its_path() -> None:
    def f(where: Location) -> None: ...

    result = await ToolManager([f]).execute(call("f", {"where": {"lat": 1, "lon": "east"}}))

    assert_failed(result, "invalid_arguments")
    assert "'where.lon': Input should be a valid number" in result.content


async def test_many_invalid_fields_are_summarised() -> None:
    def f(
        a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int, i: int, j: int
    ) -> None: ...

    result = await ToolManager([f]).execute(call("f"))

    assert_failed(result, "invalid_arguments")
    assert "'h': missing" in result.content
    assert "'i': missing" not in result.content
    assert "and 2 more" in result.content


async def test_an_exception_becomes_its_type_and_message_without_traceback() -> None:
    def f(city: str) -> str:
        raise LookupError(f"no such city {city!r}")

    result = await ToolManager([f]).execute(call("f", {"city": "Atlantis"}))

    assert_failed(result, "exception")
    assert result.content == "Error: LookupError: no such city 'Atlantis'"
    assert result.error == "LookupError: no such city 'Atlantis'"
    assert "Traceback" not in result.content


async def test_an_exception_traceback_goes_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    def fragile() -> None:
        raise LookupError("gone")

    with caplog.at_level(logging.INFO, logger="llmgine.tools"):
        await ToolManager([fragile]).execute(call("fragile"))

    [record] = caplog.records
    assert record.getMessage() == "tool 'fragile' raised LookupError"
    assert record.exc_info is not None
    assert record.exc_info[0] is LookupError


async def test_an_exception_without_message_is_named_by_its_type() -> None:
    async def f() -> None:
        raise RuntimeError

    result = await ToolManager([f]).execute(call("f"))

    assert_failed(result, "exception")
    assert result.content == "Error: RuntimeError"


async def test_a_timeout_error_raised_by_the_tool_is_an_exception_not_a_timeout() -> None:
    async def f() -> None:
        raise TimeoutError("upstream took too long")

    result = await ToolManager([f]).execute(call("f"))

    assert_failed(result, "exception")
    assert result.content == "Error: TimeoutError: upstream took too long"


async def test_a_return_value_that_cannot_be_sent_is_an_exception() -> None:
    def f() -> bytes:
        return b"\xff\xfe"  # not UTF-8, so not JSON text

    result = await ToolManager([f]).execute(call("f"))

    assert_failed(result, "exception")
