"""Every message type observability recognises by name exists, with the fields it reads.

Observability cannot import the engine or the tools (they sit above it), so it reads their
messages by wire name: this test is what breaks when one of those names or fields changes.
"""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

import llmgine.engine  # registers the message classes read by name
import llmgine.tools
from llmgine.messages import registry
from llmgine.sinks._wire import FIELDS_READ


def field_type(model: type[BaseModel], dotted: str) -> object:
    """The annotation of ``a.b.c`` in ``model``, failing the test if any step is missing."""
    current: object = model
    for part in dotted.split("."):
        assert isinstance(current, type), f"{dotted!r}: {current!r} is not a model"
        assert issubclass(current, BaseModel), f"{dotted!r}: {current!r} is not a model"
        fields = current.model_fields
        assert part in fields, f"{model.__name__} has no field {dotted!r}"
        annotation = fields[part].annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        current = args[0] if typing.get_origin(annotation) and len(args) == 1 else annotation
    return current


@pytest.mark.parametrize("name", sorted(FIELDS_READ))
def test_every_name_read_is_a_registered_message_with_the_fields_read(name: str) -> None:
    cls = registry.get(name)
    assert cls is not None, f"no message class is registered as {name!r}"
    for dotted in FIELDS_READ[name]:
        field_type(cls, dotted)


def test_the_engine_and_tool_names_are_the_classes_they_stand_for() -> None:
    assert registry["LLMCallCompletedEvent"] is llmgine.engine.LLMCallCompletedEvent
    assert registry["ExecuteToolCommand"] is llmgine.tools.ExecuteToolCommand
