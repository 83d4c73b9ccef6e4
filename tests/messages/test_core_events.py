"""The events the bus itself publishes: their names and fields are part of the log format."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from llmgine.messages import (
    BusStoppedEvent,
    CommandFailedEvent,
    CommandFinishedEvent,
    CommandStartedEvent,
    CommandSucceededEvent,
    Event,
    HandlerFailedEvent,
    SessionEndedEvent,
    SessionStartedEvent,
    registry,
)

ENVELOPE = {"session_id", "timestamp", "metadata", "event_id", "parent_id"}

CORE_EVENT_FIELDS = {
    CommandStartedEvent: {"command_id", "command_type"},
    CommandFinishedEvent: {"command_id", "command_type", "success", "error", "duration_ms"},
    CommandSucceededEvent: {"command_id", "command_type", "success", "error", "duration_ms"},
    CommandFailedEvent: {"command_id", "command_type", "success", "error", "duration_ms"},
    HandlerFailedEvent: {
        "handler",
        "message_type",
        "failed_message_id",
        "exception_type",
        "exception_message",
        "traceback",
    },
    SessionStartedEvent: set(),
    SessionEndedEvent: {"error"},
    BusStoppedEvent: {"undelivered", "commands_in_flight", "timed_out", "sink_problems"},
}


@pytest.mark.parametrize("cls", list(CORE_EVENT_FIELDS), ids=lambda cls: cls.__name__)
def test_core_event_has_exactly_its_documented_fields(cls):
    assert issubclass(cls, Event)
    assert cls.kind == "event"
    assert set(cls.model_fields) == ENVELOPE | CORE_EVENT_FIELDS[cls]


@pytest.mark.parametrize("cls", list(CORE_EVENT_FIELDS), ids=lambda cls: cls.__name__)
def test_core_event_is_registered_under_its_stable_name(cls):
    assert registry[cls.__name__] is cls


def test_command_started_event_requires_the_command_id_and_type():
    with pytest.raises(ValidationError):
        CommandStartedEvent(command_id="c-1")  # type: ignore[call-arg]

    event = CommandStartedEvent(command_id="c-1", command_type="GreetCommand")
    assert (event.command_id, event.command_type) == ("c-1", "GreetCommand")


def test_succeeded_and_failed_are_both_finished_events_with_matching_success_defaults():
    ok = CommandSucceededEvent(command_id="c-1", command_type="X", duration_ms=1.5)
    failed = CommandFailedEvent(command_id="c-2", command_type="X", duration_ms=2.0, error="boom")

    assert isinstance(ok, CommandFinishedEvent)
    assert isinstance(failed, CommandFinishedEvent)
    assert ok.success is True
    assert ok.error is None
    assert failed.success is False
    assert failed.error == "boom"


def test_finished_event_requires_duration_and_success():
    with pytest.raises(ValidationError) as info:
        CommandFinishedEvent(command_id="c-1", command_type="X")  # type: ignore[call-arg]

    assert {error["loc"][0] for error in info.value.errors()} == {"success", "duration_ms"}


def test_handler_failed_event_holds_handler_and_exception_and_optional_traceback():
    event = HandlerFailedEvent(
        handler="tests.on_greeted",
        message_type="Greeted",
        failed_message_id="e-1",
        exception_type="ValueError",
        exception_message="bad value",
    )

    assert event.handler == "tests.on_greeted"
    assert event.message_type == "Greeted"
    assert event.failed_message_id == "e-1"
    assert event.exception_type == "ValueError"
    assert event.exception_message == "bad value"
    assert event.traceback is None


def test_session_events_take_the_session_id_and_ended_may_carry_an_error():
    started = SessionStartedEvent(session_id="user-42")
    ended = SessionEndedEvent(session_id="user-42", error="RuntimeError: gone")

    assert started.session_id == ended.session_id == "user-42"
    assert SessionEndedEvent(session_id="user-42").error is None
    assert ended.error == "RuntimeError: gone"
