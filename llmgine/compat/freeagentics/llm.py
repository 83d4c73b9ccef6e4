"""FreeAgentics' ``llm`` module on llmgine: where its code says ``from llm import ...``,
write ``from llmgine.compat.freeagentics.llm import ...`` and the rest runs as it is.

Thin by design: the factory is ``llmgine.gmn``'s (its providers, failover, health and GMN
generator), with FreeAgentics' ``generate(messages, provider_type=...)`` added on top;
messages, responses and errors are llmgine's own. What differs, and why, is in
``docs/migrating.md``.

    create_llm_factory, LLMProviderFactory   the factory (GMN calls, generate, health_check)
    LLMMessage, LLMRole                      a chat message: llmgine's System/User/AssistantMessage
    ProviderType                             which provider ``generate`` uses alone
    LLMResponse, LLMError                    llmgine.llm's
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import JsonValue

import llmgine.gmn
from llmgine.engine import CallLLMCommand
from llmgine.llm import (
    AssistantMessage,
    ChatMessage,
    LLMError,
    LLMRequest,
    LLMResponse,
    SystemMessage,
    UserMessage,
)
from llmgine.messages import CommandFailedError

__all__ = [
    "LLMError",
    "LLMMessage",
    "LLMProviderFactory",
    "LLMResponse",
    "LLMRole",
    "ProviderType",
    "create_llm_factory",
]


class LLMRole(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class ProviderType(StrEnum):
    """A provider for ``generate(..., provider_type=...)``; ``MOCK`` is llmgine's offline
    stand-in and ``AUTO`` the failover over every model chosen."""

    MOCK = "mock"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"
    AUTO = "auto"


_MESSAGES: dict[str, type[SystemMessage | UserMessage | AssistantMessage]] = {
    "system": SystemMessage,
    "user": UserMessage,
    "assistant": AssistantMessage,
}
_PREFIXES = {"mock": "offline", "openai": "openai", "anthropic": "anthropic", "ollama": "ollama"}


def LLMMessage(
    role: LLMRole | str,
    content: str,
    metadata: Mapping[str, Any] | None = None,
) -> SystemMessage | UserMessage | AssistantMessage:
    """llmgine's message of ``role`` with ``content``. ``metadata`` is accepted and not
    sent, as FreeAgentics did not send it either."""
    kind = _MESSAGES.get(str(role))
    if kind is None:
        raise ValueError(f"unknown role {role!r}; use LLMRole.SYSTEM, USER or ASSISTANT")
    return kind(content=content)


class LLMProviderFactory(llmgine.gmn.LLMProviderFactory):
    """``llmgine.gmn.LLMProviderFactory`` with FreeAgentics' ``generate``."""

    async def generate(
        self,
        messages: Iterable[ChatMessage],
        temperature: float = 0.7,
        max_tokens: int | None = None,
        stop_sequences: list[str] | None = None,
        provider_type: ProviderType | str | None = None,
        **kwargs: JsonValue,
    ) -> LLMResponse:
        """The model's reply to ``messages``: from the first model that answers, failing
        over, or from ``provider_type``'s model alone. ``kwargs`` go to the provider's API
        as they are. Raises ``LLMError`` when no model could answer. Every call is in the
        JSONL log (``last_log_path``) and in ``health_check()``."""
        if stop_sequences:
            raise ValueError(
                "stop_sequences are not supported: llmgine's providers take no stop sequences "
                "(they also cut off answers that open with a code fence); end the text yourself"
            )
        await self.start()
        model = self._chosen(provider_type)
        request = LLMRequest(
            messages=tuple(messages),
            temperature=temperature,
            max_tokens=max_tokens,
            extra=dict(kwargs),
        )
        name = (model or self.provider).model_name
        result = await self.execute(CallLLMCommand(request=request, model=name), model=model)
        if result.failure is None:
            return result.unwrap()
        try:
            error = LLMError.from_failure(result.failure)
        except ValueError:  # not a model call's failure: the bus's own
            raise CommandFailedError(result.failure) from None
        raise error

    def _chosen(self, provider_type: ProviderType | str | None) -> Any:
        """The provider ``provider_type`` names, alone, or None for the whole failover."""
        if provider_type is None or str(provider_type) == ProviderType.AUTO:
            return None
        prefix = _PREFIXES.get(str(provider_type))
        if prefix is None:
            choices = ", ".join(f"ProviderType.{t.name}" for t in ProviderType)
            raise ValueError(f"unknown provider_type {provider_type!r}; use one of {choices}")
        failover = self.provider
        for candidate in failover.candidates:
            if candidate.provider == prefix:
                return failover.only(candidate.model_name)
        for name, error in self.unavailable.items():
            if name.partition(":")[0] == prefix:
                raise LLMError(
                    f"not available: {error}", provider=prefix, model=name[len(prefix) + 1 :]
                )
        raise LLMError(
            f"not available: {prefix} is not among the models chosen "
            f"({', '.join(c.model_name for c in failover.candidates)}); name it in the "
            "config's 'provider' or give it a section",
            provider=prefix,
            model="",
        )


def create_llm_factory(config: Mapping[str, Any] | None = None) -> LLMProviderFactory:
    """A factory over the providers this machine has; see ``llmgine.gmn.create_llm_factory``
    for the ``config`` keys. ``provider`` (or ``$LLM_PROVIDER``) is ``auto``, ``openai``,
    ``anthropic``, ``ollama`` or ``mock``."""
    return LLMProviderFactory(config)
