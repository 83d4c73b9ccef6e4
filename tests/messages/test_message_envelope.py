"""The message envelope: defaults, ids, immutability, kinds and causality from context."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from llmgine.messages import BUS_SCOPE, Command, CommandResult, Event, HandlingFrame, handling


class EnvelopeProbeCommand(Command):
    text: str = "hello"


class EnvelopeProbedEvent(Event):
    count: int = 0


@pytest.mark.parametrize(
    "make",
    [
        EnvelopeProbeCommand,
        EnvelopeProbedEvent,
        lambda: CommandResult(success=True, command_id="c-1"),
    ],
    ids=["command", "event", "result"],
)
def test_envelope_defaults_to_bus_scope_utc_now_and_empty_metadata(make):
    before = datetime.now(UTC)
    message = make()
    after = datetime.now(UTC)

    assert message.session_id == "BUS" == BUS_SCOPE
    assert message.timestamp.tzinfo is not None
    assert message.timestamp.utcoffset() == timedelta(0)
    assert before <= message.timestamp <= after
    assert message.metadata == {}


def test_each_message_gets_its_own_metadata_dict():
    first, second = EnvelopeProbedEvent(), EnvelopeProbedEvent()
    first.metadata["touched"] = True

    assert second.metadata == {}


def test_ids_are_uuid7_strings():
    command, event = EnvelopeProbeCommand(), EnvelopeProbedEvent()

    for value in (command.command_id, event.event_id):
        assert isinstance(value, str)
        assert uuid.UUID(value).version == 7


def test_ids_are_unique_and_sort_in_creation_order():
    messages = [
        EnvelopeProbedEvent(count=i) if i % 2 else EnvelopeProbeCommand() for i in range(5000)
    ]
    ids = [m.message_id for m in messages]

    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ids


def test_message_id_is_the_command_or_event_id_and_a_result_shares_its_commands():
    command, event = EnvelopeProbeCommand(), EnvelopeProbedEvent()
    result = CommandResult(success=True, command_id=command.command_id)

    assert command.message_id == command.command_id
    assert event.message_id == event.event_id
    assert result.message_id == command.command_id


def test_naive_timestamp_is_rejected():
    with pytest.raises(ValidationError, match="timezone"):
        EnvelopeProbedEvent(timestamp=datetime(2024, 1, 1, 12, 0))


def test_timestamp_given_in_another_zone_is_held_in_utc():
    # SPEC 3: the envelope timestamp is timezone-aware UTC, so logs never mix offsets.
    plus_two = timezone(timedelta(hours=2))
    event = EnvelopeProbedEvent(timestamp=datetime(2024, 1, 1, 14, 0, tzinfo=plus_two))

    assert event.timestamp == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert event.timestamp.utcoffset() == timedelta(0)


def test_messages_are_frozen():
    event = EnvelopeProbedEvent(count=1)

    with pytest.raises(ValidationError, match="frozen"):
        event.count = 2  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        event.session_id = "elsewhere"  # type: ignore[misc]
    assert event.count == 1
    assert event.session_id == "BUS"


def test_model_copy_with_update_makes_a_changed_copy_and_leaves_the_original():
    command = EnvelopeProbeCommand(text="before")

    changed = command.model_copy(update={"text": "after", "session_id": "s-1"})

    assert changed.text == "after"
    assert changed.session_id == "s-1"
    assert changed.command_id == command.command_id
    assert command.text == "before"
    assert command.session_id == "BUS"


def test_unknown_fields_are_ignored_so_old_lines_with_dropped_fields_still_load():
    event = EnvelopeProbedEvent.model_validate({"count": 3, "field_from_an_old_version": 1})

    assert event.count == 3
    assert "field_from_an_old_version" not in event.model_dump()


def test_kinds_of_command_event_and_result():
    assert Command.kind == "command"
    assert Event.kind == "event"
    assert CommandResult.kind == "result"
    assert EnvelopeProbeCommand.kind == "command"
    assert EnvelopeProbedEvent().kind == "event"
    assert "kind" not in EnvelopeProbedEvent.model_fields


def test_command_result_requires_success_and_command_id_and_defaults_the_rest():
    with pytest.raises(ValidationError) as info:
        CommandResult()  # type: ignore[call-arg]
    missing = {error["loc"][0] for error in info.value.errors()}
    assert missing == {"success", "command_id"}

    result = CommandResult(success=False, command_id="c-1")
    assert result.result is None
    assert result.error is None


def test_outside_a_handler_parent_id_is_none_and_session_is_bus():
    assert handling.get() is None
    command, event = EnvelopeProbeCommand(), EnvelopeProbedEvent()

    assert command.parent_id is None
    assert event.parent_id is None
    assert command.session_id == event.session_id == "BUS"


def test_messages_built_while_handling_take_parent_and_session_from_the_context():
    token = handling.set(HandlingFrame("bus-1", "parent-message-id", "session-7", 0))
    try:
        command = EnvelopeProbeCommand()
        event = EnvelopeProbedEvent()
        result = CommandResult(success=True, command_id="c-1")
    finally:
        handling.reset(token)

    assert command.parent_id == event.parent_id == "parent-message-id"
    assert command.session_id == event.session_id == result.session_id == "session-7"


def test_explicit_parent_and_session_win_over_the_context():
    token = handling.set(HandlingFrame("bus-1", "parent-message-id", "session-7", 0))
    try:
        command = EnvelopeProbeCommand(parent_id="explicit-parent", session_id="explicit-session")
        event = EnvelopeProbedEvent(parent_id=None, session_id="BUS")
    finally:
        handling.reset(token)

    assert command.parent_id == "explicit-parent"
    assert command.session_id == "explicit-session"
    assert event.parent_id is None
    assert event.session_id == "BUS"


def test_context_is_read_when_the_message_is_built_not_later():
    token = handling.set(HandlingFrame("bus-1", "first-parent", "first-session", 0))
    try:
        event = EnvelopeProbedEvent()
    finally:
        handling.reset(token)

    assert handling.get() is None
    assert event.parent_id == "first-parent"
    assert event.session_id == "first-session"
