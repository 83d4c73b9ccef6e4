"""Messages: the data that crosses the bus, its wire names, and the one codec for it."""

from llmgine.messages._base import (
    Command,
    CommandResult,
    Event,
    Message,
    MessageKind,
    result_type,
)
from llmgine.messages._codec import (
    LOG_KEY,
    decode,
    decode_object,
    encode,
    encode_line,
    loads,
    wire_type,
)
from llmgine.messages._context import BUS_SCOPE, HandlingFrame, handling, new_frame
from llmgine.messages._core import (
    BusStoppedEvent,
    CommandFailedEvent,
    CommandFinishedEvent,
    CommandStartedEvent,
    CommandSucceededEvent,
    HandlerFailedEvent,
    SessionEndedEvent,
    SessionStartedEvent,
)
from llmgine.messages._errors import CodecError, CommandFailedError, DecodeError, EncodeError
from llmgine.messages._failure import FAILURE_KINDS, Failure, FailureKind, LLMFailureKind
from llmgine.messages._ids import new_id, new_session_id, utc_now
from llmgine.messages._logform import LogReader, LogRefs, LogWriter, log_refs
from llmgine.messages._registry import MessageRegistry, registry
from llmgine.messages._results import check_result

__all__ = [
    "BUS_SCOPE",
    "FAILURE_KINDS",
    "LOG_KEY",
    "BusStoppedEvent",
    "CodecError",
    "Command",
    "CommandFailedError",
    "CommandFailedEvent",
    "CommandFinishedEvent",
    "CommandResult",
    "CommandStartedEvent",
    "CommandSucceededEvent",
    "DecodeError",
    "EncodeError",
    "Event",
    "Failure",
    "FailureKind",
    "HandlerFailedEvent",
    "HandlingFrame",
    "LLMFailureKind",
    "LogReader",
    "LogRefs",
    "LogWriter",
    "Message",
    "MessageKind",
    "MessageRegistry",
    "SessionEndedEvent",
    "SessionStartedEvent",
    "check_result",
    "decode",
    "decode_object",
    "encode",
    "encode_line",
    "handling",
    "loads",
    "log_refs",
    "new_frame",
    "new_id",
    "new_session_id",
    "registry",
    "result_type",
    "utc_now",
    "wire_type",
]
