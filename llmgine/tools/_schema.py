"""A tool's parameters as a pydantic model, and that model's JSON schema for the model.

``arguments_model`` turns a function's signature into a pydantic model with one field per
parameter: the type hint is the field's type (no hint: ``Any``), the Python default stays
the default, and the docstring's description of the parameter becomes the field's
description (an explicit ``Annotated[X, Field(description=...)]`` wins). The same model
validates what the model sends back, so the schema it was shown and the check it gets can
never disagree.

Parameters whose names pydantic reserves (``schema``, ``json``, ``_private`` ...) get a
neutral field name and keep their own name as the alias, which is what the schema shows
and what validation reads; ``ToolArguments.keyword_arguments`` maps them back.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, create_model
from pydantic.fields import FieldInfo

from llmgine.tools._errors import ToolRegistrationError

_UNSUPPORTED_KINDS: dict[object, str] = {
    inspect.Parameter.VAR_POSITIONAL: (
        "*{name} cannot be described to a model; name each value as its own parameter, "
        "or take one `list[...]` parameter instead"
    ),
    inspect.Parameter.VAR_KEYWORD: (
        "**{name} cannot be described to a model; name each keyword as its own parameter, "
        "or take one `dict[str, ...]` parameter instead"
    ),
    inspect.Parameter.POSITIONAL_ONLY: (
        "parameter {name!r} is positional-only, but a model passes arguments by name; "
        "remove the `/` from the signature"
    ),
}


class ToolArguments(BaseModel):
    """Base of every generated arguments model.

    Lax validation (``"3"`` is accepted for an int) and numbers accepted for strings,
    because models often write ``"zip": 12345``; unknown arguments are refused, so a model
    that invents one learns that it did.
    """

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    renamed_parameters: ClassVar[dict[str, str]] = {}
    """Field name to parameter name, for parameters whose name pydantic reserves."""

    def keyword_arguments(self) -> dict[str, object]:
        """The validated values by parameter name: models stay models, enums members."""
        renamed = self.renamed_parameters
        return {renamed.get(name, name): getattr(self, name) for name in type(self).model_fields}


def arguments_model(
    func: Callable[..., object], tool_name: str, descriptions: Mapping[str, str]
) -> type[ToolArguments]:
    """A pydantic model of ``func``'s parameters; ``ToolRegistrationError`` if impossible."""
    hints = _type_hints(func, tool_name)
    fields: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for index, param in enumerate(_parameters(func, tool_name)):
        annotation = hints.get(param.name, Any)
        options: dict[str, Any] = {}  # only what is given, so Annotated's own Field wins
        if param.default is not inspect.Parameter.empty:
            options["default"] = param.default
        if param.name in descriptions and not _described(annotation):
            options["description"] = descriptions[param.name]
        field_name = param.name
        if param.name.startswith("_") or hasattr(ToolArguments, param.name):
            field_name, options["alias"] = f"parameter_{index}", param.name
            renamed[field_name] = param.name
        fields[field_name] = (annotation, Field(**options))
    try:
        model = create_model(tool_name, __base__=ToolArguments, **fields)
    except (PydanticUserError, TypeError, NameError) as exc:
        raise ToolRegistrationError(
            f"the parameters of tool {tool_name!r} cannot be validated: {exc}; use JSON-like "
            f"types (str, int, float, bool, list, dict, Literal, Enum, pydantic models)"
        ) from exc
    model.renamed_parameters = renamed
    return model


def parameters_schema(model: type[BaseModel], tool_name: str) -> dict[str, Any]:
    """The JSON schema of an arguments model, without pydantic's generated titles."""
    try:
        schema = model.model_json_schema()
    except PydanticUserError as exc:
        raise ToolRegistrationError(
            f"the parameters of tool {tool_name!r} have no JSON schema: {exc}; use JSON-like "
            f"types (str, int, float, bool, list, dict, Literal, Enum, pydantic models)"
        ) from exc
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
    schema.setdefault("properties", {})
    schema.setdefault("required", [])
    return schema


def _parameters(func: Callable[..., object], tool_name: str) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise ToolRegistrationError(
            f"cannot read the signature of tool {tool_name!r} ({exc}); register a plain "
            f"Python function or method"
        ) from exc
    for param in signature.parameters.values():
        problem = _UNSUPPORTED_KINDS.get(param.kind)
        if problem is not None:
            raise ToolRegistrationError(f"tool {tool_name!r}: " + problem.format(name=param.name))
    return list(signature.parameters.values())


def _type_hints(func: Callable[..., object], tool_name: str) -> dict[str, Any]:
    target = _hint_source(func)
    try:
        return get_type_hints(target, include_extras=True)
    except Exception as exc:  # a forward reference that cannot be resolved, most often
        raise ToolRegistrationError(
            f"cannot resolve the type hints of tool {tool_name!r} ({type(exc).__name__}: "
            f"{exc}); define the types it uses at module level"
        ) from exc


def unwrap_partial(func: object) -> object:
    """The function a (possibly nested) ``functools.partial`` wraps, else ``func``."""
    while isinstance(func, functools.partial):
        func = func.func
    return func


def _hint_source(func: object) -> object:
    """What holds the hints of ``func``'s parameters."""
    func = unwrap_partial(func)
    if inspect.isclass(func):
        return func.__init__
    if inspect.isroutine(func):
        return func
    return type(func).__call__  # a callable object


def _described(annotation: object) -> bool:
    """Whether an ``Annotated[..., Field(description=...)]`` already describes it."""
    if get_origin(annotation) is not Annotated:
        return False
    return any(
        isinstance(meta, FieldInfo) and meta.description for meta in get_args(annotation)[1:]
    )
