"""Schemas from type hints and docstrings: what the model is told about each tool."""

from __future__ import annotations

import enum
import functools
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from llmgine.llm import ToolDefinition
from llmgine.tools import Tool, ToolRegistrationError, tool_from_function


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Location(BaseModel):
    lat: float
    lon: float


def properties(tool: Tool[..., object]) -> dict[str, Any]:
    props: dict[str, Any] = tool.parameters["properties"]
    return props


# -- types -------------------------------------------------------------------------------


def test_scalar_types_map_to_json_types() -> None:
    def f(s: str, i: int, x: float, b: bool) -> None: ...

    props = properties(tool_from_function(f))

    assert props == {
        "s": {"type": "string"},
        "i": {"type": "integer"},
        "x": {"type": "number"},
        "b": {"type": "boolean"},
    }


def test_the_schema_is_an_object_without_pydantic_titles() -> None:
    def f(city: str, days: int = 1) -> None: ...

    schema = tool_from_function(f).parameters

    assert schema["type"] == "object"
    assert "title" not in schema
    assert all("title" not in prop for prop in schema["properties"].values())


def test_parameters_without_defaults_are_required_and_defaults_are_kept() -> None:
    def f(city: str, days: int = 3, unit: str = "c") -> None: ...

    schema = tool_from_function(f).parameters

    assert schema["required"] == ["city"]
    assert schema["properties"]["days"]["default"] == 3
    assert schema["properties"]["unit"]["default"] == "c"


def test_a_function_with_only_defaults_has_an_empty_required_list() -> None:
    def f(days: int = 3) -> None: ...

    assert tool_from_function(f).parameters["required"] == []


def test_a_function_without_parameters_has_an_empty_object_schema() -> None:
    def f() -> str:
        return "now"

    schema = tool_from_function(f).parameters

    assert schema["type"] == "object"
    assert schema["properties"] == {}
    assert schema["required"] == []


