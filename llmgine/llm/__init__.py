"""The LLM layer: one provider interface, adapters for real services, resilience wrappers.

Providers know nothing of the bus. A model is named ``provider:model``
(``openai:gpt-4o-mini``, ``anthropic:claude-haiku-4-5``, ``ollama:llama3.2``,
``xai:grok-beta``, ``offline:stand-in``) and ``resolve_model`` builds a provider for it;
``full_model_name`` gives a bare name (``gpt-4o``) its provider, and ``list_models`` asks a
service what it offers. The adapters and wrappers are imported on first use, so
``import llmgine.llm`` does not load the ``openai`` or ``anthropic`` SDKs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llmgine.llm._assemble import StreamAssembler, with_structured_output
from llmgine.llm._catalog import list_models, listable_providers
from llmgine.llm._errors import (
    RETRYABLE_ERRORS,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    FailureFields,
    FailureRecord,
    InvalidRequestError,
    LLMError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    StructuredOutputError,
    TokenLimitError,
)
from llmgine.llm._formats import (
    ParsedReply,
    ResponseFormat,
    UnknownFormatError,
    register_response_format,
    resolve_response_format,
)
from llmgine.llm._provider import LLMProvider, ProviderWrapper
from llmgine.llm._registry import (
    ProviderFactory,
    full_model_name,
    register_provider,
    registered_providers,
    resolve_model,
    split_model_name,
    unregister_provider,
)
from llmgine.llm._schema import strict_json_schema
from llmgine.llm._tokens import estimate_tokens
from llmgine.llm._types import (
    AssistantMessage,
    ChatMessage,
    FinishReason,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolDefinition,
    ToolResultMessage,
    Usage,
    UserMessage,
)

_LAZY: dict[str, str] = {
    "OpenAIProvider": "llmgine.llm._openai",
    "AnthropicProvider": "llmgine.llm._anthropic",
    "OfflineProvider": "llmgine.llm._offline",
    "OFFLINE_MODEL": "llmgine.llm._offline",
    "RetryingProvider": "llmgine.llm._retry",
    "RetryPolicy": "llmgine.llm._retry",
    "RetryAttempt": "llmgine.llm._retry",
    "KeyStatus": "llmgine.llm._keypool",
    "RateLimitedProvider": "llmgine.llm._ratelimit",
    "RateLimit": "llmgine.llm._ratelimit",
    "KeyPool": "llmgine.llm._keypool",
    "KeyPoolProvider": "llmgine.llm._keypool",
    "FailoverProvider": "llmgine.llm._failover",
    "ProviderHealth": "llmgine.llm._failover",
    "detect_model": "llmgine.llm._detect",
    "OPENAI_DEFAULT": "llmgine.llm._detect",
    "ANTHROPIC_DEFAULT": "llmgine.llm._detect",
}

__all__ = [
    "ANTHROPIC_DEFAULT",
    "OFFLINE_MODEL",
    "OPENAI_DEFAULT",
    "RETRYABLE_ERRORS",
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
    "OfflineProvider",
    "OpenAIProvider",
    "ParsedReply",
    "ProviderFactory",
    "ProviderHealth",
    "ProviderWrapper",
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
    "full_model_name",
    "list_models",
    "listable_providers",
    "register_provider",
    "register_response_format",
    "registered_providers",
    "resolve_model",
    "resolve_response_format",
    "split_model_name",
    "strict_json_schema",
    "unregister_provider",
    "with_structured_output",
]

if TYPE_CHECKING:
    from llmgine.llm._anthropic import AnthropicProvider
    from llmgine.llm._detect import ANTHROPIC_DEFAULT, OPENAI_DEFAULT, detect_model
    from llmgine.llm._failover import FailoverProvider, ProviderHealth
    from llmgine.llm._keypool import KeyPool, KeyPoolProvider, KeyStatus
    from llmgine.llm._offline import OFFLINE_MODEL, OfflineProvider
    from llmgine.llm._openai import OpenAIProvider
    from llmgine.llm._ratelimit import RateLimit, RateLimitedProvider
    from llmgine.llm._retry import RetryAttempt, RetryingProvider, RetryPolicy


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmgine.llm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
