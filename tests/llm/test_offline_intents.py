"""The offline stand-in's reading of plain requests, and how it fills tool arguments (pure)."""

from __future__ import annotations

import pytest

from llmgine.llm import ToolDefinition
from llmgine.llm._offline_intents import find_intents
from llmgine.llm._offline_tools import PlannedCall, call_for, plan_tool_calls

WEATHER = ToolDefinition(
    name="get_weather",
    description="Get the current weather for a location.",
    parameters={
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        },
        "required": ["location"],
    },
)
CALCULATE = ToolDefinition(
    name="calculate",
    description="Evaluate an arithmetic expression.",
    parameters={
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
    },
)
SEND_EMAIL = ToolDefinition(
    name="send_email",
    description="Send an email.",
    parameters={
        "type": "object",
        "properties": {
            "to": {"type": "string"},
            "subject": {"type": "string"},
            "body": {"type": "string"},
        },
        "required": ["to", "subject", "body"],
    },
)
ALL_TOOLS = (WEATHER, CALCULATE, SEND_EMAIL)


def slots(text: str) -> list[tuple[str, dict[str, str]]]:
    return [(intent.kind, dict(intent.slots)) for intent in find_intents(text)]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("What's the weather in Paris?", "Paris"),
        ("weather for New York", "New York"),
        ("temperature in Tokyo right now", "Tokyo"),
        ("What's the weather like in London today?", "London"),
        ("Is it raining in Rio de Janeiro?", "Rio de Janeiro"),
        ("how hot is it in Cairo", "Cairo"),
        ("what\u2019s the weather in St. Louis.", "St. Louis"),
    ],
)
def test_weather_requests_name_the_place(text: str, place: str) -> None:
    assert slots(text) == [("weather", {"location": place})]


def test_weather_in_several_places_is_one_request_per_place() -> None:
    assert slots("Weather in Paris, London and in Berlin?") == [
        ("weather", {"location": "Paris"}),
        ("weather", {"location": "London"}),
        ("weather", {"location": "Berlin"}),
    ]


def test_a_unit_in_the_request_is_kept() -> None:
    assert slots("weather in Oslo in fahrenheit") == [
        ("weather", {"location": "Oslo", "unit": "fahrenheit"})
    ]


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("What is 2+3?", "2+3"),
        ("calculate (4*5)/2", "(4*5)/2"),
        ("what's 7 times 6", "7*6"),
        ("what is 10 divided by 4", "10/4"),
        ("What is 9 minus 12 plus 1?", "9-12+1"),
        ("compute 2 to the power of 8", "2**8"),
        ("what is 3 x 4", "3*4"),
        ("12 / 4", "12/4"),
    ],
)
def test_arithmetic_is_normalised_to_an_expression(text: str, expression: str) -> None:
    assert slots(text) == [("arithmetic", {"expression": expression})]


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "what is 5?",
        "what is the date 2024-01-05",
        "I have 3 cats and 2 dogs",
        "meet me at 5-6 pm",
        "what is (2+3",
    ],
)
def test_numbers_alone_are_not_arithmetic(text: str) -> None:
    assert slots(text) == []


def test_email_with_subject_and_body() -> None:
    text = "send an email to bob@example.com with subject Hi saying see you soon"
    assert slots(text) == [
        ("email", {"to": "bob@example.com", "subject": "Hi", "body": "see you soon"})
    ]


def test_email_about_a_topic_uses_it_as_subject_and_body() -> None:
    assert slots("email alice@x.org about the meeting") == [
        ("email", {"to": "alice@x.org", "subject": "The meeting", "body": "The meeting"})
    ]


def test_email_with_quoted_fields() -> None:
    text = "write an email to a@b.co with the subject 'Lunch' and body 'see you at noon'"
    assert slots(text) == [
        ("email", {"to": "a@b.co", "subject": "Lunch", "body": "see you at noon"})
    ]


@pytest.mark.parametrize(
    ("text", "subject", "body"),
    [
        ("email bob@x.com with subject: Lunch, saying see you at noon", "Lunch", "see you at noon"),
        ("mail bob@x.com: running late, start without me", "running late, start without me", None),
        ("send bob@x.com an email telling him the build is green", "the build is green", None),
    ],
)
def test_email_phrasings(text: str, subject: str, body: str | None) -> None:
    assert slots(text) == [
        ("email", {"to": "bob@x.com", "subject": subject, "body": body or subject})
    ]