@pytest.mark.parametrize("hint", [int | None, Optional[int]])  # noqa: UP045 - both spellings
def test_optional_with_a_default_allows_null_and_is_not_required(hint: Any) -> None:
    def f(days: int | None = None) -> None: ...

    f.__annotations__["days"] = hint
    schema = tool_from_function(f).parameters

    assert schema["properties"]["days"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert schema["properties"]["days"]["default"] is None
    assert schema["required"] == []


def test_literal_becomes_an_enum() -> None:
    def f(unit: Literal["c", "f"] = "c") -> None: ...

    prop = properties(tool_from_function(f))["unit"]

    assert prop["enum"] == ["c", "f"]
    assert prop["default"] == "c"


def test_enum_subclass_becomes_a_referenced_enum_of_its_values() -> None:
    def f(unit: Unit) -> None: ...

    schema = tool_from_function(f).parameters

    assert schema["properties"]["unit"] == {"$ref": "#/$defs/Unit"}
    assert schema["$defs"]["Unit"]["enum"] == ["celsius", "fahrenheit"]


def test_list_and_dict_types_describe_their_items() -> None:
    def f(tags: list[str], scores: dict[str, float]) -> None: ...

    props = properties(tool_from_function(f))

    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["scores"] == {"type": "object", "additionalProperties": {"type": "number"}}


def test_nested_pydantic_model_is_kept_in_defs() -> None:
    def f(where: Location) -> None: ...

    schema = tool_from_function(f).parameters

    assert schema["properties"]["where"] == {"$ref": "#/$defs/Location"}
    assert schema["$defs"]["Location"]["required"] == ["lat", "lon"]
    assert schema["$defs"]["Location"]["properties"]["lat"]["type"] == "number"


def test_annotated_field_constraints_and_description_are_used() -> None:
    def f(days: Annotated[int, Field(ge=1, le=7, description="Days ahead.")] = 1) -> None:
        """Forecast.

        Args:
            days: The docstring's words, which the explicit Field overrides.
        """

    prop = properties(tool_from_function(f))["days"]

    assert prop == {
        "type": "integer", "minimum": 1, "maximum": 7, "description": "Days ahead.", "default": 1
    }  # fmt: skip


def test_annotated_field_without_description_takes_the_docstring_one() -> None:
    def f(days: Annotated[int, Field(ge=1)]) -> None:
        """Forecast.

        Args:
            days: Days ahead.
        """

    prop = properties(tool_from_function(f))["days"]

    assert prop == {"type": "integer", "minimum": 1, "description": "Days ahead."}


def test_a_parameter_without_annotation_accepts_anything() -> None:
    def f(value, count: int = 0):  # type: ignore[no-untyped-def]
        ...

    schema = tool_from_function(f).parameters

    assert schema["properties"]["value"] == {}
    assert schema["required"] == ["value"]


def test_parameter_names_pydantic_reserves_keep_their_names() -> None:
    def f(schema: str, json: int = 0) -> None: ...

    tool = tool_from_function(f)

    assert list(tool.parameters["properties"]) == ["schema", "json"]
    assert tool.parameters["required"] == ["schema"]
    assert tool.validate_arguments({"schema": "s", "json": "2"}) == {"schema": "s", "json": 2}


def test_a_parameter_with_a_leading_underscore_keeps_its_name() -> None:
    def f(_internal: int = 1) -> None: ...

    tool = tool_from_function(f)

    assert list(tool.parameters["properties"]) == ["_internal"]
    assert tool.validate_arguments({"_internal": "5"}) == {"_internal": 5}


def test_unknown_arguments_are_refused_by_the_schema() -> None:
    def f(city: str) -> None: ...

    assert tool_from_function(f).parameters["additionalProperties"] is False


def test_string_annotations_are_resolved() -> None:
    # This module uses `from __future__ import annotations`: every hint here is a string.
    def f(where: Location, unit: Unit = Unit.CELSIUS) -> None: ...

    schema = tool_from_function(f).parameters

    assert schema["properties"]["unit"]["default"] == "celsius"
    assert "Location" in schema["$defs"]


# -- docstrings --------------------------------------------------------------------------


def google(city: str, days: int = 1) -> str:
    """Get the weather forecast.

    Uses the national weather service.

    Args:
        city: The city name, e.g. "Paris".
        days (int): How many days ahead.

    Returns:
        The forecast as text.
    """
    return ""


def numpy(city: str, days: int = 1) -> str:
    """Get the weather forecast.

    Uses the national weather service.

    Parameters
    ----------
    city : str
        The city name, e.g. "Paris".
    days : int, optional
        How many days ahead.

    Returns
    -------
    str
        The forecast as text.
    """
    return ""


def rest(city: str, days: int = 1) -> str:
    """Get the weather forecast.

    Uses the national weather service.

    :param city: The city name, e.g. "Paris".
    :param int days: How many days ahead.
    :returns: The forecast as text.
    """
    return ""


@pytest.mark.parametrize("func", [google, numpy, rest], ids=["google", "numpy", "rest"])
def test_each_docstring_style_describes_the_right_parameters(func: Any) -> None:
    tool = tool_from_function(func)
    props = properties(tool)

    assert props["city"]["description"] == 'The city name, e.g. "Paris".'
    assert props["days"]["description"] == "How many days ahead."


@pytest.mark.parametrize("func", [google, numpy, rest], ids=["google", "numpy", "rest"])
def test_the_description_is_the_summary_and_body_without_sections(func: Any) -> None:
    tool = tool_from_function(func)

    assert tool.description == ("Get the weather forecast.\n\nUses the national weather service.")
    for section_word in ("Args", "Parameters", ":param", "Returns", "Paris", "----"):
        assert section_word not in tool.description


def test_a_function_without_docstring_has_an_empty_description() -> None:
    def f(city: str) -> None: ...

    tool = tool_from_function(f)

    assert tool.description == ""
    assert "description" not in tool.parameters["properties"]["city"]


def test_an_explicit_description_replaces_the_docstring_but_keeps_parameter_docs() -> None:
    tool = tool_from_function(google, description="Weather, please.")

    assert tool.description == "Weather, please."
    assert properties(tool)["city"]["description"] == 'The city name, e.g. "Paris".'


def test_definition_carries_name_description_and_parameters() -> None:
    tool = tool_from_function(google, name="forecast")

    assert tool.definition == ToolDefinition(
        name="forecast", description=tool.description, parameters=tool.parameters
    )


# -- what a tool knows about its function ------------------------------------------------


def test_name_defaults_to_the_function_name() -> None:
    assert tool_from_function(google).name == "google"


def test_sync_and_async_functions_are_told_apart() -> None:
    async def fetch(url: str) -> str:
        return url

    assert tool_from_function(fetch).is_async is True
    assert tool_from_function(google).is_async is False


def test_a_callable_object_with_async_call_is_async() -> None:
    class Fetcher:
        """Fetch a page."""

        async def __call__(self, url: str) -> str:
            return url

    tool = tool_from_function(Fetcher(), name="fetch")

    assert tool.is_async is True
    assert tool.description == "Fetch a page."
    assert tool.parameters["required"] == ["url"]


def test_a_partial_describes_only_the_parameters_left_to_fill() -> None:
    tool = tool_from_function(functools.partial(google, days=2), name="two_day_forecast")

    assert tool.description.startswith("Get the weather forecast.")
    assert tool.parameters["required"] == ["city"]
    assert tool.parameters["properties"]["days"]["default"] == 2


def test_timeout_is_none_unless_given() -> None:
    assert tool_from_function(google).timeout is None
    assert tool_from_function(google, timeout=2.5).timeout == 2.5


def test_a_tool_is_callable_like_its_function() -> None:
    def add(a: int, b: int) -> int:
        return a + b

    assert tool_from_function(add)(2, 3) == 5


def test_a_tool_built_by_hand_gets_the_arguments_as_they_are() -> None:
    def lookup(**query: object) -> object:
        return query

    tool = Tool(
        name="lookup",
        description="Look things up.",
        parameters={"type": "object", "properties": {"q": {"type": "string"}}},
        function=lookup,
        is_async=False,
    )

    assert tool.validate_arguments({"q": 3}) == {"q": 3}
    assert tool.definition.parameters == tool.parameters


# -- registration errors -----------------------------------------------------------------


def test_var_positional_is_refused_with_advice() -> None:
    def f(*values: int) -> None: ...

    with pytest.raises(ToolRegistrationError, match=r"\*values .*list\[\.\.\.\]"):
        tool_from_function(f)


def test_var_keyword_is_refused_with_advice() -> None:
    def f(city: str, **options: str) -> None: ...

    with pytest.raises(ToolRegistrationError, match=r"\*\*options .*dict\[str, \.\.\.\]"):
        tool_from_function(f)


def test_positional_only_is_refused_with_advice() -> None:
    def f(city: str, /) -> None: ...

    with pytest.raises(ToolRegistrationError, match=r"'city' is positional-only.*remove the `/`"):
        tool_from_function(f)


def test_a_non_callable_is_refused() -> None:
    with pytest.raises(ToolRegistrationError, match="must be a function"):
        tool_from_function("get_weather")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "has space", "dot.ted", "x" * 65, "héllo"])
