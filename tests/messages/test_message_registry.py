"""The registry that maps wire type names back to message classes."""

from __future__ import annotations

import warnings

import pytest

from llmgine.messages import (
    Command,
    CommandResult,
    Event,
    Message,
    MessageRegistry,
    registry,
)


class RegistryProbeCommand(Command):
    pass


class RegistryProbedEvent(Event):
    pass


class RegistryProbedSubEvent(RegistryProbedEvent):
    pass


def test_every_message_subclass_is_registered_by_class_name():
    for cls in (
        Command,
        Event,
        CommandResult,
        RegistryProbeCommand,
        RegistryProbedEvent,
        RegistryProbedSubEvent,
    ):
        assert cls.__name__ in registry
        assert registry[cls.__name__] is cls
        assert registry.get(cls.__name__) is cls


def test_a_class_defined_later_is_registered_when_it_is_defined():
    assert "RegistryLateDefinedEvent" not in registry

    class RegistryLateDefinedEvent(Event):
        pass

    assert registry.get("RegistryLateDefinedEvent") is RegistryLateDefinedEvent


def test_the_abstract_envelope_itself_is_not_a_wire_type():
    assert Message.__name__ not in registry


def test_get_returns_none_for_an_unknown_name():
    assert registry.get("NoSuchRegistryEvent") is None
    assert "NoSuchRegistryEvent" not in registry


def test_getitem_for_an_unknown_name_raises_key_error_naming_the_type():
    with pytest.raises(KeyError, match="'NoSuchRegistryEvent'"):
        registry["NoSuchRegistryEvent"]


def test_contains_is_false_for_non_strings():
    assert 42 not in registry
    assert RegistryProbedEvent not in registry


def test_iteration_is_over_sorted_names_and_len_counts_them():
    names = list(registry)

    assert names == sorted(names)
    assert len(registry) == len(names)
    assert {"Command", "Event", "CommandResult", "RegistryProbedEvent"} <= set(names)


def test_a_fresh_registry_is_empty_and_independent_of_the_global_one():
    local = MessageRegistry()
    local.register(RegistryProbedEvent)

    assert list(local) == ["RegistryProbedEvent"]
    assert len(local) == 1
    assert "RegistryProbeCommand" not in local


@pytest.mark.parametrize("field_name", ["kind", "type"])
def test_a_field_with_a_reserved_name_is_refused_with_type_error(field_name):
    namespace = {
        "__module__": __name__,
        "__qualname__": f"Reserved{field_name.title()}Event",
        "__annotations__": {field_name: "str"},
        field_name: "x",
    }
    with warnings.catch_warnings():
        # pydantic may warn about shadowing first; the next test pins that separately.
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(TypeError, match=f"field named '{field_name}'"):
            type(f"Reserved{field_name.title()}Event", (Event,), namespace)

    assert f"Reserved{field_name.title()}Event" not in registry


def test_a_field_named_kind_is_refused_before_pydantic_warns_about_shadowing():
    # Under `-W error` (as in this project's own test config) the user should see our
    # TypeError, not a pydantic UserWarning about shadowing `Command.kind`.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match="field named 'kind'"):

            class ReservedKindCommand(Command):
                kind: str = "mine"  # type: ignore[assignment]

    assert [str(w.message) for w in caught] == []


def test_a_duplicate_name_from_another_module_warns_at_the_class_definition():
    type(
        "RegistryTwiceNamedEvent",
        (Event,),
        {"__module__": "some.other.module", "__qualname__": "RegistryTwiceNamedEvent"},
    )

    with pytest.warns(UserWarning, match="'RegistryTwiceNamedEvent' is defined twice") as record:

        class RegistryTwiceNamedEvent(Event):
            pass

    assert len(record) == 1
    assert "some.other.module.RegistryTwiceNamedEvent" in str(record[0].message)
    assert record[0].filename == __file__
    assert registry["RegistryTwiceNamedEvent"] is RegistryTwiceNamedEvent


def test_redefining_a_class_from_the_same_origin_does_not_warn():
    # e.g. a module reloaded in a REPL or by a test runner
    classes = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):

            class RegistryReloadedEvent(Event):
                pass

            classes.append(RegistryReloadedEvent)

    assert classes[0] is not classes[1]
    assert registry["RegistryReloadedEvent"] is classes[1]
