"""The demo tools: what they return, what they refuse, and the schemas the model reads."""

from __future__ import annotations

import pytest

from llmgine.tools import ToolManager
from programs.function_chat import DEMO_TOOLS, get_weather, send_email


def test_weather_of_a_known_city() -> None:
    assert get_weather("Paris") == "Paris: 18°C, partly cloudy, humidity 62% (mock data)"
    assert get_weather("  paris ", unit="fahrenheit").startswith("paris: 64°F, partly cloudy")
    assert get_weather("Paris", unit="F") == get_weather("Paris", unit="fahrenheit")


def test_weather_of_any_other_place_is_made_up_the_same_every_time() -> None:
    first = get_weather("Reykjavik")
    assert first == get_weather("Reykjavik")
    assert first.startswith("Reykjavik: ")
    assert first.endswith("(mock data)")
    assert first != get_weather("Oslo")


@pytest.mark.parametrize(
    ("location", "unit", "message"),
    [
        ("Paris", "kelvin", "unit must be 'celsius' or 'fahrenheit', not 'kelvin'"),
        ("   ", "celsius", "location is empty"),
    ],
)
def test_weather_refuses_bad_arguments(location: str, unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_weather(location, unit)


def test_an_email_is_shown_and_not_sent() -> None:
    shown = send_email("ada@example.com", "Lunch", "Noon at the usual place?")
    assert shown == (
        "Not sent (this tool is a mock). It would have sent:\n"
        "To: ada@example.com\nSubject: Lunch\n\nNoon at the usual place?"
    )


def test_an_email_needs_an_address() -> None:
    with pytest.raises(ValueError, match="'ada' is not an email address"):
        send_email("ada", "Lunch", "Noon?")


def test_the_schemas_the_model_reads() -> None:
    definitions = {d.name: d for d in ToolManager(DEMO_TOOLS).definitions()}
    assert list(definitions) == ["get_weather", "send_email", "calculate"]
    weather = definitions["get_weather"].parameters
    assert weather["required"] == ["location"]
    assert weather["properties"]["unit"]["default"] == "celsius"
    assert "celsius" in weather["properties"]["unit"]["description"]
    assert definitions["send_email"].parameters["required"] == ["to", "subject", "body"]
    assert definitions["calculate"].parameters["required"] == ["expression"]
    assert "mock" in definitions["send_email"].description