def test_names_providers_refuse_are_refused(name: str) -> None:
    with pytest.raises(ToolRegistrationError, match="letters, digits"):
        tool_from_function(google, name=name)


@pytest.mark.parametrize("name", ["a", "get-weather_2", "X" * 64])
def test_names_providers_accept_are_accepted(name: str) -> None:
    assert tool_from_function(google, name=name).name == name


def test_a_lambda_needs_a_name() -> None:
    with pytest.raises(ToolRegistrationError, match=r"'<lambda>'.*name="):
        tool_from_function(lambda city: city)


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_a_timeout_that_is_not_positive_is_refused(timeout: float) -> None:
    with pytest.raises(ToolRegistrationError, match="positive number of seconds"):
        tool_from_function(google, timeout=timeout)


def test_a_type_without_a_schema_is_refused_with_advice() -> None:
    class Opaque:
        pass

    def f(thing: Opaque) -> None: ...

    f.__annotations__["thing"] = Opaque  # a local class, given as an object, not a string
    with pytest.raises(ToolRegistrationError, match="JSON-like types"):
        tool_from_function(f)


def test_an_unresolvable_hint_is_refused_with_advice() -> None:
    def f(thing: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        ...

    with pytest.raises(ToolRegistrationError, match="module level"):
        tool_from_function(f)


def test_registration_error_is_a_value_error() -> None:
    assert issubclass(ToolRegistrationError, ValueError)