def test_the_words_of_an_email_are_not_read_as_other_requests() -> None:
    text = "email bob@mail.com about the weather in Paris, and what's the weather in Rome?"
    assert slots(text) == [
        (
            "email",
            {
                "to": "bob@mail.com",
                "subject": "The weather in Paris",
                "body": "The weather in Paris",
            },
        ),
        ("weather", {"location": "Rome"}),
    ]


def test_an_address_without_an_email_word_is_not_an_email() -> None:
    assert slots("my address is bob@example.com") == []


def test_mixed_requests_come_in_the_order_they_were_asked() -> None:
    text = "What is 6*7 and what's the weather in Lima? Then email ann@x.io saying done"
    assert [kind for kind, _ in slots(text)] == ["arithmetic", "weather", "email"]


def test_plan_fills_the_realistic_tools() -> None:
    text = "weather in Paris and Rome, what is 2+3, and email bob@x.com saying hi"
    assert plan_tool_calls(text, ALL_TOOLS) == [
        PlannedCall("get_weather", {"location": "Paris"}),
        PlannedCall("get_weather", {"location": "Rome"}),
        PlannedCall("calculate", {"expression": "2+3"}),
        PlannedCall("send_email", {"to": "bob@x.com", "subject": "hi", "body": "hi"}),
    ]


def test_no_call_when_no_tool_fits() -> None:
    assert plan_tool_calls("What's the weather in Paris?", (CALCULATE, SEND_EMAIL)) == []
    assert plan_tool_calls("What is 2+3?", (WEATHER,)) == []


def test_unit_is_set_only_when_the_schema_allows_it() -> None:
    assert plan_tool_calls("weather in Oslo in fahrenheit", (WEATHER,)) == [
        PlannedCall("get_weather", {"location": "Oslo", "unit": "fahrenheit"})
    ]
    assert plan_tool_calls("weather in Oslo in kelvin", (WEATHER,)) == [
        PlannedCall("get_weather", {"location": "Oslo"})
    ]


def test_parameters_are_found_by_name_and_description() -> None:
    forecast = ToolDefinition(
        name="lookup",
        description="Weather forecast for a city",
        parameters={
            "type": "object",
            "properties": {"city_name": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city_name"],
        },
    )
    assert plan_tool_calls("forecast for Oslo", (forecast,)) == [
        PlannedCall("lookup", {"city_name": "Oslo"})
    ]


def test_a_lone_string_parameter_takes_the_value() -> None:
    math = ToolDefinition(
        name="math",
        parameters={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    )
    assert plan_tool_calls("what is 1+1", (math,)) == [PlannedCall("math", {"q": "1+1"})]


def test_required_parameters_take_defaults_or_enums_or_the_tool_is_skipped() -> None:
    strict = ToolDefinition(
        name="get_weather",
        parameters={
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
                "detail": {"type": "boolean", "default": False},
            },
            "required": ["location", "unit", "detail"],
        },
    )
    impossible = ToolDefinition(
        name="get_weather",
        parameters={
            "type": "object",
            "properties": {"location": {"type": "string"}, "date": {"type": "string"}},
            "required": ["location", "date"],
        },
    )
    (intent,) = find_intents("weather in Paris")
    assert call_for(intent, (strict,)) == PlannedCall(
        "get_weather", {"location": "Paris", "unit": "c", "detail": False}
    )
    assert call_for(intent, (impossible,)) is None


def test_an_array_parameter_gets_a_list() -> None:
    mailer = ToolDefinition(
        name="send_mail",
        parameters={
            "type": "object",
            "properties": {
                "recipients": {"type": "array", "items": {"type": "string"}},
                "message": {"type": "string"},
            },
            "required": ["recipients", "message"],
        },
    )
    assert plan_tool_calls("mail joe@x.com saying hello there", (mailer,)) == [
        PlannedCall("send_mail", {"recipients": ["joe@x.com"], "message": "hello there"})
    ]
