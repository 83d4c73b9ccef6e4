"""Pins the public names of each package: adding or removing one must be deliberate."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC_NAMES = {
    "llmgine": {
        "BusSession",
        "ChatClient",
        "Command",
        "CommandResult",
        "Event",
        "MessageBus",
        "__version__",
        "complete",
        "stream_complete",
        "structured_complete",
    },
    "llmgine.messages": {
        "BUS_SCOPE",
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
        "FAILURE_KINDS",
        "Failure",
        "FailureKind",
        "HandlerFailedEvent",
        "HandlingFrame",
        "LLMFailureKind",
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
        "new_frame",
        "new_id",
        "registry",
        "result_type",
        "utc_now",
        "wire_type",
    },
    "llmgine.config": {"LogLevel", "Settings", "load_settings", "redact"},
    "llmgine.version": {"__version__"},
    "llmgine.cli": {"main"},
    "llmgine.sinks": {
        "Backpressure",
        "BusContextFilter",
        "CommandStats",
        "ConsoleSink",
        "DEFAULT_PRICES",
        "HandlerFailureCount",
        "JsonFormatter",
        "JsonlSink",
        "LatencySummary",
        "LogHistogram",
        "LoggingSetup",
        "MemorySink",
        "Metrics",
        "MetricsReportedEvent",
        "MetricsReporter",
        "MetricsSink",
        "MetricsSnapshot",
        "ModelPrice",
        "OTHER",
        "OtelSink",
        "RedactingFilter",
        "Sink",
        "ToolStats",
        "TracingSetupError",
        "UsageStats",
        "setup_logging",
        "to_json_line",
        "trace_command_as",
    },
    "llmgine.logs": {
        "CallStats",
        "Latency",
        "LogFileSummary",
        "LogFormatError",
        "LogRecord",
        "LogStats",
        "LoggedFailure",
        "RecordFilter",
        "SessionSummary",
        "SessionTimeline",
        "TimelineEntry",
        "TimelineStep",
        "UnknownMessage",
        "bookkeeping",
        "build_timelines",
        "describe_record",
        "find_logs",
        "format_ms",
        "log_stats",
        "read_log",
        "read_records",
        "session_entries",
        "shorten",
        "summarize_log",
        "summarize_sessions",
    },
    "llmgine.observability": {
        "Backpressure",
        "CallStats",
        "JsonlSink",
        "Latency",
        "LogFileSummary",
        "LogFormatError",
        "LogRecord",
        "LogStats",
        "LoggedFailure",
        "MemorySink",
        "RecordFilter",
        "SessionSummary",
        "SessionTimeline",
        "Sink",
        "TimelineEntry",
        "TimelineStep",
        "OtelSink",
        "TracingSetupError",
        "UnknownMessage",
        "build_timelines",
        "find_logs",
        "log_stats",
        "read_log",
        "read_records",
        "session_entries",
        "summarize_log",
        "summarize_sessions",
        "to_json_line",
        # metrics and the console view
        "ConsoleSink",
        "DEFAULT_PRICES",
        "OTHER",
        "CommandStats",
        "HandlerFailureCount",
        "LatencySummary",
        "LogHistogram",
        "Metrics",
        "MetricsReportedEvent",
        "MetricsReporter",
        "MetricsSink",
        "MetricsSnapshot",
        "ModelPrice",
        "ToolStats",
        "UsageStats",
        # Python logging
        "BusContextFilter",
        "JsonFormatter",
        "LoggingSetup",
        "RedactingFilter",
        "setup_logging",
        "trace_command_as",
        # the read side's words for records, for `llmgine logs`
        "bookkeeping",
        "describe_record",
        "format_ms",
        "shorten",
    },
    "llmgine.bus": {
        "ALL_EVENTS",
        "BusClosedError",
        "BusError",
        "BusFullError",
        "BusLike",
        "BusSession",
        "BusState",
        "BusStats",
        "CommandEventsPolicy",
        "CommandMiddleware",
        "CommandNext",
        "Component",
        "Endpoint",
        "EventMiddleware",
        "EventNext",
        "HandlerTimeoutError",
        "LocalTransport",
        "MessageBus",
        "MessageRejected",
        "OverflowPolicy",
        "Registration",
        "StopReport",
        "Transport",
        "TransportError",
        "TransportStats",
        "UsageError",
    },
    "llmgine.transports.nats": {
        "CommandDeliveriesExhaustedEvent",
        "EventsMissedEvent",
        "NatsAuth",
        "NatsCluster",
        "NatsOptions",
        "NatsServer",
        "NatsTransport",
        "StreamLimits",
        "SyncPolicy",
        "SyncReport",
        "check_sync",
        "server_binary",
    },
    "llmgine.llm": {
        "ANTHROPIC_DEFAULT",
        "APIConnectionError",
        "APITimeoutError",
        "AnthropicProvider",
        "AssistantMessage",
        "AuthenticationError",
        "ChatMessage",
        "FailoverProvider",
        "FailureFields",
        "FailureRecord",
        "FinishReason",
        "InvalidRequestError",
        "KeyPool",
        "KeyPoolProvider",
        "KeyStatus",
        "LLMError",
        "LLMProvider",
        "LLMRequest",
        "LLMResponse",
        "MalformedResponseError",
        "OFFLINE_MODEL",
        "OPENAI_DEFAULT",
        "OfflineProvider",
        "OpenAIProvider",
        "ParsedReply",
        "ProviderFactory",
        "ProviderHealth",
        "ProviderWrapper",
        "RETRYABLE_ERRORS",
        "RateLimit",
        "RateLimitError",
        "RateLimitedProvider",
        "ResponseFormat",
        "RetryAttempt",
        "RetryPolicy",
        "RetryingProvider",
        "ServerError",
        "StreamAssembler",
        "StreamDelta",
        "StreamEnd",
        "StructuredOutputError",
        "SystemMessage",
        "TextDelta",
        "TokenLimitError",
        "ToolCall",
        "ToolCallDelta",
        "ToolDefinition",
        "ToolResultMessage",
        "UnknownFormatError",
        "Usage",
        "UserMessage",
        "detect_model",
        "estimate_tokens",
        "register_provider",
        "register_response_format",
        "registered_providers",
        "resolve_model",
        "resolve_response_format",
        "split_model_name",
        "strict_json_schema",
        "unregister_provider",
        "with_structured_output",
    },
    "llmgine.tools": {
        "DEFAULT_TOOL_TIMEOUT",
        "ExecuteToolCommand",
        "Tool",
        "ToolCallCompletedEvent",
        "ToolCallFailedEvent",
        "ToolCallRequestedEvent",
        "ToolErrorKind",
        "ToolManager",
        "ToolRegistrationError",
        "ToolResult",
        "arguments_or_text",
        "tool_from_function",
    },
    "llmgine.context": {
        "ContextManager",
        "Conversation",
        "CorruptSessionError",
        "InvalidSessionIdError",
        "KeepAll",
        "LastMessages",
        "SessionError",
        "SessionNotFoundError",
        "SessionRecord",
        "SessionStore",
        "SessionSummary",
        "TokenBudget",
        "WindowStrategy",
        "first_words",
        "message_tokens",
        "record_lines",
        "session_lines",
    },
    "llmgine.prompts": {"DEFAULT_SYSTEM_TEMPLATE", "PromptTemplateError", "PromptTemplates"},
    "llmgine.engine": {
        "CallLLMCommand",
        "CancelTurnCommand",
        "DEFAULT_MAX_TOOL_ROUNDS",
        "LLMCallCompletedEvent",
        "LLMCallFailedEvent",
        "LLMCallStartedEvent",
        "PromptCommand",
        "ResponseCompletedEvent",
        "ResponseDeltaEvent",
        "ToolChatEngine",
        "TurnCancelledEvent",
        "TurnFinish",
        "TurnResult",
        "history_from_log",
    },
    "llmgine.hooks": {
        "HookContext",
        "HookErrorPolicy",
        "HookFailedEvent",
        "HookFunction",
        "HookPoint",
        "HookRejected",
        "HookStage",
        "HookTarget",
        "Hooks",
        "hook_points",
        "register_hook_point",
    },
    "llmgine.api": {
        "ChatClient",
        "CompletionError",
        "CompletionResult",
        "StreamChunk",
        "TokenUsage",
        "ToolExecution",
        "complete",
        "stream_complete",
        "structured_complete",
    },
    "llmgine.bootstrap": {
        "ApplicationBootstrap",
        "SettingsProviders",
        "ShutdownReport",
        "SinkSet",
        "build_bus",
        "build_context",
        "build_engine",
        "build_sinks",
        "build_tools",
        "choose_model",
        "settings_model",
    },
    "llmgine.gmn": {
        "AGENT_TYPES",
        "CODES",
        "DEFAULT_TOLERANCE",
        "Action",
        "AgentType",
        "CompiledModel",
        "Constraints",
        "Document",
        "Emission",
        "Form",
        "GMNError",
        "GMNModel",
        "GMNSyntaxError",
        "GMNTemplateError",
        "GMNValidationError",
        "Issue",
        "LLMQuery",
        "Observation",
        "Position",
        "Preference",
        "Severity",
        "SourceMap",
        "State",
        "Tensor",
        "Transition",
        "ValidationReport",
        "agent_type_for",
        "compile",
        "detect_form",
        "from_json",
        "load",
        "parse",
        "render",
        "template",
        "to_json",
        "validate",
        *importlib.import_module("tests.gmn._public_names").GENERATOR_NAMES,
    },
    "llmgine.testing": {
        "Crossing",
        "FakeLLMServer",
        "Fault",
        "FunctionProvider",
        "InMemoryTransport",
        "ModelFunction",
        "NetworkBlockedError",
        "NetworkGuard",
        "RecordedRequest",
        "Reply",
        "Responder",
        "ScriptStep",
        "ScriptedProvider",
        "Step",
        "ToolCallSpec",
        "block_network",
        "estimate_tokens",
        "json_reply",
        "response_deltas",
        "text",
        "tool_call",
        "tool_calls",
    },
}


@pytest.mark.parametrize("module_name", list(PUBLIC_NAMES))
def test_all_is_exactly_the_expected_public_names(module_name):
    module = importlib.import_module(module_name)

    assert set(module.__all__) == PUBLIC_NAMES[module_name]
    assert len(module.__all__) == len(set(module.__all__)), "duplicates in __all__"


@pytest.mark.parametrize("module_name", list(PUBLIC_NAMES))
def test_every_public_name_resolves(module_name):
    module = importlib.import_module(module_name)

    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_top_level_names_are_the_same_objects_as_in_their_packages():
    import llmgine
    import llmgine.bus
    import llmgine.messages

    assert llmgine.MessageBus is llmgine.bus.MessageBus
    assert llmgine.BusSession is llmgine.bus.BusSession
    assert llmgine.Command is llmgine.messages.Command
    assert llmgine.CommandResult is llmgine.messages.CommandResult
    assert llmgine.Event is llmgine.messages.Event

    import llmgine.api

    assert llmgine.complete is llmgine.api.complete
    assert llmgine.structured_complete is llmgine.api.structured_complete
    assert llmgine.stream_complete is llmgine.api.stream_complete
    assert llmgine.ChatClient is llmgine.api.ChatClient


def test_unknown_top_level_attribute_raises_attribute_error():
    import llmgine

    with pytest.raises(AttributeError, match="'NoSuchThing'"):
        llmgine.NoSuchThing  # noqa: B018


def test_dir_of_the_top_level_package_lists_the_public_names():
    import llmgine

    assert set(PUBLIC_NAMES["llmgine"]) <= set(dir(llmgine))


def test_importing_llmgine_alone_does_not_import_pydantic_or_the_bus():
    code = (
        "import sys, llmgine\n"
        "heavy = sorted(m for m in ('pydantic', 'orjson', 'llmgine.bus', 'llmgine.messages')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )

    assert completed.stdout.strip() == ""


def test_first_use_of_a_lazy_name_imports_its_package():
    code = (
        "import sys, llmgine\n"
        "llmgine.Event\n"
        "print('pydantic' in sys.modules, 'llmgine.messages' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )

    assert completed.stdout.split() == ["True", "True"]
