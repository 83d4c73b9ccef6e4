"""Registering tools on a ToolManager and asking it for their definitions."""

from __future__ import annotations

import pytest

from llmgine.tools import (
    DEFAULT_TOOL_TIMEOUT,
    Tool,
    ToolManager,
    ToolRegistrationError,
    tool_from_function,
)


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def get_time(zone: str = "UTC") -> str:
    """Current time in a time zone."""
    return "12:00"


def test_register_a_function_returns_its_tool() -> None:
    manager = ToolManager()

    tool = manager.register(get_weather)

    assert isinstance(tool, Tool)
    assert tool.name == "get_weather"
    assert manager.get("get_weather") is tool


def test_bare_decorator_registers_and_the_name_stays_callable() -> None:
    manager = ToolManager()

    @manager.register
    def shout(text: str) -> str:
        return text.upper()

    assert "shout" in manager
    assert manager.get("shout") is shout
    assert shout("hi") == "HI"


def test_decorator_with_options_returns_the_function_unchanged() -> None:
    manager = ToolManager()

    def shout(text: str) -> str:
        return text.upper()

    decorated = manager.register(name="loud", description="Shout it.", timeout=2)(shout)

    assert decorated is shout
    tool = manager.get("loud")
    assert tool is not None
    assert (tool.name, tool.description, tool.timeout) == ("loud", "Shout it.", 2)
    assert "shout" not in manager


def test_a_second_tool_with_the_same_name_is_refused_and_named() -> None:
    manager = ToolManager([get_weather])

    def other(city: str) -> str:
        return city

    with pytest.raises(ToolRegistrationError, match="'get_weather' is already registered"):
        manager.register(other, name="get_weather")
    assert manager.get("get_weather") is not None
    assert manager.get("get_weather").function is get_weather  # type: ignore[union-attr]


def test_registration_errors_leave_the_manager_unchanged() -> None:
    manager = ToolManager()

    def bad(*args: int) -> None: ...

    with pytest.raises(ToolRegistrationError):
        manager.register(bad)
    assert len(manager) == 0


def test_constructor_takes_functions_and_tools_in_order() -> None:
    manager = ToolManager([get_weather, tool_from_function(get_time, name="clock")])

    assert manager.names == ("get_weather", "clock")
    assert len(manager) == 2
    assert [tool.name for tool in manager] == ["get_weather", "clock"]


def test_names_keep_registration_order() -> None:
    manager = ToolManager()
    manager.register(get_time)
    manager.register(get_weather)

    assert manager.names == ("get_time", "get_weather")


def test_unregister_removes_the_tool() -> None:
    manager = ToolManager([get_weather, get_time])

    removed = manager.unregister("get_weather")

    assert removed.name == "get_weather"
    assert "get_weather" not in manager
    assert manager.get("get_weather") is None
    assert manager.names == ("get_time",)


def test_unregister_an_unknown_tool_raises_key_error_listing_known_ones() -> None:
    manager = ToolManager([get_time])

    with pytest.raises(KeyError, match=r"'nope'.*'get_time'"):
        manager.unregister("nope")


def test_a_name_is_free_again_after_unregister() -> None:
    manager = ToolManager([get_weather])
    manager.unregister("get_weather")

    manager.register(get_weather)

    assert manager.names == ("get_weather",)


def test_default_timeout_is_thirty_seconds() -> None:
    assert DEFAULT_TOOL_TIMEOUT == 30.0
    assert ToolManager().default_timeout == 30.0


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_a_default_timeout_that_is_not_positive_is_refused(timeout: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        ToolManager(default_timeout=timeout)


# -- definitions -------------------------------------------------------------------------


def test_definitions_of_all_tools_in_registration_order() -> None:
    manager = ToolManager([get_weather, get_time])

    definitions = manager.definitions()

    assert [d.name for d in definitions] == ["get_weather", "get_time"]
    assert definitions[0].description == "Current weather in a city."
    assert definitions[0].parameters["required"] == ["city"]


def test_definitions_of_chosen_tools_in_the_order_asked() -> None:
    manager = ToolManager([get_weather, get_time])

    assert [d.name for d in manager.definitions(["get_time", "get_weather"])] == [
        "get_time",
        "get_weather",
    ]
    assert manager.definitions(()) == ()


def test_definitions_of_unknown_tools_raise_listing_known_ones() -> None:
    manager = ToolManager([get_weather])

    with pytest.raises(ValueError, match=r"'nope'.*registered: 'get_weather'"):
        manager.definitions(["get_weather", "nope"])


def test_definitions_refuse_a_single_string() -> None:
    manager = ToolManager([get_weather])

    with pytest.raises(TypeError, match="list of tool names"):
        manager.definitions("get_weather")


def test_definitions_are_cached_until_the_tools_change() -> None:
    manager = ToolManager([get_weather])

    first = manager.definitions()
    assert manager.definitions() is first
    assert manager.definitions(iter(["get_weather"])) is manager.definitions(("get_weather",))

    manager.register(get_time)
    assert [d.name for d in manager.definitions()] == ["get_weather", "get_time"]

    manager.unregister("get_weather")
    assert [d.name for d in manager.definitions()] == ["get_time"]


def test_repr_lists_the_tools() -> None:
    assert repr(ToolManager([get_weather])) == "<ToolManager 'get_weather'>"
